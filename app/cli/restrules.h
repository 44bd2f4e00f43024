#pragma once

#include "agentrun/model/runspec.h"
#include "agentrun/run/admission.h"

#include <string>

namespace agentrun::cli {

/// The one gate's rules of a server (`serve`'s REST and MCP, `mcp`, and the tool `tool-schema` describes),
/// from its run defaults and ceilings: the ceilings; bridge networking only when the defaults have it;
/// the defaults' whitelist; the presets plus the operator's own policies (the defaults' and
/// `extraPolicy`, e.g. serve --compat-policy); a server on gVisor keeps every run there (runc servers
/// also accept runsc, the stronger one); no request or profile may skip the check.
run::AdmissionRules serverRules(const model::RunSpec& defaults, const run::Ceilings& ceilings,
                                const std::string& extraPolicy = {});

} // namespace agentrun::cli
