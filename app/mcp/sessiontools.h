#pragma once

// The session tools of `agentrun mcp` (session_start, session_restart, session_close, session_list): a
// session keeps Python state between run_python calls that name it (session_id), until it is closed or
// idles out.

#include "agentrun/run/admission.h"
#include "agentrun/run/runner.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace agentrun::mcp {

/// The Tool objects of the session tools, in a fixed order.
nlohmann::json sessionToolList();
bool isSessionTool(std::string_view name);
/// A CallToolResult; bad arguments and unknown sessions are results with isError. `defaults` and
/// `rules` are the server's: a session's limits start from the defaults and pass the same gate as a run's.
nlohmann::json callSessionTool(const std::string& name, const nlohmann::json& arguments,
                               run::Runner& executor, const model::RunSpec& defaults,
                               const run::AdmissionRules& rules);

/// run_python's `session_id`: the run goes to that session, whose limits hold but for the run's own
/// timeout and output limit; other limits in `arguments` are refused. Error: session.not_found or
/// limits.<field>.
Result<void> intoSession(const nlohmann::json& arguments, run::Runner& executor, model::RunSpec& request);

} // namespace agentrun::mcp
