#pragma once

#include "limitflags.h"

#include "agentrun/model/runspec.h"
#include "agentrun/run/admission.h"

#include <optional>
#include <string>
#include <vector>

namespace agentrun::cli {

/// The options of a server's run defaults and ceilings, as typed: `serve`, `mcp` and `tool-schema` (which
/// describes the tool those servers offer) declare and apply them through the two functions below, so
/// that the three agree on every flag and every rule.
struct RunDefaultFlags
{
    LimitFlags limits;
    CeilingFlags ceilings;
    std::optional<std::string> policy;
    std::vector<std::string> allow;
    std::optional<std::string> image;
};

/// Declares the limit flags, --policy, --allow (`allowHelp` says what the whitelist does for this
/// command) and, when `withImage`, --image in the group "Run defaults", then the ceilings.
void addRunDefaultFlags(CLI::App& command, RunDefaultFlags& flags, const std::string& allowHelp,
                        bool withImage);

/// The defaults and ceilings the flags give: limits within their ranges, the policy loadable, the
/// defaults fitted under the ceilings. False (and the error printed) on a bad value.
bool applyRunDefaultFlags(const RunDefaultFlags& flags, model::RunSpec& defaults, run::Ceilings& ceilings);

} // namespace agentrun::cli
