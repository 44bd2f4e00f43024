#include "server.h"

#include <algorithm>
#include <thread>

namespace agentrun::mcp {

namespace {

constexpr const char* VersionKey = "io.modelcontextprotocol/protocolVersion";
constexpr const char* CapabilitiesKey = "io.modelcontextprotocol/clientCapabilities";

/// Every revision this server speaks, newest first: the stateless one, then the handshake ones.
nlohmann::json supportedRevisions()
{
    nlohmann::json all = nlohmann::json::array({CurrentRevision});
    for (const auto& revision : handshakeRevisions()) {
        all.push_back(revision);
    }
    return all;
}

ProtocolError invalidParams(std::string message)
{
    return ProtocolError{InvalidParams, std::move(message), nullptr};
}

} // namespace

std::vector<std::string> handshakeRevisions()
{
    return {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
}

struct Server::Call
{
    run::CancelToken cancel;
    std::shared_ptr<void> slot; ///< ServerOptions::callSlot's, released when the call ends
    bool cancelled = false; ///< by the client: no response and no further progress goes out
    std::thread thread;
};

Server::Server(ToolBox& tools, ServerOptions options, std::function<void(const std::string&)> send)
    : Server(tools, std::move(options),
             std::function<void(const Outgoing&)>(
                 [send = std::move(send)](const Outgoing& out) { send(out.line); }))
{}

Server::Server(ToolBox& tools, ServerOptions options, std::function<void(const Outgoing&)> send)
    : m_tools(tools), m_options(std::move(options)), m_send(std::move(send))
{}

Server::~Server()
{
    shutdown();
}

void Server::send(const nlohmann::json& message, const nlohmann::json& about)
{
    Outgoing out;
    out.line = serialize(message);
    out.final = message.contains("id");
    out.about = out.final ? message["id"] : about;
    std::lock_guard lock(m_sendMutex); // lock order: m_mutex (when held) before m_sendMutex
    m_send(out);
}

nlohmann::json Server::capabilities() const
{
    return {{"tools", nlohmann::json::object()}};
}

nlohmann::json Server::finish(nlohmann::json result, bool modern) const
{
    if (modern) {
        // 2026-07-28: every result says it is complete and who answered.
        result["resultType"] = "complete";
        result["_meta"]["io.modelcontextprotocol/serverInfo"] = {{"name", m_options.name},
                                                                 {"version", m_options.version}};
    }
    return result;
}

void Server::handleLine(std::string_view line)
{
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
        return; // an empty line carries no message
    }
    auto parsed = parseMessage(line);
    if (const auto* refusal = std::get_if<Refusal>(&parsed)) {
        send(errorResponse(refusal->id, refusal->error));
        return;
    }
    handleMessage(std::get<Message>(parsed));
}

void Server::handleMessage(const Message& message)
{
    switch (message.kind) {
    case Message::Kind::Request:
        handleRequest(message);
        break;
    case Message::Kind::Notification:
        handleNotification(message);
        break;
    case Message::Kind::Response:
        break; // this server sends no requests, so there is nothing to match
    }
}

void Server::lineTooLong(std::size_t limit)
{
    send(errorResponse(nullptr, ProtocolError{InvalidRequest,
                                              "The message is longer than " + std::to_string(limit) +
                                                  " bytes, the most this server reads: it was dropped.",
                                              nullptr}));
}

void Server::handleNotification(const Message& message)
{
    if (message.method != "notifications/cancelled") {
        return; // notifications/initialized and anything else need no action
    }
    const auto id = message.params.find("requestId");
    if (id == message.params.end()) {
        return;
    }
    cancel(*id);
}

void Server::cancel(const nlohmann::json& id)
{
    // Unknown or finished requests are ignored, as the specification allows (the race is normal).
    std::lock_guard lock(m_mutex);
    if (auto call = m_calls.find(serialize(id)); call != m_calls.end()) {
        call->second->cancelled = true;
        call->second->cancel.cancel();
    }
}

void Server::handleRequest(const Message& message)
{
    const auto answer = [&](nlohmann::json result, bool modern) {
        send(resultResponse(message.id, finish(std::move(result), modern)));
    };
    const auto refuse = [&](const ProtocolError& error) { send(errorResponse(message.id, error)); };

    if (message.method == "initialize") {
        // The handshake of revisions up to 2025-11-25: the client's revision when this server speaks it,
        // else the newest one it speaks (the client then decides whether to go on).
        const auto requested = message.params.find("protocolVersion");
        if (requested == message.params.end() || !requested->is_string()) {
            return refuse(invalidParams("initialize needs params.protocolVersion, a revision like \"" +
                                        handshakeRevisions().front() + "\"."));
        }
        const auto revisions = handshakeRevisions();
        const auto wanted = requested->get<std::string>();
        const std::string chosen =
            std::ranges::find(revisions, wanted) != revisions.end() ? wanted : revisions.front();
        {
            std::lock_guard lock(m_mutex);
            if (!m_handshakeRevision.empty()) {
                return refuse(ProtocolError{InvalidRequest, "initialize was already sent on this connection.",
                                            nullptr});
            }
            m_handshakeRevision = chosen;
        }
        nlohmann::json result = {{"protocolVersion", chosen},
                                 {"capabilities", capabilities()},
                                 {"serverInfo", {{"name", m_options.name}, {"version", m_options.version}}}};
        if (!m_options.instructions.empty()) {
            result["instructions"] = m_options.instructions;
        }
        return answer(std::move(result), false);
    }

    // 2026-07-28: the request names its revision (and the client's capabilities) in params._meta.
    const nlohmann::json meta =
        message.params.contains("_meta") ? message.params["_meta"] : nlohmann::json::object();
    if (!meta.is_object()) {
        return refuse(invalidParams("params._meta must be an object."));
    }
    const bool modern = meta.contains(VersionKey);
    if (modern) {
        const auto& version = meta[VersionKey];
        if (!version.is_string() || version.get<std::string>() != CurrentRevision) {
            return refuse(ProtocolError{UnsupportedProtocolVersion,
                                        "Unsupported protocol version",
                                        {{"supported", supportedRevisions()}, {"requested", version}}});
        }
        if (!meta.contains(CapabilitiesKey) || !meta[CapabilitiesKey].is_object()) {
            return refuse(invalidParams(std::string("params._meta needs \"") + CapabilitiesKey +
                                        "\" (an object; {} when the client has none)."));
        }
    } else if (message.method != "ping") {
        std::lock_guard lock(m_mutex);
        if (m_handshakeRevision.empty()) {
            return refuse(invalidParams(std::string("params._meta needs \"") + VersionKey + "\": \"" +
                                        std::string(CurrentRevision) +
                                        "\", or the connection starts with initialize (revision " +
                                        handshakeRevisions().front() + " and earlier)."));
        }
    }

    if (message.method == "ping") {
        return answer(nlohmann::json::object(), modern);
    }
    if (message.method == "server/discover") {
        nlohmann::json result = {{"supportedVersions", supportedRevisions()},
                                 {"capabilities", capabilities()},
                                 {"ttlMs", 0},
                                 {"cacheScope", "public"}};
        if (!m_options.instructions.empty()) {
            result["instructions"] = m_options.instructions;
        }
        return answer(std::move(result), true);
    }
    if (message.method == "tools/list") {
        if (message.params.contains("cursor")) {
            // Every tool fits the first page, so no cursor this server gave exists.
            return refuse(invalidParams("Unknown cursor: this server lists every tool on the first page."));
        }
        nlohmann::json result = {{"tools", m_tools.list()}};
        if (modern) {
            result["ttlMs"] = 0; // the tools depend on the server's options, fixed for its lifetime
            result["cacheScope"] = "public";
        }
        return answer(std::move(result), modern);
    }
    if (message.method == "tools/call") {
        return startToolCall(message, meta, modern);
    }
    return refuse(ProtocolError{
        MethodNotFound, "Unknown method \"" + shown(nlohmann::json(message.method)) + "\".", nullptr});
}

void Server::startToolCall(const Message& message, const nlohmann::json& meta, bool modern)
{
    const auto refuse = [&](const ProtocolError& error) { send(errorResponse(message.id, error)); };
    const auto name = message.params.find("name");
    if (name == message.params.end() || !name->is_string()) {
        return refuse(invalidParams("tools/call needs params.name, the name of a tool from tools/list."));
    }
    const std::string tool = name->get<std::string>();
    if (!m_tools.has(tool)) {
        return refuse(invalidParams("Unknown tool: " + shown(nlohmann::json(tool))));
    }
    nlohmann::json arguments = nlohmann::json::object();
    if (message.params.contains("arguments")) {
        arguments = message.params["arguments"];
        if (!arguments.is_object()) {
            return refuse(invalidParams("params.arguments must be an object."));
        }
    }
    nlohmann::json progressToken = nullptr;
    if (meta.contains("progressToken") &&
        (meta["progressToken"].is_string() || meta["progressToken"].is_number())) {
        progressToken = meta["progressToken"];
    }
    const std::string key = serialize(message.id);

    joinFinished();
    std::lock_guard lock(m_mutex);
    if (m_stopping) {
        return refuse(ProtocolError{InternalError, "The server is shutting down.", nullptr});
    }
    if (m_calls.contains(key)) {
        return refuse(ProtocolError{
            InvalidRequest, "Request id " + shown(message.id) + " is already in use by a call in progress.",
            nullptr});
    }
    std::shared_ptr<void> slot;
    if (static_cast<int>(m_calls.size()) < m_options.maxConcurrentCalls && m_options.callSlot) {
        slot = m_options.callSlot();
    }
    if (static_cast<int>(m_calls.size()) >= m_options.maxConcurrentCalls || (m_options.callSlot && !slot)) {
        const std::string why =
            static_cast<int>(m_calls.size()) >= m_options.maxConcurrentCalls
                ? "The server is busy: it runs at most " + std::to_string(m_options.maxConcurrentCalls) +
                      " tool calls at once. Retry when one of yours has finished."
                : std::string("The server is busy: every run slot is taken (its REST and MCP clients share "
                              "them). Retry in a moment.");
        nlohmann::json busy = {{"content", {{{"type", "text"}, {"text", why}}}}, {"isError", true}};
        return send(resultResponse(message.id, finish(std::move(busy), modern)));
    }
    auto call = std::make_shared<Call>();
    call->slot = std::move(slot);
    m_calls.emplace(key, call);
    call->thread = std::thread(
        [this, call, key, id = message.id, tool, arguments = std::move(arguments), progressToken, modern] {
            int sent = 0;
            ToolContext context{
                call->cancel, [&](const std::string& text) {
                    if (progressToken.is_null()) {
                        return;
                    }
                    // Checked and sent under one lock: nothing goes out after a cancellation.
                    std::lock_guard guard(m_mutex);
                    if (!call->cancelled) {
                        send(notification(
                                 "notifications/progress",
                                 {{"progressToken", progressToken}, {"progress", ++sent}, {"message", text}}),
                             id);
                    }
                }};
            nlohmann::json result = m_tools.call(tool, arguments, context);
            std::lock_guard guard(m_mutex); // a cancellation is either before the answer (none) or ignored
            if (!call->cancelled) {
                send(resultResponse(id, finish(std::move(result), modern)));
            }
            m_finished.push_back(std::move(call->thread)); // joined by the next call or by shutdown
            call->slot.reset();
            m_calls.erase(key);
            m_idle.notify_all();
        });
}

void Server::joinFinished()
{
    std::vector<std::thread> finished;
    {
        std::lock_guard lock(m_mutex);
        finished.swap(m_finished);
    }
    for (auto& thread : finished) {
        thread.join(); // it has erased its call: at most the last few instructions are left
    }
}

void Server::shutdown()
{
    std::unique_lock lock(m_mutex);
    m_stopping = true;
    for (auto& [key, call] : m_calls) {
        call->cancelled = true;
        call->cancel.cancel();
    }
    m_idle.wait(lock, [this] { return m_calls.empty(); });
    lock.unlock();
    joinFinished();
}

int Server::inFlight() const
{
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_calls.size());
}

} // namespace agentrun::mcp
