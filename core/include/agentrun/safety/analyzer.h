#pragma once

#include "agentrun/safety/finding.h"
#include "agentrun/safety/policy.h"

#include <cstddef>
#include <string_view>

namespace agentrun::safety {

/// Sources larger than this are not parsed: one "too-large" finding.
inline constexpr std::size_t maxSourceBytes = 1024 * 1024;

/// Checks Python source against a policy. Thread-safe, never throws, bounded in time and memory.
/// A lint that catches dangerous code early and says where and why; the container is the wall.
Report analyze(std::string_view source, const Policy& policy);

} // namespace agentrun::safety
