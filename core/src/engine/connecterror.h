#pragma once

#include "agentrun/engine/endpoint.h"
#include "agentrun/error.h"

#include <curl/curl.h>

#include <chrono>

namespace agentrun::engine {

/// The Error for a transport failure talking to the engine: names the address and what to do.
Error connectError(const Endpoint& endpoint, CURLcode code, int osErrno, std::chrono::milliseconds timeout);

} // namespace agentrun::engine
