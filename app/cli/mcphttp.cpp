#include "mcphttp.h"

#include "mcpservice.h"
#include "resthttp.h"

#include "agentrun/errorcodes.h"

#include <chrono>
#include <optional>

namespace agentrun::cli {

namespace {

using Clock = std::chrono::steady_clock;

/// A comment line this often on a quiet stream: a client that went away is seen at the next write but
/// one (a closed socket refuses the second write), so a call nobody waits for is cancelled within seconds.
constexpr auto KeepAliveEvery = std::chrono::seconds(2);

mcp::SandboxConfig sandboxConfig(const RestContext& context)
{
    mcp::SandboxConfig config;
    config.defaults = context.config.defaults;
    config.rules = context.rules;
    return config;
}

mcp::ServerOptions serverOptions(RestContext& context)
{
    mcp::ServerOptions options = mcpServerOptions(context.config.maxConcurrent);
    // A tool call takes one of the server's run slots, as a REST run does: held until the call ends.
    options.callSlot = [&context]() -> std::shared_ptr<void> {
        // "mcp:" keeps the slot out of /v2/runs/{id}: no hex id of a URL matches it.
        auto session = context.runs.begin("mcp:" + RestContext::newRunId(), false, 0);
        if (!session) {
            return nullptr;
        }
        return std::make_shared<RunSlot>(context.runs, std::move(session));
    };
    return options;
}

std::optional<std::string> header(const httplib::Request& req, const char* name)
{
    if (!req.has_header(name)) {
        return std::nullopt;
    }
    return req.get_header_value(name);
}

void sendReply(mcp::HttpReply reply, httplib::Response& res)
{
    for (const auto& [name, value] : reply.headers) {
        res.set_header(name, value);
    }
    res.status = reply.status;
    if (!reply.stream) {
        if (!reply.body.empty()) {
            res.set_content(reply.body, "application/json");
        }
        return;
    }
    auto exchange = std::move(reply.stream);
    res.set_header("Cache-Control", "no-cache");
    if (!reply.sse) {
        // The client takes JSON only: the call's response alone, once it is in.
        res.set_chunked_content_provider(
            "application/json",
            [exchange](std::size_t, httplib::DataSink& sink) {
                auto line = exchange->next(std::chrono::milliseconds(500));
                while (line && !exchange->finished()) {
                    line = exchange->next(std::chrono::milliseconds(0)); // progress: not for this client
                }
                if (line && !sink.write(line->data(), line->size())) {
                    exchange->abandon();
                    return false;
                }
                if (exchange->finished()) {
                    sink.done();
                }
                return true;
            },
            [exchange](bool success) {
                if (!success) {
                    exchange->abandon();
                }
            });
        return;
    }
    res.set_header("X-Accel-Buffering", "no");
    auto lastWrite = std::make_shared<Clock::time_point>(Clock::now());
    res.set_chunked_content_provider(
        "text/event-stream",
        [exchange, lastWrite](std::size_t, httplib::DataSink& sink) {
            std::string text;
            if (auto line = exchange->next(std::chrono::milliseconds(500))) {
                text = "event: message\ndata: " + *line + "\n\n";
            } else if (Clock::now() - *lastWrite >= KeepAliveEvery && !exchange->finished()) {
                text = ": keep-alive\n\n";
            }
            if (!text.empty()) {
                if (!sink.write(text.data(), text.size())) {
                    exchange->abandon(); // the client closed the stream: its call is cancelled
                    return false;
                }
                *lastWrite = Clock::now();
            }
            if (exchange->finished()) {
                sink.done();
            }
            return true;
        },
        [exchange](bool success) {
            if (!success) {
                exchange->abandon();
            }
        });
}

void methodNotAllowed(httplib::Response& res, const std::string& why)
{
    res.set_header("Allow", "POST, DELETE");
    res.status = 405;
    res.set_content(mcp::serialize(mcp::errorResponse(nullptr, {mcp::InvalidRequest, why, nullptr})),
                    "application/json");
}

} // namespace

McpHttpRoute::McpHttpRoute(RestContext& context)
    : m_context(context), m_tools(sandboxConfig(context), context.runner),
      m_endpoint(m_tools, serverOptions(context))
{
    m_tools.onFinished = mcpRunRecorder(context.history ? &*context.history : nullptr, "agentrun: mcp");
}

void McpHttpRoute::install(httplib::Server& server)
{
    server.Post("/mcp", [this](const httplib::Request& req, httplib::Response& res) { post(req, res); });
    server.Get("/mcp", [](const httplib::Request&, httplib::Response& res) {
        methodNotAllowed(res, "This server opens no stream of its own: every answer comes on the response to "
                              "its POST.");
    });
    server.Delete("/mcp", [this](const httplib::Request& req, httplib::Response& res) { remove(req, res); });
}

void McpHttpRoute::post(const httplib::Request& req, httplib::Response& res)
{
    if (m_context.stopping) {
        sendError(res, 503, errc::ServerStopping, "The server is shutting down: no new calls are started.");
        return;
    }
    mcp::HttpRequest request;
    request.body = req.body;
    request.accept = req.get_header_value("Accept");
    request.sessionId = header(req, "Mcp-Session-Id");
    request.protocolVersion = header(req, "MCP-Protocol-Version");
    request.method = header(req, "Mcp-Method");
    request.name = header(req, "Mcp-Name");
    sendReply(m_endpoint.post(request), res);
}

void McpHttpRoute::remove(const httplib::Request& req, httplib::Response& res)
{
    const auto session = header(req, "Mcp-Session-Id");
    if (!session) {
        methodNotAllowed(res, "DELETE ends a session of revisions up to 2025-11-25: it needs the "
                              "Mcp-Session-Id header that initialize answered with.");
        return;
    }
    sendReply(m_endpoint.remove(*session), res);
}

} // namespace agentrun::cli
