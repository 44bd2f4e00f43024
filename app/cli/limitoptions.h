#pragma once

#include "args.h"
#include "limitflags.h"

#include "agentrun/run/admission.h"
#include "agentrun/run/limits.h"

#include <string>

namespace agentrun::cli {

/// What the shared limit options saw, for the rules that tie them together.
struct LimitOptionsSeen
{
    bool memory = false;
    bool memorySwap = false;
};

enum class OptionResult
{
    NotMine,
    Taken,
    Failed
};

/// Offers the current argument to the limit options that `run` and `serve` share (--timeout,
/// --memory, --memory-swap, --cpus, --pids, --output-limit, --tmpfs-size, --network, --runtime).
/// On a bad value it prints the error (naming the option and its range) and returns Failed.
OptionResult parseLimitOption(Args& args, run::Limits& limits, LimitOptionsSeen& seen);

/// Swap follows memory when only memory was given, then every limit is validated; false (and the
/// error printed) when one is out of range.
bool finishLimits(run::Limits& limits, const LimitOptionsSeen& seen);

/// Offers the current argument to the ceiling options of `serve` (--max-timeout, --max-memory,
/// --max-cpus, --max-pids, --max-output-limit, --max-tmpfs-size).
OptionResult parseCeilingOption(Args& args, run::Ceilings& ceilings);

/// Checks the ceilings and fits the server's default limits under them: a default given on the command
/// line above its ceiling is an error (both were asked for), one not given is lowered. False (and the
/// error printed) on a conflict.
bool fitDefaultsToCeilings(run::Limits& limits, const run::Ceilings& ceilings);

} // namespace agentrun::cli
