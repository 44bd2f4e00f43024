#include "restjson.h"
#include "resthttp.h"
#include "restroutes.h"

#include "agentrun/deps/whitelist.h"
#include "agentrun/errorcodes.h"
#include "agentrun/model/runspecjson.h"
#include "agentrun/model/sessionjson.h"
#include "agentrun/profile/profile.h"
#include "agentrun/run/resultjson.h"
#include "agentrun/safety/analyzer.h"
#include "agentrun/safety/reportjson.h"

#include <charconv>

namespace agentrun::cli {

/// The run a POST /v2/runs body describes: the server's defaults, then the saved profile it names, then its
/// own fields through the one run codec (model/runspecjson.h), limited to the keys a client may set (no
/// host folders: wheelhouse; "collect" only as a list of paths, collected into memory and returned in the
/// answer, never a folder of the server's). Only the shape is checked here, and the collect paths (so that
/// a bad one is refused before anything starts); what the server allows is decided on the result
/// (RestContext::admit), so a setting is judged the same however it arrived. Errors name the field. Also
/// used by tests to compare the REST adapter with the CLI's and the workbench's.
Result<model::RunSpec> runSpecFromBody(const nlohmann::json& body, const ServeConfig& config, bool& stream)
{
    if (!body.is_object()) {
        return fail(errc::RequestBody,
                    "The request body must be a JSON object like {\"code\": \"print(1)\"}.");
    }
    static const std::vector<std::string> clientKeys = {"code",         "stdin", "limits", "policy",
                                                        "dependencies", "files", "collect"};
    nlohmann::json fields = nlohmann::json::object();
    model::RunSpec request = config.defaults;
    stream = false;
    for (const auto& [key, value] : body.items()) {
        if (key == "stream") {
            if (!value.is_boolean()) {
                return fail("stream", "\"stream\" must be true or false.");
            }
            stream = value.get<bool>();
        } else if (key != "profile") {
            fields[key] = value;
        }
    }
    if (body.contains("collect") && !body["collect"].is_array()) {
        // The object form names a folder ("to"): on this server's disk, which a client must not choose.
        return fail("collect", "\"collect\" must be a list of paths in the working directory, like "
                               "[\"out.csv\", \"outputs/\"]: the files come back in the answer "
                               "(files.contents, base64); a folder on the server cannot be named.");
    }
    if (body.contains("profile")) {
        // A profile saved on the server (agentrun profile import) sets the starting values; the request's
        // own limits, policy and dependencies override it.
        if (!body["profile"].is_string()) {
            return fail(errc::FieldProfile, "\"profile\" must be the name of a profile saved on the server.");
        }
        const profile::ProfileStore store(profile::ProfileStore::defaultDirectory());
        auto loaded = store.load(body["profile"].get<std::string>());
        if (!loaded) {
            return fail(errc::FieldProfile, loaded.error().message);
        }
        profile::applyTo(*loaded, request);
        if (loaded->wheelhouse.empty() && loaded->indexUrl.empty()) {
            // A profile that names no package source keeps the server's (serve --wheelhouse/--index-url):
            // naming "default" must not take away where the operator's packages come from.
            request.wheelhouse = config.defaults.wheelhouse;
            request.indexUrl = config.defaults.indexUrl;
        }
    }
    auto read = model::runSpecFromJson(fields, std::move(request), clientKeys);
    if (!read) {
        return std::unexpected(read.error());
    }
    if (!fields.contains("code")) {
        return fail("code", "\"code\" must be a string with the Python source to run.");
    }
    if (auto valid = model::validateCollect(read->collect); !valid) {
        return std::unexpected(valid.error());
    }
    if (fields.contains("dependencies")) {
        // A name the server pins (serve --allow 'pandas==2.2.*') is installed with the server's pin.
        auto serverList = deps::Whitelist::parse(config.defaults.allow);
        for (auto& name : read->allow) {
            name += serverList ? serverList->pin(name) : std::string();
        }
    }
    return read;
}

namespace {

/// A policy name, checked against the server's policies by RestContext::admit (a client must not make the
/// server read files: only the presets and the operator's own are accepted).
Result<std::string> policyField(const nlohmann::json& body, const std::string& fallback)
{
    if (!body.contains("policy")) {
        return fallback;
    }
    if (body["policy"].is_string()) {
        return body["policy"].get<std::string>();
    }
    std::string names;
    for (const auto& name : safety::Policy::presetNames()) {
        names += (names.empty() ? "" : ", ") + name;
    }
    return fail("policy", "policy must be the name of a policy: " + names + ".");
}

constexpr auto KeepAliveEvery = std::chrono::seconds(15);

/// Did the body give the field an admission error names (rather than its profile or the defaults)?
bool givenInBody(const nlohmann::json& body, const std::string& code)
{
    if (!code.starts_with(errc::LimitsFamily)) {
        return body.contains(code);
    }
    if (!body.contains("limits") || !body["limits"].is_object()) {
        return false;
    }
    const std::string field = code.substr(7);
    for (const auto& [key, value] : body["limits"].items()) {
        std::string name = key; // the aliases: timeout_seconds, memory_bytes, tmpfs_size, tmpfs_bytes, …
        for (const std::string suffix : {"_seconds", "_bytes", "_size"}) {
            if (name.ends_with(suffix)) {
                name.resize(name.size() - suffix.size());
            }
        }
        if (name == field) {
            return true;
        }
    }
    return false;
}

/// The server's rules on the resolved run; the error says when the setting came from the named profile.
Result<void> admitRequest(const RestContext& context, const model::RunSpec& request,
                          const nlohmann::json& body)
{
    auto admitted = context.admit(request);
    if (!admitted && body.contains("profile") && !givenInBody(body, admitted.error().code)) {
        return fail(admitted.error().code, admitted.error().message +
                                               " The setting comes from the profile \"" +
                                               shownName(body["profile"].get<std::string>()) + "\".");
    }
    return admitted;
}

/// A run in a session: the session must be open, and its body may set only the limits that are the
/// run's own (timeout, output_limit); the rest are the session's. False: the answer is sent.
bool inSession(RestContext& context, const nlohmann::json& body, const std::string& sessionId,
               model::RunSpec& request, httplib::Response& res)
{
    auto session = context.runner.session(sessionId);
    if (!session) {
        sendError(res, 404, session.error().code, session.error().message);
        return false;
    }
    if (auto merged = model::intoSession(*session, body, request); !merged) {
        sendError(res, 422, merged.error().code, merged.error().message);
        return false;
    }
    return true;
}

/// Results with more output than this are written in pieces (chunked) rather than as one JSON text.
constexpr std::size_t StreamResultAbove = 256 * 1024;

void sendResult(httplib::Response& res, const std::shared_ptr<const model::RunResult>& result)
{
    if (result->status == model::Status::InvalidRequest) {
        const auto kind = errc::kindOf(result->errorCode);
        sendError(res,
                  kind == errc::Kind::NotFound ? 404
                  : kind == errc::Kind::Busy   ? 409
                                               : 422,
                  result->errorCode, result->message);
    } else if (result->status == model::Status::EngineError) {
        auto body =
            nlohmann::json{{"error",
                            {{"code", result->errorCode.empty() ? errc::EngineError : result->errorCode},
                             {"message", result->message}}},
                           {"run_id", result->runId}};
        sendJson(res, 503, body);
    } else if (result->stdoutData.size() + result->stderrData.size() + result->output.size() >
               StreamResultAbove) {
        sendJsonStream(res, 200, [result](const TextSink& sink) { return writeResultJson(*result, sink); });
    } else {
        sendJson(res, 200, run::toJson(*result));
    }
}

} // namespace

void postRun(RestContext& context, const httplib::Request& req, httplib::Response& res,
             const std::string& sessionId)
{
    auto body = parseJsonBody(req, res);
    if (!body) {
        return;
    }
    bool stream = false;
    auto request = runSpecFromBody(*body, context.config, stream);
    if (!request) {
        sendError(res, 422, request.error().code, request.error().message);
        return;
    }
    if (!sessionId.empty() && !inSession(context, *body, sessionId, *request, res)) {
        return;
    }
    if (auto admitted = admitRequest(context, *request, *body); !admitted) {
        sendError(res, 422, admitted.error().code, admitted.error().message);
        return;
    }
    if (context.stopping) {
        sendError(res, 503, errc::ServerStopping, "The server is shutting down: no new runs are started.");
        return;
    }
    if (refuseOverBudget(context.blockedRuns, req, res)) {
        return;
    }
    const std::string client = ClientBudget::clientOf(req.remote_addr);
    auto session = context.runs.begin(RestContext::newRunId(), stream, request->limits.outputLimitBytes);
    if (!session) {
        sendBusy(res, context.runs.maxConcurrent());
        return;
    }
    res.set_header(RunIdHeader, session->id());
    if (!stream) {
        const RunSlot slot(context.runs, session);
        sendResult(res, context.execute(*request, *session, client));
        return;
    }
    context.runs.spawn([&context, session, client, request = std::move(*request)] {
        const RunSlot slot(context.runs, session);
        context.execute(request, *session, client);
    });
    const std::string base = "/v2/runs/" + session->id();
    sendJson(res, 200, {{"run_id", session->id()}, {"events", base + "/events"}, {"result", base}});
}

namespace {

void getEvents(RestContext& context, const httplib::Request& req, httplib::Response& res)
{
    const std::string id = req.matches[1];
    auto session = context.runs.find(id);
    if (!session) {
        // Gone from memory: a finished run still has its result in the history.
        auto record =
            context.history ? context.history->get(id) : Result<history::RunRecord>(std::unexpected(Error{}));
        if (!record) {
            sendError(res, 404, errc::RunNotFound, "No run " + id + " on this server.");
            return;
        }
        res.set_header("Cache-Control", "no-cache");
        res.set_content("id: 0\nevent: finished\ndata: " + run::dumpJson(history::toJson(*record)) + "\n\n",
                        "text/event-stream");
        return;
    }
    std::size_t start = 0;
    const std::string lastId = req.get_header_value("Last-Event-ID");
    if (!lastId.empty()) {
        std::size_t last = 0;
        const auto [end, ec] = std::from_chars(lastId.data(), lastId.data() + lastId.size(), last);
        if (ec == std::errc() && end == lastId.data() + lastId.size()) {
            start = last + 1; // resume after the last event the client saw
        }
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    res.set_header(RunIdHeader, id);
    auto cursor = std::make_shared<std::size_t>(start);
    auto lastWrite =
        std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
    res.set_chunked_content_provider(
        "text/event-stream", [session, cursor, lastWrite](std::size_t, httplib::DataSink& sink) {
            const TextSink text = [&sink](std::string_view piece) {
                return piece.empty() || sink.write(piece.data(), piece.size());
            };
            bool complete = false;
            bool wrote = false;
            if (!session->sendEvents(*cursor, std::chrono::milliseconds(500), text, complete, wrote)) {
                return false; // the client went away
            }
            const auto now = std::chrono::steady_clock::now();
            if (!wrote && now - *lastWrite >= KeepAliveEvery) {
                // Proxies and clients see the connection is alive.
                if (!text(": keep-alive\n\n")) {
                    return false;
                }
                wrote = true;
            }
            if (wrote) {
                *lastWrite = now;
            }
            if (complete) {
                sink.done();
            }
            return true;
        });
}

void getRun(RestContext& context, const httplib::Request& req, httplib::Response& res)
{
    const std::string id = req.matches[1];
    auto session = context.runs.find(id);
    if (session && !session->isFinished()) {
        sendJson(res, 200, {{"run_id", id}, {"status", "running"}, {"stage", session->stage()}});
        return;
    }
    if (context.history) {
        auto record = context.history->get(id);
        if (record) {
            sendJson(res, 200, history::toJson(*record));
            return;
        }
        if (errc::kindOf(record.error().code) != errc::Kind::NotFound) {
            sendError(res, 503, errc::HistoryUnavailable, record.error().message);
            return;
        }
    }
    if (session) {
        sendJsonStream(res, 200, [session](const TextSink& sink) { return session->writeResult(sink); });
        return;
    }
    sendError(res, 404, errc::RunNotFound, "No run " + id + " in the history of this server.");
}

void listRuns(RestContext& context, const httplib::Request& req, httplib::Response& res)
{
    if (!context.history) {
        sendError(res, 503, errc::HistoryUnavailable, context.historyProblem);
        return;
    }
    history::HistoryFilter filter;
    if (req.has_param("status")) {
        filter.status = req.get_param_value("status");
        if (!history::isKnownStatus(filter.status)) {
            sendError(res, 422, "status",
                      "status \"" + filter.status + "\" is not a run status (ok, blocked, …).");
            return;
        }
    }
    const auto intParam = [&](const char* name, int low, int high, int& target) {
        if (!req.has_param(name)) {
            return true;
        }
        const std::string text = req.get_param_value(name);
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), target);
        if (ec != std::errc() || end != text.data() + text.size() || target < low || target > high) {
            sendError(res, 422, name,
                      std::string(name) + " must be a whole number between " + std::to_string(low) + " and " +
                          std::to_string(high) + ".");
            return false;
        }
        return true;
    };
    if (!intParam("limit", 1, 1000, filter.limit) || !intParam("offset", 0, 1 << 30, filter.offset)) {
        return;
    }
    auto runs = context.history->list(filter);
    if (!runs) {
        sendError(res, 503, errc::HistoryUnavailable, runs.error().message);
        return;
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& summary : *runs) {
        list.push_back(history::toJson(summary));
    }
    sendJson(res, 200, {{"runs", list}, {"limit", filter.limit}, {"offset", filter.offset}});
}

void postCheck(RestContext& context, const httplib::Request& req, httplib::Response& res)
{
    auto body = parseJsonBody(req, res);
    if (!body) {
        return;
    }
    if (!body->is_object() || !body->contains("code") || !(*body)["code"].is_string()) {
        sendError(res, 422, errc::FieldCode, "\"code\" must be a string with the Python source to check.");
        return;
    }
    auto name = policyField(*body, context.config.defaults.policy);
    if (!name) {
        sendError(res, 422, name.error().code, name.error().message);
        return;
    }
    model::RunSpec request = context.config.defaults; // the same rule as a run's: the server's policies only
    request.policy = *name;
    if (auto admitted = context.admit(request); !admitted) {
        sendError(res, 422, admitted.error().code, admitted.error().message);
        return;
    }
    auto policy = safety::Policy::load(*name);
    if (!policy) {
        sendError(res, 422, errc::FieldPolicy, policy.error().message);
        return;
    }
    sendJson(res, 200, safety::toJson(safety::analyze((*body)["code"].get<std::string>(), *policy)));
}

} // namespace

