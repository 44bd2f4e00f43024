#pragma once

#include "server.h"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

/// MCP's Streamable HTTP transport without an HTTP library: a POSTed message in, the answer out (a JSON
/// object, or a stream of messages for an SSE response). The REST server (app/cli/restmcp.cpp) puts it
/// behind /mcp, after its own origin, host, token and body checks.
///
/// Two eras on one endpoint, as the 2026-07-28 backward-compatibility section describes:
/// - 2026-07-28 (stateless): every request names its revision in `_meta` and in the MCP-Protocol-Version,
///   Mcp-Method and Mcp-Name headers, which must agree with the body (else 400, HeaderMismatch). Each POST
///   is served by a server of its own; closing the response stream cancels the call.
/// - 2025-03-26 to 2025-11-25 (the SDK clients of today): `initialize` opens a session, named by the
///   Mcp-Session-Id header of its answer and of every later request; notifications/cancelled cancels a
///   call of that session, DELETE ends the session; no GET stream (405) and no resumption.
namespace agentrun::mcp {

/// The JSON-RPC code of 2026-07-28 for headers that disagree with the body, or are missing.
inline constexpr int HeaderMismatch = -32020;

/// A POST to the MCP endpoint: its body and the headers the transport reads.
struct HttpRequest
{
    std::string body;
    std::string accept;
    std::optional<std::string> sessionId;       ///< Mcp-Session-Id
    std::optional<std::string> protocolVersion; ///< MCP-Protocol-Version
    std::optional<std::string> method;          ///< Mcp-Method
    std::optional<std::string> name;            ///< Mcp-Name
};

/// The messages of one request's answer, in order, as the server produces them: progress notifications,
/// then the response. Shared by the endpoint (which fills it) and the HTTP handler (which drains it).
class Exchange
{
public:
    /// The next message, waiting up to `timeout`; nullopt when none came (see finished()).
    std::optional<std::string> next(std::chrono::milliseconds timeout);
    /// The response was taken by next(), or the exchange was closed: nothing more will come.
    bool finished() const;
    /// The client went away (its stream closed): the call is cancelled and nothing more is sent.
    void abandon();

    // The endpoint's side.
    void push(std::string line, bool final);
    void close();
    bool answered() const; ///< the response is in (maybe not taken yet)
    std::function<void()> onAbandon;

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<std::string> m_lines;
    bool m_answered = false;
    bool m_closed = false;
};

struct HttpReply
{
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body; ///< a JSON message; empty with 202 (and with a stream)
    /// Set: the call is running; its messages come from here, as an SSE stream when `sse`, else its one
    /// response as the JSON body once it is in.
    std::shared_ptr<Exchange> stream;
    bool sse = false;
};

struct HttpEndpointOptions
{
    std::size_t maxSessions = 64; ///< sessions of the handshake era open at once
    /// A session without requests and calls for this long may be ended to make room for a new one.
    std::chrono::seconds sessionIdle{3600};
};

class HttpEndpoint
{
public:
    HttpEndpoint(ToolBox& tools, ServerOptions options, HttpEndpointOptions endpointOptions = {});
    /// Cancels every call in flight and ends every session.
    ~HttpEndpoint();
    HttpEndpoint(const HttpEndpoint&) = delete;
    HttpEndpoint& operator=(const HttpEndpoint&) = delete;

    HttpReply post(const HttpRequest& request);
    /// DELETE with the session's id: ends the session and cancels its calls (204); unknown: 404.
    HttpReply remove(const std::string& sessionId);
    /// From any thread: refuses new requests, cancels every call, closes every stream, ends every session.
    void shutdown();

    std::size_t sessions() const;

private:
    struct Peer;
    HttpReply dispatch(const std::shared_ptr<Peer>& peer, const Message& message, bool wantsSse, bool modern);
    HttpReply openSession(const Message& message, bool wantsSse);
    std::shared_ptr<Peer> makePeer(std::string id);
    /// Ends sessions idle past the limit and stateless servers whose call ended.
    void reapLocked();

    ToolBox& m_tools;
    const ServerOptions m_options;
    const HttpEndpointOptions m_endpointOptions;
    mutable std::mutex m_mutex;
    bool m_stopping = false;
    std::map<std::string, std::shared_ptr<Peer>> m_sessions;
    std::vector<std::shared_ptr<Peer>> m_stateless; ///< servers of 2026-07-28 requests with a call running
};

/// The value of an Mcp-Name (or Mcp-Param-*) header: itself, or decoded from the `=?base64?…?=` form.
/// nullopt when the encoded form is not valid base64.
std::optional<std::string> decodeHeaderValue(const std::string& value);

} // namespace agentrun::mcp
