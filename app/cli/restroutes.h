#pragma once

#include "restcontext.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace agentrun::cli {

/// AgentRun-compatible: POST /v1/run/, GET /v1/health/.
void addV1Routes(httplib::Server& server, RestContext& context);
/// Native: /v2/runs, /v2/runs/{id}, /v2/runs/{id}/events, /v2/check, /v2/health.
void addV2Routes(httplib::Server& server, RestContext& context);
/// The REST adapter to the one run description: a POST /v2/runs body over the server's defaults (and the
/// saved profile it names). `stream` tells whether the client asked for a streamed answer. Errors name the
/// field; the server's rules (ceilings, whitelist) are RestContext::admit's.
Result<model::RunSpec> runSpecFromBody(const nlohmann::json& body, const ServeConfig& config, bool& stream);

/// POST /v2/runs, and POST /v2/sessions/{id}/runs with `sessionId`: the body's run, in that session.
void postRun(RestContext& context, const httplib::Request& req, httplib::Response& res,
             const std::string& sessionId = {});
/// /v2/sessions: open, list, look up, restart, close; runs in a session go through postRun.
void addSessionRoutes(httplib::Server& server, RestContext& context);

/// GET /openapi.json.
void addOpenApiRoute(httplib::Server& server);

/// The OpenAPI 3 document describing every endpoint.
nlohmann::json openApiDocument();

/// What AgentRun's execute_code_in_container returns for a result: the output, or its one-line messages.
std::string compatOutput(const model::RunResult& result, const std::vector<std::string>& allow);

} // namespace agentrun::cli
