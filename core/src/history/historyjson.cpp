#include "agentrun/history/historystore.h"
#include "agentrun/history/historytext.h"

#include "agentrun/base64.h"
#include "agentrun/errorcodes.h"
#include "agentrun/model/runspecjson.h"

#include <array>
#include <cstdio>
#include <ctime>
#include <type_traits>

namespace agentrun::history {

bool isKnownStatus(std::string_view status)
{
    return parseStatus(status).has_value();
}

Result<model::Limits> limitsFromJson(const nlohmann::json& json)
{
    // Every field must be there: a default standing in for a lost value would not be "the limits of that
    // run". Rows written before the one codec used the *_bytes spellings, which it reads as aliases.
    auto limits = model::limitsFromJson(json, model::Limits{}, {.requireAll = true});
    if (!limits) {
        return fail(errc::HistoryLimits, "The stored limits are not valid: " + limits.error().message);
    }
    return limits;
}

std::string formatTimestamp(std::int64_t unixMs)
{
    const std::time_t seconds = static_cast<std::time_t>(unixMs / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(unixMs % 1000));
    return buffer;
}

nlohmann::json toJson(const RunRecord& r)
{
    nlohmann::json json = {
        {"run_id", r.runId},
        {"created_at", formatTimestamp(r.createdMs)},
        {"source", r.source},
        {"status", r.status},
        {"exit_code", r.exitCode},
        {"message", r.message},
        {"error_code", r.errorCode},
        {"policy", r.policy},
        {"image", r.image},
        {"code", r.code},
        // One spelling whatever the row's age (rows before the one codec stored *_bytes names).
        {"limits",
         [&] {
             auto limits = limitsFromJson(r.limits);
             return limits ? model::toJson(*limits) : r.limits;
         }()},
        {"findings", r.findings},
        {"packages", r.packages},
        {"stdout", r.stdoutData},
        {"stderr", r.stderrData},
        {"output", r.output},
        {"truncated", {{"stdout", r.stdoutTruncated}, {"stderr", r.stderrTruncated}}},
        {"history_capped",
         {{"stdout", r.stdoutCapped},
          {"stderr", r.stderrCapped},
          {"output", r.outputCapped},
          {"stdin", r.stdinCapped},
          {"code", r.codeCapped},
          {"findings", r.findingsCapped}}},
        {"code_bytes", r.codeBytes},
        {"code_sha256", r.codeSha256},
        {"duration_ms",
         {{"check", r.durations.checkMs},
          {"install", r.durations.installMs},
          {"run", r.durations.runMs},
          {"total", r.durations.totalMs}}},
        {"peak_memory_bytes", r.peakMemoryBytes},
        {"cpu_seconds", r.cpuSeconds},
        {"stdin", r.stdinData},
        {"profile", r.profile},
        {"check_skipped", r.checkSkipped},
        {"override_reason", r.overrideReason},
    };
    if (!r.sessionId.empty()) {
        json["session"] = {{"id", r.sessionId}, {"cell", r.sessionCell}};
    }
    // The run's artifacts (schema 5; none in older rows): the figures as the run's answer has them, plus
    // whether the image was kept (then "data", base64); the collected files' names and sizes.
    nlohmann::json figures = nlohmann::json::array();
    for (const auto& figure : r.figures) {
        nlohmann::json item = {{"index", figure.index},  {"mime", figure.mime},
                               {"width", figure.width},  {"height", figure.height},
                               {"bytes", figure.bytes},  {"stdout_offset", figure.stdoutOffset},
                               {"stored", figure.stored}};
        if (figure.stored) {
            item["data"] = base64Encode(figure.data);
        } else if (!figure.note.empty()) {
            item["note"] = figure.note;
        }
        figures.push_back(std::move(item));
    }
    json["figures"] = std::move(figures);
    nlohmann::json files = nlohmann::json::array();
    for (const auto& file : r.collectedFiles) {
        files.push_back({{"path", file.path}, {"size", file.size}});
    }
    json["collected_files"] = std::move(files);
    json["history_capped"]["collected_files"] = r.filesCapped;
    // Schema 6: what the egress proxy recorded and the bytes moved, as the run's answer has them.
    if (r.networkBytes > 0 || !r.connections.empty()) {
        json["network"] = {{"bytes", r.networkBytes}, {"connections", model::toJson(r.connections)}};
    }
    return json;
}

nlohmann::json toJson(const RunSummary& s)
{
    return {
        {"run_id", s.runId},
        {"created_at", formatTimestamp(s.createdMs)},
        {"source", s.source},
        {"status", s.status},
        {"exit_code", s.exitCode},
        {"message", s.message},
        {"policy", s.policy},
        {"code_preview", s.codePreview},
        {"duration_ms", s.totalMs},
        {"peak_memory_bytes", s.peakMemoryBytes},
        {"check_skipped", s.checkSkipped},
        {"override_reason", s.overrideReason},
    };
}

} // namespace agentrun::history
