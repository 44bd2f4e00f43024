#pragma once

#include "restcontext.h"

#include "httpendpoint.h"
#include "sandboxtools.h"

#include <httplib.h>

namespace agentrun::cli {

/// MCP over Streamable HTTP at /mcp, under `agentrun serve`: the same tools as `agentrun mcp`, on the
/// server's one executor, rules, history and run slots (a tool call takes a slot as a REST run does, so
/// --max-concurrent bounds both together). The server's origin, host, token, content-type and body checks
/// run before any of it.
class McpHttpRoute
{
public:
    explicit McpHttpRoute(RestContext& context);

    /// POST /mcp (messages), GET /mcp (405: no server-initiated stream), DELETE /mcp (ends a session).
    void install(httplib::Server& server);
    /// Cancels every call in flight and closes their streams; later requests get 503.
    void shutdown() { m_endpoint.shutdown(); }

private:
    void post(const httplib::Request& req, httplib::Response& res);
    void remove(const httplib::Request& req, httplib::Response& res);

    RestContext& m_context;
    mcp::SandboxTools m_tools;
    mcp::HttpEndpoint m_endpoint;
};

} // namespace agentrun::cli
