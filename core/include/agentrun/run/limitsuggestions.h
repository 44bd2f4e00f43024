#pragma once

#include "agentrun/model/limits.h"
#include "agentrun/model/runresult.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::run {

/// The limits a suggestion can be about (their names are the JSON names, model/runspecjson.h).
enum class LimitField
{
    Memory,  ///< bytes
    Cpus,    ///< CPUs
    Timeout, ///< seconds
    Pids     ///< processes
};
std::string_view toString(LimitField field); ///< "memory", "cpus", "timeout", "pids"

/// What one run used, as the suggestions read it. A front end fills it from a RunResult (usageOf) or a
/// history row; 0 (or a negative throttled time) means "not measured", never "used nothing".
struct RunUsage
{
    model::Status status = model::Status::Ok;
    model::Limits limits;
    std::int64_t peakMemoryBytes = 0;
    double cpuSeconds = 0;
    double wallSeconds = 0;       ///< the program's run time
    double throttledSeconds = -1; ///< CPU time held back by the CPU limit; < 0: not known
    std::int64_t peakPids = 0;
    bool pidsLimitHit = false; ///< the program could not start a process or thread (run.pids_limit)
};

/// The usage of a finished run under `limits` (the limits it ran with).
RunUsage usageOf(const model::RunResult& result, const model::Limits& limits);

struct LimitSuggestion
{
    enum class Direction
    {
        Raise,
        Lower
    };
    LimitField field = LimitField::Memory;
    Direction direction = Direction::Raise;
    double current = 0;   ///< in the field's unit: bytes, CPUs, seconds, processes
    double suggested = 0; ///< within the field's accepted range (model::validate)
    std::string reason;   ///< one sentence for a person: what the runs used and why this value
};

/// A limit may be lowered when the runs used less than this share of it.
inline constexpr double LowerBelowShare = 0.25;
/// A limit that passed with at least this much headroom (1 - used / limit) is never raised.
inline constexpr double HeadroomToKeep = 0.30;
/// A run counts as held back by its CPU limit when it was throttled for at least this share of its wall
/// time (or, throttling unknown, when its CPU time reached 90 % of cpus × wall).
inline constexpr double ThrottledShare = 0.10;

/// Suggestions for the memory, CPU, timeout and process limits from what `runs` used: one run (the last)
/// or the last few runs of the same code, newest first. The current limits are the newest run's; an older
/// run counts for a limit only when it ran with at most the current value of that limit (a run that ran
/// out of memory at 64 MiB says nothing about 256 MiB). Per field, at most one suggestion:
///
/// - a limit that was hit is raised: out of memory → memory, timeout → timeout, throttled → CPUs, the
///   process limit reached → pids;
/// - a limit that passed with less than HeadroomToKeep of headroom is raised; one that passed with at
///   least that much is never raised;
/// - a limit far above use (below LowerBelowShare of it) is lowered to what was used with headroom;
/// - nothing measured, nothing suggested (a blocked run, a run too short to sample).
///
/// Values are rounded to steps a person would type (memory to 16 MiB, CPUs to 0.05, the timeout to whole
/// seconds) and kept within the accepted ranges; a suggestion equal to the current value is left out.
std::vector<LimitSuggestion> suggestLimits(const std::vector<RunUsage>& runs);

/// "throttled for 1.6 s of 2.0 s wall (CPU limit 0.5)"; empty when the run was not throttled (or it is
/// not known).
std::string describeThrottling(double throttledSeconds, double wallSeconds, double cpus);

} // namespace agentrun::run
