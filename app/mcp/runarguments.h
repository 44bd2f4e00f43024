#pragma once

#include "agentrun/error.h"
#include "agentrun/run/executor.h"

#include <nlohmann/json.hpp>

/// The one place a run_python call becomes a run description: the REST /v2 body keys (code, stdin, limits,
/// dependencies), read with the REST server's own limit parser, so the MCP tool is one more adapter and not
/// another copy of the limit rules.
namespace agentrun::mcp {

/// The run `arguments` describe: `defaults` (the server's), then the call's own fields. Only the shape is
/// checked; what the server allows is decided by run::admit on the result. Errors name the argument.
Result<run::RunRequest> runRequestFrom(const nlohmann::json& arguments, const run::RunRequest& defaults);

} // namespace agentrun::mcp
