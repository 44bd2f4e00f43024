#pragma once

#include "agentrun/engine/endpoint.h"
#include "agentrun/error.h"

#include <curl/curl.h>

#include <chrono>
#include <optional>
#include <string_view>

namespace agentrun::engine {

/// The Error for a transport failure talking to the engine: names the address and what to do.
/// `detail` is libcurl's error buffer (CURLOPT_ERRORBUFFER), which says why a TLS handshake failed.
Error connectError(const Endpoint& endpoint, CURLcode code, int osErrno, std::chrono::milliseconds timeout,
                   std::string_view detail = {});

/// The engine answered a plain HTTP request on a TLS port ("Client sent an HTTP request to an HTTPS
/// server"): an Error saying to use TLS; nothing for any other answer.
std::optional<Error> plainHttpToTlsPort(const Endpoint& endpoint, long status, std::string_view body);

} // namespace agentrun::engine
