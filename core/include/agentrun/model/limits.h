#pragma once

#include "agentrun/error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace agentrun::model {

/// Resource limits of one run. Defaults are what a snippet of LLM code normally needs.
struct Limits
{
    double timeoutSeconds = 30.0;               ///< wall clock, 0.1 .. 3600
    std::int64_t memoryBytes = 256ll << 20;     ///< 16 MiB .. 64 GiB
    std::int64_t memorySwapBytes = 256ll << 20; ///< memory+swap; equal to memory = no swap
    double cpus = 1.0;                          ///< 0.05 .. 64
    std::int64_t pids = 128;                    ///< 8 .. 32768
    std::int64_t outputLimitBytes = 1ll << 20;  ///< per stream, 1 KiB .. 256 MiB
    std::int64_t tmpfsBytes = 64ll << 20;       ///< /tmp size, 1 MiB .. below memory
    std::string network = "none";               ///< none | allow (allowHosts only) | bridge ("open")
    std::string runtime = "runc";               ///< runc | runsc
    /// network "allow": the hosts the run may reach through the egress proxy, each "name[:port]" or
    /// "*.name[:port]" (model/network.h), normalised (lower case, sorted, no duplicates).
    std::vector<std::string> allowHosts;
    std::int64_t networkBytes = 64ll << 20; ///< bytes in + out a run may move on its network, 1 KiB .. 16 GiB

    bool operator==(const Limits&) const = default;
};

/// Checks every field; the error's code names the field (`limits.memory`) and the message gives the
/// accepted range.
Result<void> validate(const Limits& limits);

/// Sizes /tmp from the memory limit when the caller did not choose it: a quarter of memory when that is
/// less than the current size (tmpfs counts against memory; the default 64 MiB would not fit a 64 MiB
/// limit). At least 1 MiB.
void fitTmpfsToMemory(Limits& limits);

/// Parses sizes like "256m", "1g", "512k", "1048576" (binary units). Errors name `field`.
Result<std::int64_t> parseSize(std::string_view text, std::string_view field);

/// "256 MiB", "1.5 GiB", "512 B".
std::string formatSize(std::int64_t bytes);

} // namespace agentrun::model
