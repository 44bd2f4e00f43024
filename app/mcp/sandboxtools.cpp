#include "sandboxtools.h"

#include "runarguments.h"
#include "sessiontools.h"

#include "agentrun/base64.h"
#include "agentrun/run/resultjson.h"
#include "agentrun/errorcodes.h"
#include "agentrun/safety/analyzer.h"
#include "agentrun/safety/reportjson.h"

#include <chrono>
#include <cstdio>

namespace agentrun::mcp {

namespace {

constexpr const char* RunPython = "run_python";
constexpr const char* CheckPython = "check_python";

/// Resource samples become progress at most this often (stage changes always do): enough to keep a
/// client's request timer alive without flooding it.
constexpr double ProgressEverySeconds = 5;

nlohmann::json textContent(std::string text)
{
    return nlohmann::json::array({{{"type", "text"}, {"text", std::move(text)}}});
}

nlohmann::json toolError(const Error& error)
{
    return {{"content", textContent(error.message)}, {"isError", true}};
}

/// A run refused before it started, shaped as every run result (clients check it against outputSchema
/// even with isError): status invalid_request, the error's code and message.
nlohmann::json refusedRun(const Error& error)
{
    model::RunResult result;
    result.status = model::Status::InvalidRequest;
    result.errorCode = error.code;
    result.message = error.message;
    nlohmann::json refused = toolError(error);
    refused["structuredContent"] = run::toJsonWithoutOutput(result);
    return refused;
}

std::string findingLines(const std::vector<safety::Finding>& findings)
{
    std::string text;
    for (const auto& finding : findings) {
        text += "line " + std::to_string(finding.line) + ", column " + std::to_string(finding.column) + ": " +
                std::string(safety::toString(finding.severity)) + " " + finding.rule + ": " +
                finding.message + "\n";
        if (!finding.hint.empty()) {
            text += "  hint: " + finding.hint + "\n";
        }
    }
    return text;
}

/// Forwards a run's stages, and now and then its elapsed time and memory, as progress.
class ProgressObserver : public run::RunObserver
{
public:
    explicit ProgressObserver(ToolContext& context) : m_context(context) {}

    void stageChanged(run::Stage stage) override
    {
        if (stage != run::Stage::Finished) {
            m_context.progress(std::string(run::toString(stage)));
        }
    }

