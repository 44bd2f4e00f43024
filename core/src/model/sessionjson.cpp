#include "agentrun/model/sessionjson.h"

#include "agentrun/model/runspecjson.h"

#include <ctime>

namespace agentrun::model {

namespace {

std::string isoTime(std::chrono::system_clock::time_point when)
{
    const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

} // namespace

nlohmann::json toJson(const SessionRun& run)
{
    nlohmann::json variables = nlohmann::json::array();
    for (const auto& variable : run.variables) {
        variables.push_back({{"name", variable.name},
                             {"type", variable.type},
                             {"repr", variable.repr},
                             {"size", variable.size}});
    }
    return {{"id", run.id}, {"cell", run.cell}, {"restarted", run.restarted}, {"variables", variables}};
}

Result<void> intoSession(const SessionInfo& session, const nlohmann::json& body, RunSpec& spec)
{
    if (body.is_object() && body.contains("limits") && body["limits"].is_object()) {
        for (const auto& [key, value] : body["limits"].items()) {
            if (key != "timeout" && key != "timeout_seconds" && key != "output_limit" &&
                key != "output_limit_bytes") {
                return fail(
                    "limits." + key,
                    "limits." + key +
                        " belongs to the session and was set when it was opened; a run in a session sets "
                        "only limits.timeout and limits.output_limit. Open another session for other "
                        "limits.");
            }
        }
    }
    const Limits own = spec.limits;
    spec.limits = session.limits; // the sandbox's; this run's clock and output limit
    spec.limits.timeoutSeconds = own.timeoutSeconds;
    spec.limits.outputLimitBytes = own.outputLimitBytes;
    spec.sessionId = session.id;
    return {};
}

nlohmann::json toJson(const SessionInfo& info)
{
    return {{"id", info.id},
            {"limits", toJson(info.limits)},
            {"image", info.image},
            {"created_at", isoTime(info.createdAt)},
            {"last_used_at", isoTime(info.lastUsedAt)},
            {"runs", info.runs},
            {"restarts", info.restarts},
            {"busy", info.busy},
            {"idle_timeout", info.idleSeconds},
            {"max_lifetime", info.maxLifetimeSeconds}};
}

} // namespace agentrun::model