void addV2Routes(httplib::Server& server, RestContext& context)
{
    server.Post("/v2/runs", [&context](const httplib::Request& req, httplib::Response& res) {
        postRun(context, req, res);
    });
    server.Get("/v2/runs", [&context](const httplib::Request& req, httplib::Response& res) {
        listRuns(context, req, res);
    });
    server.Get(
        R"(/v2/runs/([0-9a-f]{4,64}))",
        [&context](const httplib::Request& req, httplib::Response& res) { getRun(context, req, res); });
    server.Get(
        R"(/v2/runs/([0-9a-f]{4,64})/events)",
        [&context](const httplib::Request& req, httplib::Response& res) { getEvents(context, req, res); });
    server.Post("/v2/check", [&context](const httplib::Request& req, httplib::Response& res) {
        postCheck(context, req, res);
    });
    server.Get("/v2/health", [&context](const httplib::Request&, httplib::Response& res) {
        auto engine = context.runner.ping();
        if (!engine) {
            sendError(res, 503, engine.error().code, engine.error().message);
            return;
        }
        nlohmann::json engines = nlohmann::json::array();
        for (const auto& member : context.runner.status()) {
            engines.push_back({{"address", member.address},
                               {"state", member.ready ? "ready" : "drained"},
                               {"active_runs", member.activeRuns},
                               {"max_runs", member.maxRuns},
                               {"runs", member.runs},
                               {"failures", member.failures},
                               {"last_error", member.lastError},
                               {"retry_in_seconds", member.retryInSeconds}});
        }
        sendJson(res, 200,
                 {{"status", "ok"},
                  {"engine", *engine},
                  {"engines", std::move(engines)},
                  {"active_runs", context.runs.active()},
                  {"max_concurrent", context.runs.maxConcurrent()},
                  {"history", context.history.has_value()}});
    });
}

} // namespace agentrun::cli
