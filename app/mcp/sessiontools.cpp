#include "sessiontools.h"

#include "agentrun/errorcodes.h"
#include "agentrun/model/runspecjson.h"
#include "agentrun/model/sessionjson.h"

namespace agentrun::mcp {

namespace {

constexpr const char* Start = "session_start";
constexpr const char* Restart = "session_restart";
constexpr const char* Close = "session_close";
constexpr const char* List = "session_list";

nlohmann::json text(std::string message)
{
    return nlohmann::json::array({{{"type", "text"}, {"text", std::move(message)}}});
}

nlohmann::json failure(const Error& error)
{
    return {{"content", text(error.message)}, {"isError", true}};
}

nlohmann::json idSchema()
{
    return {{"type", "object"},
            {"properties",
             {{"session_id", {{"type", "string"}, {"description", "the id session_start returned"}}}}},
            {"required", {"session_id"}},
            {"additionalProperties", false}};
}

/// The session_id argument (and nothing else).
Result<std::string> sessionIdOf(const nlohmann::json& arguments)
{
    for (const auto& item : arguments.items()) {
        if (item.key() != "session_id") {
            return fail("arguments", "This tool takes only \"session_id\".");
        }
    }
    if (!arguments.contains("session_id") || !arguments["session_id"].is_string()) {
        return fail("session_id", "\"session_id\" must be the id session_start returned.");
    }
    return arguments["session_id"].get<std::string>();
}

nlohmann::json described(const model::SessionInfo& info, const std::string& what)
{
    return {{"content", text(what)}, {"structuredContent", model::toJson(info)}};
}

nlohmann::json start(const nlohmann::json& arguments, run::Runner& executor, const model::RunSpec& defaults,
                     const run::AdmissionRules& rules)
{
    for (const auto& item : arguments.items()) {
        if (item.key() != "limits") {
            return failure(Error{"arguments", "session_start takes only \"limits\"."});
        }
    }
    nlohmann::json asRun = {{"code", "pass"}};
    if (arguments.contains("limits")) {
        asRun["limits"] = arguments["limits"];
    }
    auto spec = model::runSpecFromJson(asRun, defaults, {"code", "limits"});
    if (!spec) {
        return failure(spec.error());
    }
    if (auto admitted = run::admit(*spec, rules); !admitted) {
        return failure(admitted.error());
    }
    auto session = executor.openSession(spec->limits);
    if (!session) {
        return failure(session.error());
    }
    return described(*session,
                     "Session " + session->id + " started. Pass \"session_id\": \"" + session->id +
                         "\" to run_python: variables, imports and files in /tmp stay from one call to "
                         "the next. A timeout or running out of memory restarts it (state lost). Close it "
                         "with session_close when done.");
}

} // namespace

nlohmann::json sessionToolList()
{
    const nlohmann::json sessionOut = {{"type", "object"},
                                       {"properties",
                                        {{"id", {{"type", "string"}}},
                                         {"runs", {{"type", "integer"}}},
                                         {"restarts", {{"type", "integer"}}},
                                         {"busy", {{"type", "boolean"}}}}},
                                       {"required", {"id"}}};
    return nlohmann::json::array(
        {{{"name", Start},
          {"title", "Start a Python session"},
          {"description",
           "Starts a sandboxed Python session whose state (variables, imports, files in /tmp) survives "
           "between "
           "run_python calls that pass its session_id, like notebook cells. Use it for work in steps: load "
           "data once, then look at it, transform it, print results. Optional limits (memory, pids, cpus, "
           "tmpfs) hold for the whole session; each run's timeout is its own."},
          {"inputSchema",
           {{"type", "object"},
            {"properties",
             {{"limits", {{"type", "object"}, {"description", "memory, pids, cpus, tmpfs, network"}}}}},
            {"additionalProperties", false}}},
          {"outputSchema", sessionOut},
          {"annotations", {{"readOnlyHint", false}, {"destructiveHint", false}, {"openWorldHint", false}}}},
         {{"name", Restart},
          {"title", "Restart a Python session"},
          {"description",
           "Replaces the session's sandbox with a fresh one: every variable and file is gone."},
          {"inputSchema", idSchema()},
          {"outputSchema", sessionOut},
          {"annotations", {{"readOnlyHint", false}, {"destructiveHint", true}, {"openWorldHint", false}}}},
         {{"name", Close},
          {"title", "Close a Python session"},
          {"description", "Ends the session and removes its sandbox (a run still in it is stopped)."},
          {"inputSchema", idSchema()},
          {"outputSchema", sessionOut},
          {"annotations", {{"readOnlyHint", false}, {"destructiveHint", true}, {"openWorldHint", false}}}},
         {{"name", List},
          {"title", "List Python sessions"},
          {"description", "The open sessions: id, runs so far, restarts, whether a run is in it."},
          {"inputSchema",
           {{"type", "object"}, {"properties", nlohmann::json::object()}, {"additionalProperties", false}}},
          {"outputSchema",
           {{"type", "object"},
            {"properties", {{"sessions", {{"type", "array"}}}}},
            {"required", {"sessions"}}}},
          {"annotations", {{"readOnlyHint", true}, {"openWorldHint", false}}}}});
}

bool isSessionTool(std::string_view name)
{
    return name == Start || name == Restart || name == Close || name == List;
}

nlohmann::json callSessionTool(const std::string& name, const nlohmann::json& arguments,
                               run::Runner& executor, const model::RunSpec& defaults,
                               const run::AdmissionRules& rules)
{
    if (name == Start) {
        return start(arguments, executor, defaults, rules);
    }
    if (name == List) {
        if (!arguments.empty()) {
            return failure(Error{"arguments", "session_list takes no arguments."});
        }
        nlohmann::json sessions = nlohmann::json::array();
        std::string lines;
        for (const auto& session : executor.sessions()) {
            sessions.push_back(model::toJson(session));
            lines += session.id + ": " + std::to_string(session.runs) + " runs" +
                     (session.busy ? ", running" : "") + "\n";
        }
        return {{"content", text(lines.empty() ? "No open sessions." : lines)},
                {"structuredContent", {{"sessions", sessions}}}};
    }
    auto id = sessionIdOf(arguments);
    if (!id) {
        return failure(id.error());
    }
    auto session = name == Restart ? executor.restartSession(*id) : executor.closeSession(*id);
    if (!session) {
        return failure(session.error());
    }
    return described(*session, name == Restart ? "Session " + *id + " restarted: its state is gone."
                                               : "Session " + *id + " closed.");
}

Result<void> intoSession(const nlohmann::json& arguments, run::Runner& executor, model::RunSpec& request)
{
    if (!arguments["session_id"].is_string()) {
        return fail("session_id", "\"session_id\" must be the id session_start returned.");
    }
    const std::string id = arguments["session_id"].get<std::string>();
    auto session = executor.session(id);
    if (!session) {
        return std::unexpected(session.error());
    }
    return model::intoSession(*session, arguments, request);
}

} // namespace agentrun::mcp
