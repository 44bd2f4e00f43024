#pragma once

#include "restcontext.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace agentrun::cli {

/// AgentRun-compatible: POST /v1/run/, GET /v1/health/.
void addV1Routes(httplib::Server& server, RestContext& context);
/// Native: /v2/runs, /v2/runs/{id}, /v2/runs/{id}/events, /v2/check, /v2/health.
void addV2Routes(httplib::Server& server, RestContext& context);
/// GET /openapi.json.
void addOpenApiRoute(httplib::Server& server);

/// The OpenAPI 3 document describing every endpoint.
nlohmann::json openApiDocument();

/// What AgentRun's execute_code_in_container returns for a result: the output, or its one-line messages.
std::string compatOutput(const run::RunResult& result, const std::vector<std::string>& allow);

} // namespace agentrun::cli
