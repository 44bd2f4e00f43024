#pragma once

#include "commandline.h"

#include "agentrun/run/limits.h"

#include <optional>
#include <string>

namespace agentrun::cli {

/// The limit options `run` (and `serve`, for its defaults) share, as typed: applied onto a starting
/// value (the defaults or a profile) only when given, so a profile's limits survive unless overridden.
struct LimitFlags
{
    std::optional<std::string> timeout;
    std::optional<std::string> memory;
    std::optional<std::string> memorySwap;
    std::optional<std::string> cpus;
    std::optional<std::string> pids;
    std::optional<std::string> outputLimit;
    std::optional<std::string> tmpfsSize;
    std::optional<std::string> network;
    std::optional<std::string> runtime;
};

/// Declares --timeout (-t), --memory (-m), --memory-swap, --cpus, --pids, --output-limit, --tmpfs-size,
/// --network, --runtime on `command`, in the group "Limits".
void addLimitFlags(CLI::App& command, LimitFlags& flags);

/// Applies the given flags onto `limits`: every number is checked for its range before it is converted,
/// swap follows memory and /tmp is sized from memory unless given, then every limit is validated.
/// False (and "agentrun: <option and its range>" printed) on a bad value.
bool applyLimitFlags(const LimitFlags& flags, run::Limits& limits);

/// A whole string as a finite number.
bool parseNumber(const std::string& text, double& out);

} // namespace agentrun::cli
