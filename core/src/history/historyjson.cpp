#include "agentrun/history/historystore.h"
#include "agentrun/history/historytext.h"

#include <array>
#include <cstdio>
#include <ctime>
#include <type_traits>

namespace agentrun::history {

bool isKnownStatus(std::string_view status)
{
    return parseStatus(status).has_value();
}

nlohmann::json limitsToJson(const run::Limits& limits)
{
    return {
        {"timeout_seconds", limits.timeoutSeconds},
        {"memory_bytes", limits.memoryBytes},
        {"memory_swap_bytes", limits.memorySwapBytes},
        {"cpus", limits.cpus},
        {"pids", limits.pids},
        {"output_limit_bytes", limits.outputLimitBytes},
        {"tmpfs_bytes", limits.tmpfsBytes},
        {"network", limits.network},
        {"runtime", limits.runtime},
    };
}

Result<run::Limits> limitsFromJson(const nlohmann::json& json)
{
    if (!json.is_object()) {
        return fail("history.limits", "The stored limits are not a JSON object.");
    }
    // Every field must be there with its type: a default standing in for a lost value would not be
    // "the limits of that run".
    std::string missing;
    const auto number = [&](const char* key, auto& out) {
        const auto it = json.find(key);
        if (it == json.end() || !it->is_number() ||
            (std::is_integral_v<std::remove_reference_t<decltype(out)>> && !it->is_number_integer())) {
            missing = key;
            return;
        }
        out = it->get<std::remove_reference_t<decltype(out)>>();
    };
    const auto text = [&](const char* key, std::string& out) {
        const auto it = json.find(key);
        if (it == json.end() || !it->is_string()) {
            missing = key;
            return;
        }
        out = it->get<std::string>();
    };
    run::Limits limits;
    number("timeout_seconds", limits.timeoutSeconds);
    number("memory_bytes", limits.memoryBytes);
    number("memory_swap_bytes", limits.memorySwapBytes);
    number("cpus", limits.cpus);
    number("pids", limits.pids);
    number("output_limit_bytes", limits.outputLimitBytes);
    number("tmpfs_bytes", limits.tmpfsBytes);
    text("network", limits.network);
    text("runtime", limits.runtime);
    if (!missing.empty()) {
        return fail("history.limits", "The stored limits have no valid \"" + missing + "\" field.");
    }
    if (auto valid = run::validate(limits); !valid) {
        return std::unexpected(valid.error());
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
    return {
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
        {"limits", r.limits},
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
