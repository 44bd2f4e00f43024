#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

/// JSON-RPC 2.0 as MCP frames it: one message per line, no batches (dropped in revision 2025-06-18),
/// requests carry a string or number id. Nothing here knows about MCP methods or tools.
namespace agentrun::mcp {

// The JSON-RPC codes, and the one MCP code this server answers with (revision 2026-07-28).
inline constexpr int ParseError = -32700;
inline constexpr int InvalidRequest = -32600;
inline constexpr int MethodNotFound = -32601;
inline constexpr int InvalidParams = -32602;
inline constexpr int InternalError = -32603;
inline constexpr int UnsupportedProtocolVersion = -32022;

/// Arrays and objects nested deeper than the REST server's limit (MaxJsonDepth, 64) are refused before they
/// become a value: copying, comparing and dumping a nlohmann value recurse once per level.

/// The longest message line the stdio transport reads (a tool call carries at most about 1 MiB of code
/// and stdin, escaped); a longer line is refused without being held whole.
inline constexpr std::size_t MaxLineBytes = 8u << 20;

/// A protocol error: sent as a JSON-RPC error response.
struct ProtocolError
{
    int code = InternalError;
    std::string message;
    nlohmann::json data; ///< null: no "data" member
};

/// One well-formed message of a line.
struct Message
{
    enum class Kind
    {
        Request,
        Notification,
        Response ///< a client's answer to a server request (this server sends none: ignored)
    };
    Kind kind = Kind::Notification;
    nlohmann::json id; ///< string or number for a request; null otherwise
    std::string method;
    nlohmann::json params = nlohmann::json::object(); ///< always an object (absent params: empty)
};

/// What a line held: a message, or the error to answer (with the request's id when it could be read,
/// null otherwise). Never throws, whatever the bytes.
struct Refusal
{
    nlohmann::json id;
    ProtocolError error;
};
std::variant<Message, Refusal> parseMessage(std::string_view line);

nlohmann::json resultResponse(const nlohmann::json& id, nlohmann::json result);
nlohmann::json errorResponse(const nlohmann::json& id, const ProtocolError& error);
nlohmann::json notification(std::string_view method, nlohmann::json params);

/// A message as one line of text (no newline; strings escaped, invalid UTF-8 replaced).
std::string serialize(const nlohmann::json& message);

/// A short, bounded, printable form of an id or value for messages ("7", "\"abc\"").
std::string shown(const nlohmann::json& value);

} // namespace agentrun::mcp
