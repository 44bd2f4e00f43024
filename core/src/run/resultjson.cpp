#include "agentrun/run/resultjson.h"

#include "agentrun/base64.h"
#include "agentrun/model/sessionjson.h"
#include "agentrun/safety/reportjson.h"

namespace agentrun::run {

nlohmann::json toJson(const model::RunResult& result)
{
    nlohmann::json json = toJsonWithoutOutput(result);
    json["stdout"] = result.stdoutData;
    json["stderr"] = result.stderrData;
    json["output"] = result.output;
    json["figures"] = figuresJson(result);
    if (result.files.inMemory) {
        json["files"]["contents"] = collectedContentsJson(result, true);
    }
    return json;
}

nlohmann::json collectedContentsJson(const model::RunResult& result, bool withData)
{
    nlohmann::json contents = nlohmann::json::array();
    for (const auto& file : result.files.contents) {
        nlohmann::json item = {{"path", file.path}, {"size", file.data.size()}};
        if (withData) {
            // Inline as base64, like the figures: one answer holds the whole run (docs/rest.md).
            item["data"] = base64Encode(file.data);
        }
        contents.push_back(std::move(item));
    }
    return contents;
}

nlohmann::json figuresJson(const model::RunResult& result)
{
    // Inline as base64 (docs/rest.md says why): one response holds the whole run.
    nlohmann::json figures = nlohmann::json::array();
    for (const auto& figure : result.figures) {
        auto item = figureJson(figure);
        item["data"] = base64Encode(figure.bytes);
        figures.push_back(std::move(item));
    }
    return figures;
}

nlohmann::json figureJson(const model::Figure& figure)
{
    return {{"mime", figure.mime},
            {"width", figure.width},
            {"height", figure.height},
            {"bytes", figure.bytes.size()},
            {"stdout_offset", figure.stdoutOffset}};
}

nlohmann::json toJsonWithoutOutput(const model::RunResult& result)
{
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& finding : result.findings) {
        findings.push_back(safety::toJson(finding));
    }
    nlohmann::json json = {
        {"status", toString(result.status)},
        {"exit_code", result.exitCode},
        {"message", result.message},
        {"error_code", result.errorCode},
        {"findings", findings},
        {"packages", result.packages},
        {"duration_ms",
         {{"check", result.durations.checkMs},
          {"install", result.durations.installMs},
          {"run", result.durations.runMs},
          {"total", result.durations.totalMs}}},
        {"peak_memory_bytes", result.peakMemoryBytes},
        {"cpu_seconds", result.cpuSeconds},
        {"truncated", {{"stdout", result.stdoutTruncated}, {"stderr", result.stderrTruncated}}},
        {"image", result.image},
        {"run_id", result.runId},
    };
    if (!result.figureNotes.empty()) {
        json["figure_notes"] = result.figureNotes;
    }
    if (result.files.requested) {
        nlohmann::json rejected = nlohmann::json::array();
        for (const auto& r : result.files.rejected) {
            rejected.push_back({{"path", r.archivePath}, {"reason", r.reason}});
        }
        nlohmann::json renamed = nlohmann::json::array();
        for (const auto& r : result.files.renamed) {
            renamed.push_back({{"path", r.archivePath}, {"written_as", r.path}});
        }
        json["files"] = {{"copied", result.files.copied},
                         {"rejected", rejected},
                         {"renamed", renamed},
                         {"error", result.files.error},
                         {"in_memory", result.files.inMemory}};
        if (result.files.inMemory) {
            json["files"]["contents"] = collectedContentsJson(result, false);
        }
    }
    if (result.session) {
        json["session"] = model::toJson(*result.session);
    }
    if (result.networkBytes > 0 || !result.connections.empty()) {
        json["network"] = {{"bytes", result.networkBytes},
                           {"connections", model::toJson(result.connections)}};
    }
    return json;
}

std::string dumpJson(const nlohmann::json& json, int indent)
{
    return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace agentrun::run
