#pragma once

#include "jsonrpc.h"

#include "agentrun/run/observer.h"

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

/// The MCP server side, transport-free: lines in, lines out. Serves revision 2026-07-28 (stateless: the
/// version and client capabilities in every request's _meta, server/discover) and, for the clients of
/// today, the initialize handshake of revisions 2024-11-05 to 2025-11-25 (a "dual-era" server in the
/// words of the 2026-07-28 versioning page). Tools come from a ToolBox.
namespace agentrun::mcp {

/// The revision this server implements in full, and the handshake revisions it negotiates.
inline constexpr std::string_view CurrentRevision = "2026-07-28";
std::vector<std::string> handshakeRevisions(); ///< newest first

/// What a running tool call may use: its cancellation, and progress (a no-op unless the client sent a
/// progressToken).
struct ToolContext
{
    const run::CancelToken& cancel;
    std::function<void(const std::string& message)> progress;
};

/// The tools a server offers. Thread-safe: calls run concurrently, each on its own thread.
class ToolBox
{
public:
    virtual ~ToolBox() = default;
    /// The Tool objects of tools/list, in a fixed order.
    virtual nlohmann::json list() const = 0;
    virtual bool has(std::string_view name) const = 0;
    /// A CallToolResult ({content, structuredContent?, isError?}). Bad arguments and failed runs are
    /// results with isError, so that a model reads them and retries; never throws.
    virtual nlohmann::json call(const std::string& name, const nlohmann::json& arguments,
                                ToolContext& context) = 0;
};

struct ServerOptions
{
    std::string name = "agentrun";
    std::string version;
    std::string instructions;   ///< for the model: what the server is for
    int maxConcurrentCalls = 4; ///< tools/call in flight; more get a tool error saying to retry
    /// A slot shared with other servers (the HTTP transport's servers and the REST runs share one
    /// budget): held until the call ends; null when none is free, and the call gets the busy tool error.
    /// Unset: only maxConcurrentCalls counts.
    std::function<std::shared_ptr<void>()> callSlot;
};

/// A message the server sends, with the request it belongs to: what a transport that answers each
/// request on its own stream (Streamable HTTP) needs to route it.
struct Outgoing
{
    std::string line;     ///< the message, one line without its newline
    nlohmann::json about; ///< the id of the request it answers or reports on; null: none
    bool final = false;   ///< the request's response: nothing more comes for it
};

class Server
{
public:
    /// `send` gets each outgoing message as one line without its newline; calls are serialised.
    Server(ToolBox& tools, ServerOptions options, std::function<void(const std::string&)> send);
    /// The same, with the request each message belongs to.
    Server(ToolBox& tools, ServerOptions options, std::function<void(const Outgoing&)> send);
    /// Cancels every call in flight and waits for them.
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// One line as read (without its newline). Requests other than tools/call are answered before it
    /// returns; a tools/call runs on a thread of its own and answers when done.
    void handleLine(std::string_view line);
    /// A message the transport has parsed already (parseMessage): as handleLine.
    void handleMessage(const Message& message);
    /// Cancels the call of request `id` as notifications/cancelled does: no answer goes out for it.
    /// Unknown or finished ids are ignored.
    void cancel(const nlohmann::json& id);
    /// The transport dropped a line longer than it reads: answers with an Invalid Request error.
    void lineTooLong(std::size_t limit);
    /// Cancels every call in flight (the client went away, or a signal) and waits until all ended.
    void shutdown();
    /// Calls in flight now.
    int inFlight() const;

private:
    struct Call;
    /// Sends `message`; a response (it has an "id") is final for that id, anything else is about `about`.
    void send(const nlohmann::json& message, const nlohmann::json& about = nullptr);
    void handleRequest(const Message& message);
    void handleNotification(const Message& message);
    void startToolCall(const Message& message, const nlohmann::json& meta, bool modern);
    nlohmann::json finish(nlohmann::json result, bool modern) const;
    nlohmann::json capabilities() const;
    void joinFinished();

    ToolBox& m_tools;
    const ServerOptions m_options;
    std::function<void(const Outgoing&)> m_send;
    std::mutex m_sendMutex;

    mutable std::mutex m_mutex;
    std::condition_variable m_idle;
    std::string m_handshakeRevision; ///< empty until initialize
    bool m_stopping = false;
    std::map<std::string, std::shared_ptr<Call>> m_calls; ///< by serialized id
    std::vector<std::thread> m_finished;                  ///< threads of ended calls, to join
};

} // namespace agentrun::mcp
