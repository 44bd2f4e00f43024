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
        variables.push_back(
            {{"name", variable.name}, {"type", variable.type}, {"repr", variable.repr}, {"size", variable.size}});
    }
    return {{"id", run.id}, {"cell", run.cell}, {"restarted", run.restarted}, {"variables", variables}};
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
