#pragma once

#include "agentrun/run/observer.h"

#include <nlohmann/json.hpp>

namespace agentrun::run {

/// The resource figures of one answer of the engine's stats stream (memory use, CPU share, processes;
/// elapsed time and the memory limit are the caller's). Read without trusting the answer: an absent or
/// mistyped field reads as 0, never as an exception — this runs inside a libcurl callback.
ResourceSample statsSample(const nlohmann::json& stats);

} // namespace agentrun::run
