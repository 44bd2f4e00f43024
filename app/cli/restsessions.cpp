// REST /v2/sessions (docs/rest.md): a session is one sandbox whose Python state survives from one run to the
// next. Opening one checks its limits against the server's rules like a run's; its runs go through the
// same POST handler as /v2/runs (streaming, history, budgets), in the session.
#include "resthttp.h"
#include "restroutes.h"

#include "agentrun/errorcodes.h"
#include "agentrun/model/sessionjson.h"

namespace agentrun::cli {

namespace {

constexpr const char* SessionPath = R"(/v2/sessions/([0-9a-f]{4,64}))";

/// The HTTP status of a session operation's error, by the error's kind.
int statusOf(const Error& error)
{
    switch (errc::kindOf(error.code)) {
    case errc::Kind::NotFound:
        return 404;
    case errc::Kind::Busy:
        return error.code == errc::SessionLimit ? 429 : 409;
    case errc::Kind::Invalid:
    case errc::Kind::Rejected:
        return 422;
    default:
        return 503;
    }
}

void sendFailure(httplib::Response& res, const Error& error)
{
    sendError(res, statusOf(error), error.code, error.message);
}

void openSession(RestContext& context, const httplib::Request& req, httplib::Response& res)
{
    nlohmann::json body = nlohmann::json::object();
    if (!req.body.empty()) {
        auto parsed = parseJsonBody(req, res);
        if (!parsed) {
            return;
        }
        body = std::move(*parsed);
    }
    if (!body.is_object()) {
        sendError(res, 422, errc::RequestBody,
                  "The body must be a JSON object like {\"limits\": {\"memory\": \"256m\"}}.");
        return;
    }
    for (const auto& [key, value] : body.items()) {
        if (key != "limits" && key != "profile") {
            sendError(res, 422, errc::RequestBody,
                      "Unknown field \"" + key +
                          "\": a session is opened with \"limits\" and \"profile\" only; "
                          "code goes to POST /v2/sessions/ID/runs.");
            return;
        }
    }
    // The same reading and the same gate as a run's: the server's defaults, a named profile, the body.
    nlohmann::json asRun = body;
    asRun["code"] = "pass";
    bool stream = false;
    auto spec = runSpecFromBody(asRun, context.config, stream);
    if (!spec) {
        sendError(res, 422, spec.error().code, spec.error().message);
        return;
    }
    if (auto admitted = context.admit(*spec); !admitted) {
        sendError(res, 422, admitted.error().code, admitted.error().message);
        return;
    }
    if (context.stopping) {
        sendError(res, 503, errc::ServerStopping, "The server is shutting down: no new sessions are opened.");
        return;
    }
    auto session = context.runner.openSession(spec->limits);
    if (!session) {
        sendFailure(res, session.error());
        return;
    }
    res.set_header("Location", "/v2/sessions/" + session->id);
    sendJson(res, 201, model::toJson(*session));
}

} // namespace

void addSessionRoutes(httplib::Server& server, RestContext& context)
{
    server.Post("/v2/sessions", [&context](const httplib::Request& req, httplib::Response& res) {
        openSession(context, req, res);
    });
    server.Get("/v2/sessions", [&context](const httplib::Request&, httplib::Response& res) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& session : context.runner.sessions()) {
            list.push_back(model::toJson(session));
        }
        sendJson(res, 200, {{"sessions", list}});
    });
    server.Get(SessionPath, [&context](const httplib::Request& req, httplib::Response& res) {
        auto session = context.runner.session(req.matches[1].str());
        session ? sendJson(res, 200, model::toJson(*session)) : sendFailure(res, session.error());
    });
    server.Post(std::string(SessionPath) + "/runs",
                [&context](const httplib::Request& req, httplib::Response& res) {
                    postRun(context, req, res, req.matches[1].str());
                });
    server.Post(std::string(SessionPath) + "/restart",
                [&context](const httplib::Request& req, httplib::Response& res) {
                    auto session = context.runner.restartSession(req.matches[1].str());
                    session ? sendJson(res, 200, model::toJson(*session)) : sendFailure(res, session.error());
                });
    server.Delete(SessionPath, [&context](const httplib::Request& req, httplib::Response& res) {
        auto session = context.runner.closeSession(req.matches[1].str());
        if (!session) {
            sendFailure(res, session.error());
            return;
        }
        res.status = 204;
    });
}

} // namespace agentrun::cli
