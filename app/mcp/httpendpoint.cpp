#include "httpendpoint.h"

#include "agentrun/base64.h"

#include <algorithm>
#include <cstdio>
#include <random>

namespace agentrun::mcp {

namespace {

constexpr const char* VersionKey = "io.modelcontextprotocol/protocolVersion";
constexpr const char* SessionHeader = "Mcp-Session-Id";

/// 128 random bits as hex: a session id nobody guesses (the token already guards the endpoint; this
/// keeps one client's calls out of another's reach, e.g. a cancellation naming a foreign request id).
std::string newSessionId()
{
    std::random_device device; // getrandom(2) under libstdc++
    std::string id;
    char hex[3];
    for (int i = 0; i < 16; ++i) {
        std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned>(device() & 0xff));
        id += hex;
    }
    return id;
}

HttpReply jsonReply(int status, const nlohmann::json& message)
{
    HttpReply reply;
    reply.status = status;
    reply.body = serialize(message);
    return reply;
}

HttpReply errorReply(int status, const nlohmann::json& id, int code, std::string message)
{
    return jsonReply(status, errorResponse(id, ProtocolError{code, std::move(message), nullptr}));
}

bool accepts(const std::string& accept, std::string_view type)
{
    // A media range list; parameters and case aside, "*/*" and "application/*" count.
    std::string lower(accept);
    std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return std::tolower(c); });
    const auto slash = type.find('/');
    return lower.find(type) != std::string::npos || lower.find("*/*") != std::string::npos ||
           lower.find(std::string(type.substr(0, slash)) + "/*") != std::string::npos;
}

/// The HTTP status of a 2026-07-28 answer: 400 for a revision this server does not speak or a malformed
/// request, 404 for an unknown method (so a client tells a modern server from a legacy one); 200 else.
int modernStatus(const std::string& line)
{
    const auto message = nlohmann::json::parse(line, nullptr, false);
    if (!message.is_object() || !message.contains("error")) {
        return 200;
    }
    const auto code = message["error"].value("code", 0);
    if (code == MethodNotFound) {
        return 404;
    }
    return code == UnsupportedProtocolVersion || code == InvalidRequest ? 400 : 200;
}

} // namespace

std::optional<std::string> decodeHeaderValue(const std::string& value)
{
    constexpr std::string_view prefix = "=?base64?";
    constexpr std::string_view suffix = "?=";
    if (value.size() >= prefix.size() + suffix.size() && value.starts_with(prefix) &&
        value.ends_with(suffix)) {
        return base64Decode(
            std::string_view(value).substr(prefix.size(), value.size() - prefix.size() - suffix.size()));
    }
    return value;
}

// ---- Exchange ----

std::optional<std::string> Exchange::next(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(m_mutex);
    m_ready.wait_for(lock, timeout, [this] { return !m_lines.empty() || m_closed; });
    if (m_lines.empty()) {
        return std::nullopt;
    }
    std::string line = std::move(m_lines.front());
    m_lines.pop_front();
    return line;
}

bool Exchange::finished() const
{
    std::lock_guard lock(m_mutex);
    return m_lines.empty() && (m_answered || m_closed);
}

bool Exchange::answered() const
{
    std::lock_guard lock(m_mutex);
    return m_answered;
}

void Exchange::push(std::string line, bool final)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_closed || m_answered) {
            return;
        }
        m_lines.push_back(std::move(line));
        m_answered = final;
    }
    m_ready.notify_all();
}

void Exchange::close()
{
    {
        std::lock_guard lock(m_mutex);
        m_closed = true;
    }
    m_ready.notify_all();
}

void Exchange::abandon()
{
    std::function<void()> cancel;
    {
        std::lock_guard lock(m_mutex);
        if (m_closed) {
            return;
        }
        m_closed = true;
        m_lines.clear();
        cancel = std::move(onAbandon);
    }
    m_ready.notify_all();
    if (cancel) {
        cancel();
    }
}

// ---- Peer: one server and the exchanges of its requests in flight ----

