#include "jsonrpc.h"

#include "resthttp.h"

#include "agentrun/run/resultjson.h"

namespace agentrun::mcp {

namespace {

Refusal refuse(nlohmann::json id, int code, std::string message, nlohmann::json data = nullptr)
{
    return Refusal{std::move(id), ProtocolError{code, std::move(message), std::move(data)}};
}

bool validId(const nlohmann::json& id)
{
    return id.is_string() || id.is_number_integer() || id.is_number_unsigned();
}

} // namespace

std::variant<Message, Refusal> parseMessage(std::string_view line)
{
    if (cli::nestedDeeperThan(line, cli::MaxJsonDepth)) {
        return refuse(nullptr, InvalidRequest,
                      "The message nests arrays and objects more than " + std::to_string(cli::MaxJsonDepth) +
                          " levels deep: this server accepts at most " + std::to_string(cli::MaxJsonDepth) +
                          ".");
    }
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& error) {
        const auto* parse = dynamic_cast<const nlohmann::json::parse_error*>(&error);
        return refuse(nullptr, ParseError,
                      "The message is not valid JSON" +
                          (parse ? " (at byte " + std::to_string(parse->byte) + ")" : std::string()) +
                          ": send one JSON-RPC 2.0 object per line.");
    }
    if (json.is_array()) {
        return refuse(nullptr, InvalidRequest,
                      "JSON-RPC batches (arrays) are not part of MCP since revision 2025-06-18: send one "
                      "message per line.");
    }
    if (!json.is_object()) {
        return refuse(nullptr, InvalidRequest, "A message must be a JSON-RPC 2.0 object.");
    }
    // The id, when usable, goes into every error about this message so that the client can match it.
    nlohmann::json id = nullptr;
    const bool hasId = json.contains("id");
    if (hasId) {
        if (!validId(json["id"])) {
            return refuse(nullptr, InvalidRequest, "\"id\" must be a string or an integer.");
        }
        id = json["id"];
    }
    if (!json.contains("jsonrpc") || json["jsonrpc"] != "2.0") {
        return refuse(id, InvalidRequest, "\"jsonrpc\" must be \"2.0\".");
    }
    Message message;
    message.id = id;
    if (!json.contains("method")) {
        if (hasId && (json.contains("result") || json.contains("error"))) {
            message.kind = Message::Kind::Response;
            return message;
        }
        return refuse(id, InvalidRequest, "A request or notification needs a \"method\" string.");
    }
    if (!json["method"].is_string()) {
        return refuse(id, InvalidRequest, "\"method\" must be a string.");
    }
    message.method = json["method"].get<std::string>();
    message.kind = hasId ? Message::Kind::Request : Message::Kind::Notification;
    if (json.contains("params")) {
        if (!json["params"].is_object()) {
            return refuse(id, InvalidParams, "\"params\" must be an object in MCP.");
        }
        message.params = std::move(json["params"]);
    }
    return message;
}

nlohmann::json resultResponse(const nlohmann::json& id, nlohmann::json result)
{
    return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

nlohmann::json errorResponse(const nlohmann::json& id, const ProtocolError& error)
{
    nlohmann::json body = {{"code", error.code}, {"message", error.message}};
    if (!error.data.is_null()) {
        body["data"] = error.data;
    }
    return {{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(body)}};
}

nlohmann::json notification(std::string_view method, nlohmann::json params)
{
    return {{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

std::string serialize(const nlohmann::json& message)
{
    return run::dumpJson(message); // compact: newlines inside strings are escaped, none is written
}

std::string shown(const nlohmann::json& value)
{
    return cli::shownName(run::dumpJson(value));
}

} // namespace agentrun::mcp
