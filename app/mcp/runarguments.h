#pragma once

#include "agentrun/error.h"
#include "agentrun/model/runspec.h"

#include <nlohmann/json.hpp>

/// The one place a run_python call becomes a run description: the REST /v2 body keys (code, stdin, limits,
/// dependencies), read by the one codec (model/runspecjson.h), so the MCP tool is one more adapter and not
/// another copy of the limit rules.
namespace agentrun::mcp {

/// The run `arguments` describe: `defaults` (the server's), then the call's own fields. Only the shape is
/// checked; what the server allows is decided by run::admit on the result. Errors name the argument.
Result<model::RunSpec> runRequestFrom(const nlohmann::json& arguments, const model::RunSpec& defaults);

} // namespace agentrun::mcp
