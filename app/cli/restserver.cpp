#include "restserver.h"

#include "agentrun/errorcodes.h"

#include "resthttp.h"
#include "restroutes.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

namespace agentrun::cli {

namespace {

using Clock = std::chrono::steady_clock;

/// Start of the request the current worker thread is handling (set before routing, read by the logger).
thread_local Clock::time_point t_requestStart;

std::string hostOnly(std::string host)
{
    if (host.starts_with('[')) {
        const auto close = host.find(']');
        return close == std::string::npos ? host : host.substr(1, close - 1);
    }
    const auto colon = host.rfind(':');
    if (colon != std::string::npos && host.find(':') == colon) {
        host.resize(colon);
    }
    return host;
}

void logRequest(const httplib::Request& req, const httplib::Response& res)
{
    const double ms = t_requestStart == Clock::time_point{}
                          ? 0.0
                          : std::chrono::duration<double, std::milli>(Clock::now() - t_requestStart).count();
    t_requestStart = {};
    const std::string runId = res.get_header_value(RunIdHeader);
    // Never the code or the body: only what was asked, how it ended and how long it took.
    char line[1024];
    const int length = std::snprintf(
        line, sizeof line, "agentrun: %s %s %s %d %.1f ms%s%s\n", req.remote_addr.c_str(), req.method.c_str(),
        req.path.substr(0, 200).c_str(), res.status, ms, runId.empty() ? "" : " run_id=", runId.c_str());
    if (length > 0) {
        // One write per line: lines of concurrent requests never interleave.
        (void)!::write(STDERR_FILENO, line,
                       std::min<std::size_t>(static_cast<std::size_t>(length), sizeof line - 1));
    }
}

GateLimits gateLimits(const ServeConfig& c)
{
    GateLimits limits;
    // Every run holds a worker thread, and so does every event stream: enough threads that a full set of
    // runs never starves health checks, 429 answers or event readers. Idle and slow connections hold none.
    limits.workers = static_cast<std::size_t>(std::max(16, c.maxConcurrent * 2 + 8));
    limits.headTimeout = std::chrono::seconds(c.headerTimeoutSeconds);
    limits.maxPerClient = c.maxClientConnections;
    return limits;
}

std::string lowercase(std::string text)
{
    std::ranges::transform(text, text.begin(), [](unsigned char ch) { return std::tolower(ch); });
    return text;
}

/// What a browser cannot send to another origin without asking first (a CORS preflight) is JSON: the
/// safelisted types (text/plain, form encodings) and no type at all are what a page's form or no-cors
/// fetch sends, so only application/json is accepted on a body.
bool jsonContentType(const httplib::Request& req)
{
    std::string media = req.get_header_value("Content-Type");
    media = lowercase(media.substr(0, media.find(';')));
    const auto first = media.find_first_not_of(" \t");
    const auto last = media.find_last_not_of(" \t");
    return first != std::string::npos && media.substr(first, last - first + 1) == "application/json";
}

bool carriesBody(const httplib::Request& req)
{
    const std::string length = req.get_header_value("Content-Length");
    return req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
           (!length.empty() && length != "0") || req.has_header("Transfer-Encoding");
}

/// A header's value for a message: shortened, since it comes from the client.
std::string shown(std::string text)
{
    return text.size() > 100 ? text.substr(0, 100) + "…" : text;
}

} // namespace

RestServer::RestServer(ServeConfig config)
    : m_context(std::make_unique<RestContext>(std::move(config))), m_server(gateLimits(m_context->config))
{
    const ServeConfig& c = m_context->config;
    m_server.set_payload_max_length(c.maxBodyBytes);
    m_server.set_read_timeout(30, 0);
    m_server.set_write_timeout(30, 0);
    m_server.set_tcp_nodelay(true);
    // httplib's default sets SO_REUSEPORT, with which a second server on the same port shares the traffic
    // (one with a token beside one without). SO_REUSEADDR alone only allows a restart over TIME_WAIT.
    m_server.set_socket_options([](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    installMiddleware();
    addV1Routes(m_server, *m_context);
    addV2Routes(m_server, *m_context);
    addSessionRoutes(m_server, *m_context);
    addOpenApiRoute(m_server);
}

RestServer::~RestServer() = default;

bool RestServer::authorised(const httplib::Request& req, httplib::Response& res) const
{
    const ServeConfig& c = m_context->config;
    if (c.token.empty()) {
        // No token means loopback only (servecommand refuses anything else). Refusing other Host names stops
        // DNS rebinding: a web page whose name points at 127.0.0.1 cannot reach this server.
        const std::string host = hostOnly(req.get_header_value("Host"));
        if (!host.empty() && !isLoopbackHost(host) && host != c.host) {
            sendError(res, 403, errc::RequestHost,
                      "Host \"" + host +
                          "\" is not served here: use 127.0.0.1 or localhost, or configure a token.");
            return false;
        }
        return true;
    }
    const std::string header = req.get_header_value("Authorization");
    constexpr std::string_view scheme = "Bearer ";
    const bool bearer = header.size() > scheme.size() && header.compare(0, scheme.size(), scheme) == 0;
    if (!bearer || !tokenMatches(std::string_view(header).substr(scheme.size()), c.token)) {
        res.set_header("WWW-Authenticate", "Bearer");
        sendError(res, 401, errc::AuthToken,
                  bearer ? "The bearer token is not the one this server was started with."
                         : "This server needs the header Authorization: Bearer <token>.");
        return false;
    }
    return true;
}

bool RestServer::originAllowed(const httplib::Request& req) const
{
    if (!req.has_header("Origin")) {
        return true;
    }
    const std::string origin = lowercase(req.get_header_value("Origin"));
    // The server's own origin is the one its pages would have: the Host the browser addressed (checked
    // against loopback names by authorised() when there is no token). "null" (sandboxed frames, file://
    // pages) is nobody's own origin.
    const std::string host = lowercase(req.get_header_value("Host"));
    if (!host.empty() && origin == "http://" + host) {
        return true;
    }
    return std::ranges::any_of(m_context->config.allowOrigins, [&](const std::string& allowed) {
        return allowed == "*" || lowercase(allowed) == origin;
    });
}

void RestServer::installMiddleware()
{
    const ServeConfig& c = m_context->config;
    // Runs as soon as a request's head is in, before its body is read: a refused request never costs the
    // time or memory of its body, and its connection is closed after the answer.
    m_server.set_pre_routing_handler([this, &c](const httplib::Request& req, httplib::Response& res) {
        t_requestStart = Clock::now();
        const bool fromBrowser = req.has_header("Origin");
        const bool allowed = originAllowed(req);
        const bool listed = fromBrowser && allowed && !c.allowOrigins.empty();
        if (listed) {
            const bool any = std::ranges::find(c.allowOrigins, "*") != c.allowOrigins.end();
            res.set_header("Access-Control-Allow-Origin", any ? "*" : req.get_header_value("Origin"));
            res.set_header("Vary", "Origin");
            res.set_header("Access-Control-Expose-Headers", std::string(RunIdHeader) + ", Mcp-Session-Id");
        }
        if (!allowed) {
            GatedServer::closeAfterResponse(res);
            sendError(res, 403, errc::RequestOrigin,
                      "Requests from the web page at " + shown(req.get_header_value("Origin")) +
                          " are refused: this server answers only its own origin and those it was started "
                          "with (serve --allow-origin ORIGIN).");
            return httplib::Server::HandlerResponse::Handled;
        }
        if (req.method == "OPTIONS") {
            // A preflight carries no credentials: answered before the token check, and only with CORS
            // headers for an allowed origin (a foreign one got 403 above).
            res.set_header("Allow", "GET, POST, DELETE, OPTIONS");
            if (listed) {
                res.set_header("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
                // The MCP endpoint's request headers, for a browser client of /mcp on an allowed origin.
                res.set_header(
                    "Access-Control-Allow-Headers",
                    "Authorization, Content-Type, Last-Event-ID, Mcp-Session-Id, MCP-Protocol-Version, "
                    "Mcp-Method, Mcp-Name");
                res.set_header("Access-Control-Max-Age", "600");
            }
            res.status = 204;
            return httplib::Server::HandlerResponse::Handled;
        }
        if (!authorised(req, res)) {
            GatedServer::closeAfterResponse(res);
            return httplib::Server::HandlerResponse::Handled;
        }
        if (carriesBody(req) && !jsonContentType(req)) {
            GatedServer::closeAfterResponse(res);
            const std::string type = req.get_header_value("Content-Type");
            sendError(res, 415, errc::RequestContentType,
                      "Send the body as JSON with the header Content-Type: application/json (got " +
                          (type.empty() ? std::string("no Content-Type") : shown(type)) + ").");
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    m_server.set_error_handler(httplib::Server::HandlerWithResponse([&c](const httplib::Request& req,
                                                                         httplib::Response& res) {
        if (!res.body.empty() || res.content_length_ > 0) {
            return httplib::Server::HandlerResponse::Unhandled; // our own error, already a JSON body
        }
        switch (res.status) {
        case 413:
            sendError(res, 413, errc::RequestTooLarge,
                      "The request body is larger than this server's limit of " +
                          model::formatSize(static_cast<std::int64_t>(c.maxBodyBytes)) + " (--max-body).");
            break;
        case 404:
            sendError(res, 404, errc::RequestNotFound,
                      "No endpoint " + req.method + " " + req.path.substr(0, 200) +
                          ": see GET /openapi.json.");
            break;
        case 400:
            sendError(res, 400, errc::RequestMalformed, "The HTTP request is malformed.");
            break;
        default:
            sendError(res, res.status, errc::RequestFailed,
                      "The request failed (HTTP " + std::to_string(res.status) + ").");
            break;
        }
        return httplib::Server::HandlerResponse::Handled;
    }));
    m_server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        sendError(res, 500, errc::ServerInternal,
                  "The server failed to handle the request; it has been logged.");
    });
    m_server.set_logger(logRequest);
}

namespace {

/// Why `host`:`port` cannot be bound, found by trying it with a socket of our own.
std::string bindProblem(const std::string& host, int port)
{
    const std::string where = "port " + std::to_string(port) + " on " + host;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr) {
        return "cannot listen on " + host + ": not an address or name this machine resolves (--listen)";
    }
    const int sock = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    const int bound = sock < 0 ? -1 : ::bind(sock, found->ai_addr, found->ai_addrlen);
    const int error = errno;
    ::freeaddrinfo(found);
    if (sock >= 0) {
        ::close(sock);
    }
    if (bound == 0) {
        return "cannot listen on " + where + " (it was free a moment later: retry)";
    }
    switch (error) {
    case EADDRINUSE:
        return where + " is in use by another program: pick another with --listen";
    case EADDRNOTAVAIL:
        return "cannot listen on " + host + ": it is not an address of this machine (--listen)";
    case EACCES:
        return "cannot listen on " + where + ": ports below 1024 need privileges; pick another with --listen";
    default:
        return "cannot listen on " + where + ": " + std::strerror(error);
    }
}

} // namespace

Result<int> RestServer::bind()
{
    const ServeConfig& c = m_context->config;
    const int port = c.port == 0 ? m_server.bind_to_any_port(c.host)
                                 : (m_server.bind_to_port(c.host, c.port) ? c.port : -1);
    if (port <= 0) {
        return fail(errc::ServeBind, bindProblem(c.host, c.port));
    }
    return port;
}

void RestServer::serve()
{
    m_serving = true;
    if (!m_context->stopping) {
        m_server.listen_after_bind();
    }
    m_serving = false;
}

void RestServer::shutdown()
{
    RestContext& context = *m_context;
    if (context.stopping.exchange(true)) {
        return;
    }
    if (m_onShutdown) {
        m_onShutdown();
    }
    const int active = context.runs.active();
    context.runs.cancelAll();
    if (!context.runs.waitIdle(std::chrono::seconds(30))) {
        std::fprintf(stderr, "agentrun: warning: runs still going 30 s after they were cancelled\n");
    }
    // Give event streams a moment to deliver the "finished" events of the cancelled runs.
    std::this_thread::sleep_for(std::chrono::milliseconds(active > 0 ? 700 : 0));
    // serve() may not have reached listen yet: stop once it is listening, or once it has given up.
    while (m_serving) {
        if (m_server.is_running()) {
            m_server.stop();
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    context.runs.joinAll();
}

} // namespace agentrun::cli
