#pragma once

#include "agentrun/model/session.h"

#include <nlohmann/json.hpp>

namespace agentrun::model {

/// `{"id", "cell", "restarted", "variables": [{"name", "type", "repr", "size"}]}`: the "session" object of
/// a run's JSON (run --json, REST, MCP, the history).
nlohmann::json toJson(const SessionRun& run);

/// `{"id", "limits", "image", "created_at", "last_used_at", "runs", "restarts", "busy", "idle_timeout",
/// "max_lifetime"}` (times as ISO 8601 UTC, durations in seconds): REST and `agentrun session list`.
nlohmann::json toJson(const SessionInfo& info);

} // namespace agentrun::model
