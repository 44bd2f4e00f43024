#pragma once

#include "restcontext.h"
#include "restgate.h"

#include "agentrun/error.h"

#include <httplib.h>

#include <atomic>
#include <functional>
#include <memory>

namespace agentrun::cli {

/// The HTTP side of `agentrun serve`: the connection gate (slow clients), origin and host checks, CORS,
/// authentication, content type, body cap, request log, routes, graceful shutdown. Handlers share one
/// RestContext (one executor, one history).
class RestServer
{
public:
    explicit RestServer(ServeConfig config);
    ~RestServer();
    RestServer(const RestServer&) = delete;
    RestServer& operator=(const RestServer&) = delete;

    /// Binds the listening socket; the port (the chosen one when config.port is 0).
    Result<int> bind();
    /// Serves until shutdown(); returns when every request is answered.
    void serve();
    /// From any thread: refuses new runs, cancels those in flight, lets event streams send their last
    /// event, then stops accepting and returns from serve().
    void shutdown();

    RestContext& context() { return *m_context; }
    /// Called first by shutdown(), before runs are cancelled and waited for: routes added from outside
    /// (serve's /mcp) stop their calls here.
    void onShutdown(std::function<void()> stop) { m_onShutdown = std::move(stop); }
    /// The server without its socket: GatedServer::serveBytes runs requests in-process (the fuzzer).
    GatedServer& http() { return m_server; }

private:
    void installMiddleware();
    bool authorised(const httplib::Request& req, httplib::Response& res) const;
    /// No Origin header (not a browser, or a same-origin GET), the server's own origin, or an allowed one.
    bool originAllowed(const httplib::Request& req) const;

    std::unique_ptr<RestContext> m_context;
    GatedServer m_server;
    std::atomic<bool> m_serving{false};
    std::function<void()> m_onShutdown;
};

} // namespace agentrun::cli
