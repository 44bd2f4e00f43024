#pragma once

#include "commandline.h"

#include "agentrun/run/admission.h"
#include "agentrun/model/limits.h"

#include <optional>
#include <string>
#include <vector>

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
    std::vector<std::string> allowHosts; ///< --allow-host, repeatable
    std::optional<std::string> networkBytes;
};

/// Declares --timeout (-t), --memory (-m), --memory-swap, --cpus, --pids, --output-limit, --tmpfs-size,
/// --network, --allow-host, --network-bytes, --runtime on `command`, in the group "Limits".
void addLimitFlags(CLI::App& command, LimitFlags& flags);

/// Applies the given flags onto `limits`: every number is checked for its range before it is converted,
/// swap follows memory and /tmp is sized from memory unless given, then every limit is validated.
/// False (and "agentrun: <option and its range>" printed) on a bad value.
bool applyLimitFlags(const LimitFlags& flags, model::Limits& limits);

/// The ceilings of `serve` (the most one request may ask for), as typed.
struct CeilingFlags
{
    std::optional<std::string> timeout;
    std::optional<std::string> memory;
    std::optional<std::string> cpus;
    std::optional<std::string> pids;
    std::optional<std::string> outputLimit;
    std::optional<std::string> tmpfsSize;
};

/// Declares --max-timeout, --max-memory, --max-cpus, --max-pids, --max-output-limit, --max-tmpfs-size
/// in the group "Ceilings".
void addCeilingFlags(CLI::App& command, CeilingFlags& flags);

/// Applies the given ceilings onto `ceilings` (the host's defaults); false and the error printed on a
/// bad value.
bool applyCeilingFlags(const CeilingFlags& flags, run::Ceilings& ceilings);

/// Checks the ceilings and fits the server's default limits under them: a default given on the command
/// line above its ceiling is an error (both were asked for), one not given is lowered. False (and the
/// error printed) on a conflict.
bool fitDefaultsToCeilings(model::Limits& limits, const LimitFlags& given, const run::Ceilings& ceilings);

/// A whole string as a finite number.
bool parseNumber(const std::string& text, double& out);

} // namespace agentrun::cli
