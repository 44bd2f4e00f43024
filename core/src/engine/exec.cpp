#include "agentrun/engine/client.h"

#include "agentrun/errorcodes.h"

#include "engine/jsonfield.h"

namespace agentrun::engine {

Result<std::string> Client::createExec(std::string_view containerId, const ExecOptions& options)
{
    nlohmann::json body = {{"AttachStdin", options.attachStdin},
                           {"AttachStdout", true},
                           {"AttachStderr", true},
                           {"Tty", false},
                           {"Cmd", options.cmd}};
    if (!options.env.empty()) {
        body["Env"] = options.env;
    }
    if (!options.user.empty()) {
        body["User"] = options.user;
    }
    if (!options.workingDir.empty()) {
        body["WorkingDir"] = options.workingDir;
    }
    auto response = request("POST", "/containers/" + std::string(containerId) + "/exec", body.dump());
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 201) {
        return std::unexpected(httpError(response->status, response->body,
                                         "exec in container " + std::string(containerId.substr(0, 12))));
    }
    const auto json = nlohmann::json::parse(response->body, nullptr, false);
    const std::string id = textField(json, "Id");
    if (id.empty()) {
        return fail(errc::EngineProtocol, "The Docker engine did not return an exec id.");
    }
    return id;
}

Result<AttachStream> Client::startExec(std::string_view execId)
{
    return hijack(apiPrefix() + "/exec/" + std::string(execId) + "/start",
                  R"({"Detach": false, "Tty": false})", "exec " + std::string(execId.substr(0, 12)));
}

Result<nlohmann::json> Client::inspectExec(std::string_view execId)
{
    auto response = request("GET", "/exec/" + std::string(execId) + "/json");
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(
            httpError(response->status, response->body, "exec " + std::string(execId.substr(0, 12))));
    }
    auto json = nlohmann::json::parse(response->body, nullptr, false);
    if (!json.is_object()) {
        return fail(errc::EngineProtocol, "The Docker engine sent an unreadable answer for exec " +
                                              std::string(execId.substr(0, 12)) + ".");
    }
    return json;
}

} // namespace agentrun::engine
