#include "restserver.h"

#include "resthttp.h"
#include "restroutes.h"

#include <chrono>
#include <cstdio>
#include <thread>
#include <unistd.h>

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

} // namespace

RestServer::RestServer(ServeConfig config) : m_context(std::make_unique<RestContext>(std::move(config)))
{
    const ServeConfig& c = m_context->config;
    // Every run holds a worker thread, and so does every event stream and idle keep-alive connection: enough
    // threads that a full set of runs never starves health checks, 429 answers or event readers.
    const std::size_t threads = static_cast<std::size_t>(std::max(16, c.maxConcurrent * 2 + 8));
    m_server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    m_server.set_payload_max_length(c.maxBodyBytes);
    m_server.set_keep_alive_timeout(2);
    m_server.set_read_timeout(30, 0);
    m_server.set_write_timeout(30, 0);
    m_server.set_tcp_nodelay(true);
    installMiddleware();
    addV1Routes(m_server, *m_context);
    addV2Routes(m_server, *m_context);
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
            sendError(res, 403, "request.host",
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
        sendError(res, 401, "auth.token",
                  bearer ? "The bearer token is not the one this server was started with."
                         : "This server needs the header Authorization: Bearer <token>.");
        return false;
    }
    return true;
}

void RestServer::installMiddleware()
{
    const ServeConfig& c = m_context->config;
    m_server.set_pre_routing_handler([this, &c](const httplib::Request& req, httplib::Response& res) {
        t_requestStart = Clock::now();
        if (!c.corsOrigin.empty()) {
            res.set_header("Access-Control-Allow-Origin", c.corsOrigin);
            res.set_header("Vary", "Origin");
            res.set_header("Access-Control-Expose-Headers", RunIdHeader);
            if (req.method == "OPTIONS") {
                // Preflights carry no credentials: answer them before the token check.
                res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
                res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID");
                res.set_header("Access-Control-Max-Age", "600");
                res.status = 204;
                return httplib::Server::HandlerResponse::Handled;
            }
        }
        if (!authorised(req, res)) {
            return httplib::Server::HandlerResponse::Handled;
        }
        if (req.body.size() > c.maxBodyBytes) {
            sendError(res, 413, "request.too_large", "The request body is larger than this server's limit.");
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    m_server.set_error_handler(
        httplib::Server::HandlerWithResponse([&c](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty() || res.content_length_ > 0) {
                return httplib::Server::HandlerResponse::Unhandled; // our own error, already a JSON body
            }
            switch (res.status) {
            case 413:
                sendError(res, 413, "request.too_large",
                          "The request body is larger than this server's limit of " +
                              run::formatSize(static_cast<std::int64_t>(c.maxBodyBytes)) + " (--max-body).");
                break;
            case 404:
                sendError(res, 404, "request.not_found",
                          "No endpoint " + req.method + " " + req.path.substr(0, 200) +
                              ": see GET /openapi.json.");
                break;
            case 400:
                sendError(res, 400, "request.malformed", "The HTTP request is malformed.");
                break;
            default:
                sendError(res, res.status, "request.failed",
                          "The request failed (HTTP " + std::to_string(res.status) + ").");
                break;
            }
            return httplib::Server::HandlerResponse::Handled;
        }));
    m_server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        sendError(res, 500, "server.internal",
                  "The server failed to handle the request; it has been logged.");
    });
    m_server.set_logger(logRequest);
}

Result<int> RestServer::bind()
{
    const ServeConfig& c = m_context->config;
    const int port = c.port == 0 ? m_server.bind_to_any_port(c.host)
                                 : (m_server.bind_to_port(c.host, c.port) ? c.port : -1);
    if (port <= 0) {
        return fail("serve.bind", "Cannot listen on " + c.host + ":" + std::to_string(c.port) +
                                      ": the address is in use or not on this machine.");
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