struct HttpEndpoint::Peer
{
    std::string id; ///< the session's id; empty for a stateless (2026-07-28) request's server
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<Exchange>> exchanges; ///< by serialized request id
    std::chrono::steady_clock::time_point lastUsed = std::chrono::steady_clock::now();
    std::unique_ptr<Server> server; ///< last member: destroyed first, while the exchanges still exist

    void route(const Outgoing& out)
    {
        if (out.about.is_null()) {
            return; // nothing this server sends is unrelated to a request; a stray one has no stream
        }
        std::shared_ptr<Exchange> exchange;
        {
            std::lock_guard lock(mutex);
            const auto found = exchanges.find(serialize(out.about));
            if (found == exchanges.end()) {
                return;
            }
            exchange = found->second;
            if (out.final) {
                exchanges.erase(found);
            }
        }
        exchange->push(out.line, out.final);
    }

    /// Closes the exchange of request `key` (its call was cancelled: no response will come).
    void closeExchange(const std::string& key)
    {
        std::shared_ptr<Exchange> exchange;
        {
            std::lock_guard lock(mutex);
            if (auto found = exchanges.find(key); found != exchanges.end()) {
                exchange = found->second;
                exchanges.erase(found);
            }
        }
        if (exchange) {
            exchange->close();
        }
    }

    void closeAll()
    {
        std::map<std::string, std::shared_ptr<Exchange>> all;
        {
            std::lock_guard lock(mutex);
            all.swap(exchanges);
        }
        for (auto& [key, exchange] : all) {
            exchange->close();
        }
    }
};

HttpEndpoint::HttpEndpoint(ToolBox& tools, ServerOptions options, HttpEndpointOptions endpointOptions)
    : m_tools(tools), m_options(std::move(options)), m_endpointOptions(endpointOptions)
{}

HttpEndpoint::~HttpEndpoint()
{
    shutdown();
}

std::shared_ptr<HttpEndpoint::Peer> HttpEndpoint::makePeer(std::string id)
{
    auto peer = std::make_shared<Peer>();
    peer->id = std::move(id);
    Peer* raw = peer.get(); // the server is the peer's member: it never outlives it
    peer->server = std::make_unique<Server>(
        m_tools, m_options,
        std::function<void(const Outgoing&)>([raw](const Outgoing& out) { raw->route(out); }));
    return peer;
}

std::size_t HttpEndpoint::sessions() const
{
    std::lock_guard lock(m_mutex);
    return m_sessions.size();
}

void HttpEndpoint::reapLocked()
{
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(m_stateless,
                  [](const std::shared_ptr<Peer>& peer) { return peer->server->inFlight() == 0; });
    std::erase_if(m_sessions, [&](const auto& entry) {
        const auto& peer = entry.second;
        return peer->server->inFlight() == 0 && now - peer->lastUsed > m_endpointOptions.sessionIdle;
    });
}

