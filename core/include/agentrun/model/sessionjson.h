#pragma once

#include "agentrun/error.h"
#include "agentrun/model/runspec.h"
#include "agentrun/model/session.h"

#include <nlohmann/json.hpp>

namespace agentrun::model {

/// `{"id", "cell", "restarted", "variables": [{"name", "type", "repr", "size"}]}`: the "session" object of
/// a run's JSON (run --json, REST, MCP, the history).
nlohmann::json toJson(const SessionRun& run);

/// `{"id", "limits", "image", "created_at", "last_used_at", "runs", "restarts", "busy", "idle_timeout",
/// "max_lifetime"}` (times as ISO 8601 UTC, durations in seconds): REST and `agentrun session list`.
nlohmann::json toJson(const SessionInfo& info);

/// A run description read from `body` (a REST body or MCP arguments) made a run in `session`: the session's
/// limits hold, but for the run's own timeout and output limit; any other field of body["limits"] is
/// refused (code `limits.<field>`: it belongs to the session, set when it was opened).
Result<void> intoSession(const SessionInfo& session, const nlohmann::json& body, RunSpec& spec);

} // namespace agentrun::model
