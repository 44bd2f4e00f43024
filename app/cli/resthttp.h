#pragma once

#include "agentrun/model/runspecjson.h"

#include "agentrun/error.h"
#include "agentrun/model/limits.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace agentrun::cli {

/// Response header carrying the id of the run a request started (also in the request log).
inline constexpr const char* RunIdHeader = "X-Agentrun-Run-Id";

void sendJson(httplib::Response& res, int status, const nlohmann::json& body);
/// {"error": {"code", "message"}} with `status`.
void sendError(httplib::Response& res, int status, std::string_view code, std::string_view message);
/// 429 with Retry-After.
void sendBusy(httplib::Response& res, int maxConcurrent);

/// Deepest nesting of arrays and objects a request body may have.
inline constexpr int MaxJsonDepth = 64;

/// Whether arrays and objects in `text` nest more than `limit` deep (brackets in strings do not count).
/// Linear, no allocation: it runs before the body is parsed.
bool nestedDeeperThan(std::string_view text, int limit);

/// The request body as JSON: every JSON body of every endpoint is parsed here. On failure the response
/// is already set (400 malformed or nested deeper than MaxJsonDepth) and std::nullopt is returned; the
/// answer never contains the body. `fastApiDetail` adds FastAPI's "detail" array beside our "error" (/v1).
std::optional<nlohmann::json> parseJsonBody(const httplib::Request& req, httplib::Response& res,
                                            bool fastApiDetail = false);

/// A name the client sent (a field, a package), for an error: at most 64 bytes, cut at a character
/// boundary and marked, so that an answer never carries a large part of the request body.
using model::shownName;

/// Constant-time comparison of a presented bearer token with the configured one.
bool tokenMatches(std::string_view presented, std::string_view expected);

/// 127.0.0.0/8, ::1 or "localhost".
bool isLoopbackHost(std::string_view host);

} // namespace agentrun::cli
