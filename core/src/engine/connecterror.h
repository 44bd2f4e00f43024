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

/// For a TLS engine whose connection broke before any answer (send or receive failed): whether the
/// engine refuses our client certificate. In TLS 1.3 it says so with an alert after the handshake, and
/// when our request is already on its way the engine's close turns into a reset that loses the alert.
/// A second handshake that sends nothing reads it (at most `wait`). The Error when it is that refusal.
std::optional<Error> probeClientCertificate(const Endpoint& endpoint, std::chrono::milliseconds wait);

/// The engine answered a plain HTTP request on a TLS port ("Client sent an HTTP request to an HTTPS
/// server"): an Error saying to use TLS; nothing for any other answer.
std::optional<Error> plainHttpToTlsPort(const Endpoint& endpoint, long status, std::string_view body);

} // namespace agentrun::engine
