#include "agentrun/run/limitsuggestions.h"

#include "agentrun/errorcodes.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace agentrun::run {

namespace {

using Direction = LimitSuggestion::Direction;

constexpr std::int64_t MemoryStep = 16ll << 20;
constexpr std::int64_t MinMemory = 16ll << 20;
constexpr std::int64_t MaxMemory = 64ll << 30;
constexpr double CpuStep = 0.05;
constexpr double MinSuggestedCpus = 0.25;
constexpr double MaxCpus = 64;
constexpr double MinSuggestedTimeout = 5;
constexpr double MaxTimeout = 3600;
constexpr std::int64_t MinSuggestedPids = 32;
constexpr std::int64_t MaxPids = 32768;
/// Below this wall time the CPU share says little (the interpreter's start is most of it), unless the
/// cgroup counted throttling.
constexpr double MinCpuWallSeconds = 0.5;
/// Held at the CPU limit when throttling is not known: CPU time at least this share of cpus × wall.
constexpr double HeldShare = 0.9;
/// A lower limit is only worth suggesting when it is at most this share of the current one.
constexpr double WorthLowering = 1.0 - HeadroomToKeep;

/// The program ran (there is something to measure).
bool ran(model::Status status)
{
    using model::Status;
    return status != Status::Blocked && status != Status::DependencyRejected &&
           status != Status::InstallFailed && status != Status::InvalidRequest &&
           status != Status::EngineError;
}

std::string number(double value, const char* format)
{
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, format, value);
    return buffer;
}

std::string secondsText(double seconds)
{
    return number(seconds, seconds < 1 ? "%.2f s" : "%.1f s");
}

std::string cpusText(double cpus)
{
    return number(cpus, "%g");
}

int percent(double used, double limit)
{
    return limit > 0 ? static_cast<int>(std::lround(100.0 * used / limit)) : 0;
}

std::int64_t roundUpMemory(double bytes)
{
    const auto wanted = static_cast<std::int64_t>(std::ceil(bytes));
    const std::int64_t rounded = (wanted + MemoryStep - 1) / MemoryStep * MemoryStep;
    return std::clamp(rounded, MinMemory, MaxMemory);
}

double roundUpCpus(double cpus)
{
    // Steps of 0.05, computed in hundredths so that 0.1 × 1.5 does not become 0.2 by a rounding error.
    const double hundredths = std::ceil(cpus * 100.0 - 1e-6);
    const double steps = std::ceil(hundredths / (CpuStep * 100.0) - 1e-9);
    return std::clamp(steps * CpuStep, CpuStep, MaxCpus);
}

double roundUpSeconds(double seconds)
{
    return std::clamp(std::ceil(seconds - 1e-9), 1.0, MaxTimeout);
}

std::int64_t roundUpPids(double pids)
{
    const auto wanted = static_cast<std::int64_t>(std::ceil(pids));
    return std::clamp((wanted + 7) / 8 * 8, std::int64_t{8}, MaxPids);
}

/// Adds a suggestion unless it changes nothing (or a lower value is barely lower).
void add(std::vector<LimitSuggestion>& out, LimitField field, Direction direction, double current,
         double suggested, std::string reason)
{
    if (direction == Direction::Raise && suggested <= current) {
        return;
    }
    if (direction == Direction::Lower && suggested > current * WorthLowering) {
        return;
    }
    out.push_back({field, direction, current, suggested, std::move(reason)});
}

