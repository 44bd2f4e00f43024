#include "restjson.h"
#include "resthttp.h"
#include "restroutes.h"
#include "agentrun/errorcodes.h"

#include <algorithm>

namespace agentrun::cli {

namespace {

/// PEP 503 normalised name: "Foo_Bar" and "foo-bar" are the same distribution.
std::string normalised(std::string_view name)
{
    std::string out;
    for (const char c : name) {
        const bool separator = c == '-' || c == '_' || c == '.';
        if (separator) {
            if (out.empty() || out.back() != '-') {
                out += '-';
            }
        } else {
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

/// FastAPI's 422 for a body without a usable "code" (pydantic v2 wording), beside our own error object.
/// Unlike FastAPI, no "input": the request body is never echoed (a deep or large one made the answer a
/// copy of the attack).
nlohmann::json missingCode(const nlohmann::json& body)
{
    nlohmann::json detail;
    std::string message;
    if (!body.is_object()) {
        detail = {{"type", "model_attributes_type"},
                  {"loc", {"body"}},
                  {"msg", "Input should be a valid dictionary or object to extract fields from"}};
        message = "The request body must be a JSON object like {\"code\": \"print(1)\"}.";
    } else if (!body.contains("code")) {
        detail = {{"type", "missing"}, {"loc", {"body", "code"}}, {"msg", "Field required"}};
        message = "The request body needs a \"code\" field with the Python source to run.";
    } else {
        detail = {
            {"type", "string_type"}, {"loc", {"body", "code"}}, {"msg", "Input should be a valid string"}};
        message = "\"code\" must be a string with the Python source to run.";
    }
    return {{"detail", {detail}}, {"error", {{"code", errc::FieldCode}, {"message", message}}}};
}

} // namespace

std::string compatOutput(const model::RunResult& result, const std::vector<std::string>& allow)
{
    using model::Status;
    switch (result.status) {
    case Status::Ok:
    case Status::Exception:
        return result.output;
    case Status::Blocked:
        for (const auto& finding : result.findings) {
            if (finding.severity == safety::Severity::Block) {
                return finding.message; // agentrun-compat puts AgentRun's own verdict first
            }
        }
        return result.message;
    case Status::DependencyRejected: {
        const bool any = std::ranges::find(allow, "*") != allow.end();
        for (const auto& package : result.packages) {
            const bool listed = std::ranges::any_of(
                allow, [&](const std::string& entry) { return normalised(entry) == normalised(package); });
            if (!any && !listed) {
                return "Dependency: " + package + " is not in the whitelist.";
            }
        }
        return result.message;
    }
    case Status::InstallFailed: {
        std::string names;
        for (const auto& package : result.packages) {
            names += (names.empty() ? "" : ", ") + package;
        }
        return names.empty() ? result.message : "Failed to install dependency " + names;
    }
    case Status::Timeout:
        return "Execution timed out.";
    case Status::OutOfMemory:
    case Status::Killed:
    case Status::OutputLimit:
    case Status::NetworkLimit:
    case Status::Cancelled:
    case Status::EngineError:
    case Status::InvalidRequest:
        break;
    }
    // AgentRun has no word for these: the output so far, then our sentence on a line of its own.
    std::string text = result.output;
    if (!text.empty() && text.back() != '\n') {
        text += '\n';
    }
    return text + result.message;
}

void addV1Routes(httplib::Server& server, RestContext& context)
{
    server.Post(R"(/v1/run/?)", [&context](const httplib::Request& req, httplib::Response& res) {
        auto body = parseJsonBody(req, res, true);
        if (!body) {
            return;
        }
        if (!body->is_object() || !body->contains("code") || !(*body)["code"].is_string()) {
            sendJson(res, 422, missingCode(*body));
            return;
        }
        if (context.stopping) {
            sendError(res, 503, errc::ServerStopping,
                      "The server is shutting down: no new runs are started.");
            return;
        }
        model::RunSpec request = context.config.defaults;
        request.policy = context.config.compatPolicy;
        request.code = (*body)["code"].get<std::string>();
        if (auto admitted = context.admit(request); !admitted) {
            sendError(res, 422, admitted.error().code, admitted.error().message);
            return;
        }
        if (refuseOverBudget(context.blockedRuns, req, res)) {
            return;
        }
        auto session = context.runs.begin(RestContext::newRunId(), false, request.limits.outputLimitBytes);
        if (!session) {
            sendBusy(res, context.runs.maxConcurrent());
            return;
        }
        const RunSlot slot(context.runs, session);
        res.set_header(RunIdHeader, session->id());
        const auto shared = context.execute(request, *session, ClientBudget::clientOf(req.remote_addr));
        const model::RunResult& result = *shared;

        if (result.status == model::Status::EngineError) {
            sendError(res, 503, result.errorCode.empty() ? errc::EngineError : result.errorCode,
                      result.message);
        } else if (result.status == model::Status::Cancelled && context.stopping) {
            sendError(res, 503, errc::ServerStopping, "The server is shutting down: the run was cancelled.");
        } else if (result.status == model::Status::InvalidRequest) {
            sendError(res, 422, result.errorCode, result.message);
        } else {
            // The output can be large (up to the output limit per stream): written in pieces, never held
            // escaped as a whole.
            auto text = std::make_shared<const std::string>(compatOutput(result, request.allow));
            if (text->size() > 256 * 1024) {
                sendJsonStream(res, 200,
                               [text](const TextSink& sink) { return writeOutputJson(*text, sink); });
            } else {
                sendJson(res, 200, {{"output", *text}});
            }
        }
    });
    server.Get(R"(/v1/health/?)", [](const httplib::Request&, httplib::Response& res) {
        sendJson(res, 200, {{"status", "ok"}});
    });
}

} // namespace agentrun::cli