    void resources(const run::ResourceSample& sample) override
    {
        if (sample.elapsedSeconds - m_lastReport < ProgressEverySeconds) {
            return;
        }
        m_lastReport = sample.elapsedSeconds;
        char text[96];
        std::snprintf(text, sizeof text, "running: %.0f s, %s", sample.elapsedSeconds,
                      model::formatSize(sample.memoryBytes).c_str());
        m_context.progress(text);
    }

private:
    ToolContext& m_context;
    double m_lastReport = 0;
};

} // namespace

std::string resultText(const model::RunResult& result)
{
    if (result.status == model::Status::Blocked) {
        return "Blocked by the safety check before anything ran. Change these and call run_python again:\n" +
               findingLines(result.findings);
    }
    std::string text = result.output;
    if (result.status == model::Status::Ok) {
        return text.empty() ? "(no output: print() what you want to see)" : text;
    }
    if (!text.empty() && !text.ends_with('\n')) {
        text += '\n';
    }
    text += "[" + std::string(model::toString(result.status));
    if (result.exitCode >= 0 && result.status == model::Status::Exception) {
        text += ", exit code " + std::to_string(result.exitCode);
    }
    text += "] " + result.message;
    return text;
}

SandboxTools::SandboxTools(SandboxConfig config, run::Runner& executor)
    : m_config(std::move(config)), m_executor(executor)
{}

std::string SandboxTools::sandboxSentence() const
{
    const run::Ceilings& ceilings = m_config.rules.ceilings;
    std::string packages;
    for (const auto& name : m_config.rules.allow) {
        packages += (packages.empty() ? "" : ", ") + name;
    }
    std::string text = "Python 3 runs in a fresh, locked-down container: ";
    if (m_config.rules.networkAllowed) {
        text += "network access only when limits.network is \"bridge\" or limits.allow_hosts names hosts; ";
    } else if (!m_config.rules.allowHosts.empty()) {
        std::string hosts;
        for (const auto& host : m_config.rules.allowHosts) {
            hosts += (hosts.empty() ? "" : ", ") + host;
        }
        text += "no network except, when limits.allow_hosts names them, these hosts over HTTP(S): " + hosts +
                "; ";
    } else {
        text += "no network; ";
    }
    text += "only /tmp is writable, and nothing persists between calls unless they share a session "
            "(session_start, then session_id). ";
    if (packages.empty()) {
        text += "Only the standard library is available (no packages can be installed). ";
    } else if (packages == "*") {
        text += "Packages it imports are installed first (list them in dependencies). ";
    } else {
        text += "Besides the standard library, only these packages can be installed (list them in "
                "dependencies): " +
                packages + ". ";
    }
    char limits[200];
    std::snprintf(limits, sizeof limits,
                  "Default limits: %.0f s, %s memory; a call may ask for up to %.0f s and %s in limits. ",
                  m_config.defaults.limits.timeoutSeconds,
                  model::formatSize(m_config.defaults.limits.memoryBytes).c_str(), ceilings.timeoutSeconds,
                  model::formatSize(ceilings.memoryBytes).c_str());
    return text + limits;
}

nlohmann::json SandboxTools::list() const
{
    const nlohmann::json size = {{"type", {"string", "integer"}},
                                 {"description", "bytes, or a string like \"256m\" or \"1g\""}};
    const nlohmann::json limits = {
        {"type", "object"},
        {"description",
         "resource limits of this run, within the server's ceilings; omitted ones use the defaults"},
        {"properties",
         {{"timeout", {{"type", "number"}, {"description", "wall-clock seconds"}}},
          {"memory", size},
          {"cpus", {{"type", "number"}}},
          {"pids", {{"type", "integer"}, {"description", "processes and threads"}}},
          {"output_limit", size},
          {"tmpfs", size},
          {"network", {{"type", "string"}, {"enum", {"none", "allow", "bridge", "open"}}}},
          {"allow_hosts",
           {{"type", "array"},
            {"items", {{"type", "string"}}},
            {"description", "network allow: the hosts the code may reach over HTTP(S) through a filtering "
                            "proxy, like \"api.example.com\" or \"*.example.org:8443\" (within the server's "
                            "own list); every other host, and DNS, stay unreachable"}}},
          {"network_bytes", size}}},
        {"additionalProperties", false}};
    nlohmann::json run = {
        {"name", RunPython},
        {"title", "Run Python in a sandbox"},
        {"description",
         "Runs a Python 3 program and returns what it printed (stdout and stderr), its status and exit "
         "code. " +
             sandboxSentence() +
             "Print every result you need: only output comes back. Code the static safety check blocks is "
             "not run: the result lists each finding with its line, column and a hint, so fix the code and "
             "call again (check_python checks without running)."},
        {"inputSchema",
         {{"type", "object"},
          {"properties",
           {{"code", {{"type", "string"}, {"description", "the Python program"}}},
            {"stdin", {{"type", "string"}, {"description", "the program's standard input"}}},
            {"files",
             {{"type", "array"},
              {"description", "files placed in the working directory (/tmp) before the code runs: "
                              "{name, text} or {name, base64}; at most 64, 32 MiB together"},
              {"items",
               {{"type", "object"},
                {"properties",
                 {{"name", {{"type", "string"}}},
                  {"text", {{"type", "string"}}},
                  {"base64", {{"type", "string"}}}}},
                {"required", {"name"}}}}}},
            {"session_id",
             {{"type", "string"},
              {"description",
               "run in this session (session_start): the state of earlier calls in it is there"}}},
            {"limits", limits},
            {"dependencies",
             {{"type", "array"},
              {"items", {{"type", "string"}}},
              {"description", "packages to install before the run, from the server's whitelist"}}}}},
          {"required", {"code"}},
          {"additionalProperties", false}}},
        {"outputSchema",
         {{"type", "object"},
          {"properties",
           {{"status",
             {{"type", "string"},
              {"description",
               "ok, exception, blocked, timeout, out_of_memory, output_limit, … (docs/cli.md)"}}},
            {"exit_code", {{"type", "integer"}}},
            {"message", {{"type", "string"}}},
            {"findings", {{"type", "array"}}},
            {"duration_ms", {{"type", "object"}}}}},
          {"required", {"status", "exit_code"}}}},
        {"annotations",
         {{"readOnlyHint", false},
          {"destructiveHint", false},
          {"openWorldHint", m_config.rules.networkAllowed}}}};
    nlohmann::json check = {
        {"name", CheckPython},
        {"title", "Check Python without running it"},
        {"description",
         "The static safety check run_python applies, without running anything: whether the code would be "
         "allowed, and each finding with its rule, line, column, message and a hint. Use it to fix code "
         "before running it."},
        {"inputSchema",
         {{"type", "object"},
          {"properties", {{"code", {{"type", "string"}, {"description", "the Python source to check"}}}}},
          {"required", {"code"}},
          {"additionalProperties", false}}},
        {"outputSchema",
         {{"type", "object"},
          {"properties", {{"allowed", {{"type", "boolean"}}}, {"findings", {{"type", "array"}}}}},
          {"required", {"allowed", "findings"}}}},
        {"annotations", {{"readOnlyHint", true}, {"openWorldHint", false}}}};
    nlohmann::json tools = nlohmann::json::array({std::move(run), std::move(check)});
    for (auto& tool : sessionToolList()) {
        tools.push_back(std::move(tool));
    }
    return tools;
}

bool SandboxTools::has(std::string_view name) const
{
    return name == RunPython || name == CheckPython || isSessionTool(name);
}

nlohmann::json SandboxTools::call(const std::string& name, const nlohmann::json& arguments,
                                  ToolContext& context)
{
    try {
        if (isSessionTool(name)) {
            return callSessionTool(name, arguments, m_executor, m_config.defaults, m_config.rules);
        }
        return name == RunPython ? runPython(arguments, context) : checkPython(arguments);
    } catch (const std::exception& error) {
        // The run pipeline does not throw; this keeps an unexpected failure (out of memory) a result.
        return toolError(
            Error{errc::ServerInternal, std::string("The call failed inside the server: ") + error.what()});
    }
}

nlohmann::json SandboxTools::runPython(const nlohmann::json& arguments, ToolContext& context)
{
    nlohmann::json runArguments = arguments;
    const bool inSession = arguments.is_object() && arguments.contains("session_id");
    if (inSession) {
        runArguments.erase("session_id");
    }
    auto request = runRequestFrom(runArguments, m_config.defaults);
    if (!request) {
        return refusedRun(request.error());
    }
    if (inSession) {
        if (auto merged = intoSession(arguments, m_executor, *request); !merged) {
            return refusedRun(merged.error());
        }
    }
    if (auto admitted = run::admit(*request, m_config.rules); !admitted) {
        return refusedRun(admitted.error());
    }
    ProgressObserver observer(context);
    const model::RunResult result = m_executor.run(*request, observer, context.cancel);
    if (onFinished) {
        onFinished(*request, result);
    }
    // Figures after the text, as MCP image content; their sizes and places in the text (without the
    // data, which the image content already carries) in structuredContent.
    nlohmann::json content = textContent(resultText(result));
    nlohmann::json structured = run::toJsonWithoutOutput(result);
    structured["figures"] = nlohmann::json::array();
    for (const auto& figure : result.figures) {
        content.push_back(
            {{"type", "image"}, {"data", base64Encode(figure.bytes)}, {"mimeType", figure.mime}});
        structured["figures"].push_back(run::figureJson(figure));
    }
    return {{"content", std::move(content)},
            {"structuredContent", std::move(structured)},
            {"isError", result.status != model::Status::Ok}};
}

nlohmann::json SandboxTools::checkPython(const nlohmann::json& arguments) const
{
    for (const auto& item : arguments.items()) {
        if (item.key() != "code") {
            return toolError(Error{"arguments", "check_python takes only \"code\"."});
        }
    }
    if (!arguments.contains("code") || !arguments["code"].is_string()) {
        return toolError(Error{"code", "\"code\" must be a string with the Python source to check."});
    }
    auto policy = safety::Policy::load(m_config.defaults.policy);
    if (!policy) {
        return toolError(policy.error());
    }
    const safety::Report report = safety::analyze(arguments["code"].get<std::string>(), *policy);
    std::string text = findingLines(report.findings);
    text += std::string(report.allowed ? "allowed" : "blocked") + " (" +
            std::to_string(report.findings.size()) +
            (report.findings.size() == 1 ? " finding" : " findings") + ", policy " + policy->name() + ")";
    return {{"content", textContent(std::move(text))}, {"structuredContent", safety::toJson(report)}};
}

} // namespace agentrun::mcp