void suggestMemory(const std::vector<RunUsage>& runs, std::vector<LimitSuggestion>& out)
{
    const std::int64_t current = runs.front().limits.memoryBytes;
    // What the runs needed: their peaks, and at least the limit of a run that ran out of memory.
    double used = 0;
    bool hit = false;
    std::int64_t hitPeak = 0;
    for (const RunUsage& run : runs) {
        if (!ran(run.status)) {
            continue;
        }
        if (run.status == model::Status::OutOfMemory) {
            used = std::max(used, static_cast<double>(run.limits.memoryBytes));
            if (run.limits.memoryBytes >= current) {
                hit = true;
                hitPeak = std::max(hitPeak, run.peakMemoryBytes);
            }
        }
        used = std::max(used, static_cast<double>(run.peakMemoryBytes));
    }
    const auto size = [](double bytes) { return model::formatSize(static_cast<std::int64_t>(bytes)); };
    if (hit) {
        const std::int64_t suggested =
            std::max(roundUpMemory(used * 1.5), roundUpMemory(static_cast<double>(current) * 2));
        add(out, LimitField::Memory, Direction::Raise, static_cast<double>(current),
            static_cast<double>(suggested),
            "Ran out of memory at the limit of " + size(current) +
                (hitPeak > 0 ? " (peak " + size(static_cast<double>(hitPeak)) + ")" : std::string()) +
                ": raise it to " + size(static_cast<double>(suggested)) + ".");
        return;
    }
    if (used <= 0 || current <= 0) {
        return; // nothing measured
    }
    const double share = used / static_cast<double>(current);
    if (share > 1.0 - HeadroomToKeep + 1e-9) {
        const std::int64_t suggested = roundUpMemory(used * 1.5);
        add(out, LimitField::Memory, Direction::Raise, static_cast<double>(current),
            static_cast<double>(suggested),
            "Peaked at " + size(used) + " of " + size(current) + " (" +
                std::to_string(percent(used, static_cast<double>(current))) + " %), less than " +
                std::to_string(percent(HeadroomToKeep, 1)) + " % headroom: " + size(suggested) +
                " leaves a third.");
    } else if (share < LowerBelowShare) {
        const std::int64_t suggested = roundUpMemory(used * 1.5);
        add(out, LimitField::Memory, Direction::Lower, static_cast<double>(current),
            static_cast<double>(suggested),
            "Peaked at " + size(used) + " of " + size(current) + " (" +
                std::to_string(percent(used, static_cast<double>(current))) + " %): " + size(suggested) +
                " is enough with a third to spare.");
    }
}

void suggestTimeout(const std::vector<RunUsage>& runs, std::vector<LimitSuggestion>& out)
{
    const double current = runs.front().limits.timeoutSeconds;
    double used = 0;
    bool hit = false;
    for (const RunUsage& run : runs) {
        if (!ran(run.status)) {
            continue;
        }
        if (run.status == model::Status::Timeout) {
            used = std::max(used, run.limits.timeoutSeconds);
            hit = hit || run.limits.timeoutSeconds >= current;
        } else {
            used = std::max(used, run.wallSeconds);
        }
    }
    if (hit) {
        const double suggested = roundUpSeconds(std::max(current * 2, used * 1.5));
        add(out, LimitField::Timeout, Direction::Raise, current, suggested,
            "Timed out after " + secondsText(current) + ": raise the timeout to " + secondsText(suggested) +
                " if the code needs longer.");
        return;
    }
    if (used <= 0 || current <= 0) {
        return;
    }
    const double share = used / current;
    if (share > 1.0 - HeadroomToKeep + 1e-9) {
        const double suggested = roundUpSeconds(used * 1.5);
        add(out, LimitField::Timeout, Direction::Raise, current, suggested,
            "Ran " + secondsText(used) + " of its " + secondsText(current) + " (" +
                std::to_string(percent(used, current)) +
                " %), close to the timeout: " + secondsText(suggested) + " leaves a third.");
    } else if (share < LowerBelowShare) {
        const double suggested = std::max(MinSuggestedTimeout, roundUpSeconds(used * 3));
        add(out, LimitField::Timeout, Direction::Lower, current, suggested,
            "Ran " + secondsText(used) + " of its " + secondsText(current) + ": a timeout of " +
                secondsText(suggested) + " stops a runaway sooner.");
    }
}

void suggestCpus(const std::vector<RunUsage>& runs, std::vector<LimitSuggestion>& out)
{
    const double current = runs.front().limits.cpus;
    double used = 0; // CPUs used on average, the most of any run
    bool hit = false;
    std::string held;
    for (const RunUsage& run : runs) {
        if (!ran(run.status) || run.wallSeconds <= 0) {
            continue;
        }
        if (run.wallSeconds < MinCpuWallSeconds && run.throttledSeconds <= 0) {
            continue; // too short to tell
        }
        const double share = run.cpuSeconds / run.wallSeconds;
        used = std::max(used, share);
        if (run.limits.cpus < current) {
            continue; // held back by a lower limit than the current one: says nothing about it
        }
        const bool throttled = run.throttledSeconds >= 0
                                   ? run.throttledSeconds >= ThrottledShare * run.wallSeconds
                                   : run.cpuSeconds >= HeldShare * run.limits.cpus * run.wallSeconds;
        if (throttled && !hit) {
            hit = true;
            held = run.throttledSeconds >= 0
                       ? describeThrottling(run.throttledSeconds, run.wallSeconds, run.limits.cpus)
                       : "Held at its CPU limit of " + cpusText(run.limits.cpus) + ": " +
                             secondsText(run.cpuSeconds) + " of CPU in " + secondsText(run.wallSeconds) +
                             " wall";
        }
    }
    if (hit) {
        if (!held.empty()) {
            held[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(held[0])));
        }
        const double suggested = roundUpCpus(std::max(current * 2, used * 1.5));
        add(out, LimitField::Cpus, Direction::Raise, current, suggested,
            held + "; " + cpusText(suggested) + " CPUs let it run faster.");
        return;
    }
    if (used <= 0 || current <= 0) {
        return;
    }
    const double share = used / current;
    if (share > 1.0 - HeadroomToKeep + 1e-9) {
        const double suggested = roundUpCpus(used * 1.5);
        add(out, LimitField::Cpus, Direction::Raise, current, suggested,
            "Used " + cpusText(std::round(used * 100) / 100) + " of its " + cpusText(current) + " CPUs (" +
                std::to_string(percent(used, current)) + " %), close to the limit: " + cpusText(suggested) +
                " CPUs leave a third.");
    } else if (share < LowerBelowShare) {
        const double suggested = std::max(MinSuggestedCpus, roundUpCpus(used * 1.5));
        add(out, LimitField::Cpus, Direction::Lower, current, suggested,
            "Used " + cpusText(std::round(used * 100) / 100) + " of its " + cpusText(current) + " CPUs (" +
                std::to_string(percent(used, current)) + " %): " + cpusText(suggested) + " CPUs are enough.");
    }
}