HttpReply HttpEndpoint::post(const HttpRequest& request)
{
    auto parsed = parseMessage(request.body);
    if (const auto* refusal = std::get_if<Refusal>(&parsed)) {
        return jsonReply(400, errorResponse(refusal->id, refusal->error));
    }
    const Message& message = std::get<Message>(parsed);
    const bool wantsSse = accepts(request.accept, "text/event-stream");
    if (message.kind == Message::Kind::Request && !wantsSse && !accepts(request.accept, "application/json")) {
        auto reply = errorReply(406, message.id, InvalidRequest,
                                "The Accept header must list application/json and text/event-stream, the "
                                "two forms an answer can take.");
        return reply;
    }
    if (message.kind == Message::Kind::Response) {
        HttpReply accepted; // this server sends no requests: a response answers nothing here
        accepted.status = 202;
        return accepted;
    }

    if (message.kind == Message::Kind::Request && message.method == "initialize") {
        if (request.sessionId) {
            return errorReply(400, message.id, InvalidRequest,
                              "initialize opens a new session: send it without the Mcp-Session-Id header.");
        }
        return openSession(message, wantsSse);
    }

    if (request.sessionId) {
        std::shared_ptr<Peer> peer;
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping) {
                return errorReply(503, message.id, InternalError, "The server is shutting down.");
            }
            reapLocked();
            if (auto found = m_sessions.find(*request.sessionId); found != m_sessions.end()) {
                peer = found->second;
                peer->lastUsed = std::chrono::steady_clock::now();
            }
        }
        if (!peer) {
            // The spec's answer for an ended session: 404, after which the client initializes again.
            return errorReply(404, message.id, InvalidRequest,
                              "No MCP session \"" + shown(nlohmann::json(*request.sessionId)) +
                                  "\" here: it ended (closed, idle or the server restarted). Start a new "
                                  "one with initialize.");
        }
        const auto revisions = handshakeRevisions();
        if (request.protocolVersion &&
            std::ranges::find(revisions, *request.protocolVersion) == revisions.end()) {
            return errorReply(400, message.id, InvalidRequest,
                              "MCP-Protocol-Version \"" + shown(nlohmann::json(*request.protocolVersion)) +
                                  "\" is not a revision this session speaks (it negotiated one of " +
                                  revisions.back() + " to " + revisions.front() + ").");
        }
        return dispatch(peer, message, wantsSse, false);
    }

    // No session: a 2026-07-28 request, whose headers must agree with its body.
    if (message.kind == Message::Kind::Notification) {
        HttpReply accepted; // none is defined over HTTP in this revision; accepted and ignored
        accepted.status = 202;
        return accepted;
    }
    const nlohmann::json* meta = message.params.contains("_meta") && message.params["_meta"].is_object()
                                     ? &message.params["_meta"]
                                     : nullptr;
    if (meta != nullptr && meta->contains(VersionKey)) {
        const auto mismatch = [&](const std::string& what) {
            return errorReply(400, message.id, HeaderMismatch, "Header mismatch: " + what);
        };
        const auto& version = (*meta)[VersionKey];
        if (!request.protocolVersion) {
            return mismatch("the MCP-Protocol-Version header is missing.");
        }
        if (!version.is_string() || *request.protocolVersion != version.get<std::string>()) {
            return mismatch("MCP-Protocol-Version \"" + shown(nlohmann::json(*request.protocolVersion)) +
                            "\" is not the body's revision " + shown(version) + ".");
        }
        if (!request.method || *request.method != message.method) {
            return mismatch(request.method ? "Mcp-Method does not match the body's method " +
                                                 shown(nlohmann::json(message.method)) + "."
                                           : std::string("the Mcp-Method header is missing."));
        }
        if (message.method == "tools/call" && message.params.contains("name")) {
            const auto decoded = request.name ? decodeHeaderValue(*request.name) : std::nullopt;
            if (!decoded || nlohmann::json(*decoded) != message.params["name"]) {
                return mismatch(request.name ? "Mcp-Name does not match the body's params.name."
                                             : std::string("the Mcp-Name header is missing."));
            }
        }
    } else if (message.method != "ping") {
        return errorReply(400, message.id, InvalidRequest,
                          "Start with initialize (revisions 2024-11-05 to 2025-11-25: the answer carries an "
                          "Mcp-Session-Id to send with every later request), or name revision " +
                              std::string(CurrentRevision) +
                              " in params._meta and the MCP-Protocol-Version "
                              "header.");
    }
    std::shared_ptr<Peer> peer = makePeer({});
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) {
            return errorReply(503, message.id, InternalError, "The server is shutting down.");
        }
        reapLocked();
        m_stateless.push_back(peer); // kept until its call ends (reapLocked)
    }
    return dispatch(peer, message, wantsSse, true);
}

HttpReply HttpEndpoint::openSession(const Message& message, bool wantsSse)
{
    std::shared_ptr<Peer> peer = makePeer(newSessionId());
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) {
            return errorReply(503, message.id, InternalError, "The server is shutting down.");
        }
        reapLocked();
        if (m_sessions.size() >= m_endpointOptions.maxSessions) {
            // Room is made by ending the session unused the longest, if it has no call running: its
            // client gets 404 on its next request and starts again, as the specification has it.
            auto oldest = m_sessions.end();
            for (auto it = m_sessions.begin(); it != m_sessions.end(); ++it) {
                if (it->second->server->inFlight() == 0 &&
                    (oldest == m_sessions.end() || it->second->lastUsed < oldest->second->lastUsed)) {
                    oldest = it;
                }
            }
            if (oldest == m_sessions.end()) {
                return errorReply(503, message.id, InternalError,
                                  "This server has " + std::to_string(m_sessions.size()) +
                                      " MCP sessions open, each with a call running: retry when one ends.");
            }
            m_sessions.erase(oldest);
        }
        m_sessions.emplace(peer->id, peer);
    }
    HttpReply reply = dispatch(peer, message, wantsSse, false);
    const auto answer = nlohmann::json::parse(reply.body, nullptr, false);
    if (reply.status == 200 && answer.is_object() && answer.contains("result")) {
        reply.headers.emplace_back(SessionHeader, peer->id);
    } else {
        std::lock_guard lock(m_mutex); // a refused initialize opens nothing
        m_sessions.erase(peer->id);
    }
    return reply;
}

HttpReply HttpEndpoint::dispatch(const std::shared_ptr<Peer>& peer, const Message& message, bool wantsSse,
                                 bool modern)
{
    if (message.kind == Message::Kind::Notification) {
        peer->server->handleMessage(message);
        if (message.method == "notifications/cancelled" && message.params.contains("requestId")) {
            peer->closeExchange(serialize(message.params["requestId"])); // its stream ends, unanswered
        }
        HttpReply accepted;
        accepted.status = 202;
        return accepted;
    }
    const std::string key = serialize(message.id);
    auto exchange = std::make_shared<Exchange>();
    {
        std::lock_guard lock(peer->mutex);
        if (peer->exchanges.contains(key)) {
            return errorReply(modern ? 400 : 200, message.id, InvalidRequest,
                              "Request id " + shown(message.id) +
                                  " is already in use by a call in progress.");
        }
        peer->exchanges.emplace(key, exchange);
    }
    std::weak_ptr<Peer> weak = peer;
    exchange->onAbandon = [weak, id = message.id] {
        if (auto alive = weak.lock()) {
            alive->server->cancel(id); // closing the stream cancels the call (2026-07-28; see docs/agents.md)
        }
    };
    peer->server->handleMessage(message);
    if (exchange->answered()) {
        // Answered at once (everything but a tool call, and refused calls): one JSON object.
        std::optional<std::string> line;
        std::string last;
        while ((line = exchange->next(std::chrono::milliseconds(0)))) {
            last = std::move(*line);
        }
        HttpReply reply;
        reply.status = modern ? modernStatus(last) : 200;
        reply.body = std::move(last);
        return reply;
    }
    HttpReply reply;
    reply.stream = std::move(exchange);
    reply.sse = wantsSse;
    return reply;
}

HttpReply HttpEndpoint::remove(const std::string& sessionId)
{
    std::shared_ptr<Peer> peer;
    {
        std::lock_guard lock(m_mutex);
        if (auto found = m_sessions.find(sessionId); found != m_sessions.end()) {
            peer = std::move(found->second);
            m_sessions.erase(found);
        }
    }
    if (!peer) {
        return errorReply(404, nullptr, InvalidRequest,
                          "No MCP session \"" + shown(nlohmann::json(sessionId)) + "\" here.");
    }
    peer->server->shutdown(); // cancels its calls and waits for them
    peer->closeAll();
    HttpReply reply;
    reply.status = 204;
    return reply;
}

void HttpEndpoint::shutdown()
{
    std::vector<std::shared_ptr<Peer>> peers;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        for (auto& [id, peer] : m_sessions) {
            peers.push_back(peer);
        }
        m_sessions.clear();
        peers.insert(peers.end(), m_stateless.begin(), m_stateless.end());
        m_stateless.clear();
    }
    for (auto& peer : peers) {
        peer->server->shutdown();
        peer->closeAll();
    }
}

} // namespace agentrun::mcp