void suggestPids(const std::vector<RunUsage>& runs, std::vector<LimitSuggestion>& out)
{
    const auto current = static_cast<double>(runs.front().limits.pids);
    double used = 0;
    bool hit = false;
    for (const RunUsage& run : runs) {
        if (!ran(run.status)) {
            continue;
        }
        if (run.pidsLimitHit) {
            used = std::max(used, static_cast<double>(run.limits.pids));
            hit = hit || static_cast<double>(run.limits.pids) >= current;
        }
        used = std::max(used, static_cast<double>(run.peakPids));
    }
    const auto count = [](double pids) { return std::to_string(static_cast<std::int64_t>(pids)); };
    if (hit) {
        const auto suggested = static_cast<double>(std::min(MaxPids, roundUpPids(current * 2)));
        add(out, LimitField::Pids, Direction::Raise, current, suggested,
            "Reached the process limit of " + count(current) +
                ": the program could not start more processes or threads; raise it to " + count(suggested) +
                ".");
        return;
    }
    if (used <= 0 || current <= 0) {
        return;
    }
    const double share = used / current;
    if (share > 1.0 - HeadroomToKeep + 1e-9) {
        const auto suggested = static_cast<double>(roundUpPids(used * 1.5));
        add(out, LimitField::Pids, Direction::Raise, current, suggested,
            "Up to " + count(used) + " of " + count(current) + " processes (" +
                std::to_string(percent(used, current)) + " %), close to the limit: " + count(suggested) +
                " leave a third.");
    } else if (share < LowerBelowShare) {
        const auto suggested = static_cast<double>(std::max(MinSuggestedPids, roundUpPids(used * 1.5)));
        add(out, LimitField::Pids, Direction::Lower, current, suggested,
            "Up to " + count(used) + " of " + count(current) + " processes: " + count(suggested) +
                " are enough.");
    }
}

} // namespace

std::string_view toString(LimitField field)
{
    switch (field) {
    case LimitField::Memory:
        return "memory";
    case LimitField::Cpus:
        return "cpus";
    case LimitField::Timeout:
        return "timeout";
    case LimitField::Pids:
        return "pids";
    }
    return "memory";
}

RunUsage usageOf(const model::RunResult& result, const model::Limits& limits)
{
    RunUsage usage;
    usage.status = result.status;
    usage.limits = limits;
    usage.peakMemoryBytes = result.peakMemoryBytes;
    usage.cpuSeconds = result.cpuSeconds;
    usage.wallSeconds = result.durations.runMs / 1000.0;
    // Sampled runs know their throttling (0 included); a run too short to sample does not.
    usage.throttledSeconds =
        result.throttledSeconds > 0 || result.peakPids > 0 ? result.throttledSeconds : -1;
    usage.peakPids = result.peakPids;
    usage.pidsLimitHit = result.errorCode == errc::RunPidsLimit;
    return usage;
}

std::vector<LimitSuggestion> suggestLimits(const std::vector<RunUsage>& runs)
{
    std::vector<LimitSuggestion> out;
    if (runs.empty()) {
        return out;
    }
    suggestMemory(runs, out);
    suggestCpus(runs, out);
    suggestTimeout(runs, out);
    suggestPids(runs, out);
    return out;
}

std::string describeThrottling(double throttledSeconds, double wallSeconds, double cpus)
{
    if (throttledSeconds <= 0 || wallSeconds <= 0) {
        return {};
    }
    return "throttled for " + secondsText(throttledSeconds) + " of " + secondsText(wallSeconds) +
           " wall (CPU limit " + cpusText(cpus) + ")";
}

} // namespace agentrun::run
