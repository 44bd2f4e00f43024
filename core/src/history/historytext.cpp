#include "agentrun/history/historytext.h"

#include "agentrun/run/limits.h"
#include "agentrun/run/runresult.h"

#include <array>
#include <optional>

namespace agentrun::history {

namespace {

/// The statuses in which the program never started: nothing to measure.
bool neverRan(std::string_view status)
{
    using run::Status;
    static constexpr std::array notRun = {Status::Blocked, Status::DependencyRejected, Status::InstallFailed,
                                          Status::InvalidRequest};
    for (const Status s : notRun) {
        if (run::toString(s) == status) {
            return true;
        }
    }
    return false;
}

} // namespace

std::optional<run::Status> parseStatus(std::string_view status)
{
    using run::Status;
    static constexpr std::array all = {Status::Ok,
                                       Status::Exception,
                                       Status::Blocked,
                                       Status::DependencyRejected,
                                       Status::InstallFailed,
                                       Status::Timeout,
                                       Status::OutOfMemory,
                                       Status::Killed,
                                       Status::OutputLimit,
                                       Status::Cancelled,
                                       Status::EngineError,
                                       Status::InvalidRequest};
    for (const Status s : all) {
        if (run::toString(s) == status) {
            return s;
        }
    }
    return std::nullopt;
}

int cliExitStatus(std::string_view status, int exitCode)
{
    const auto parsed = parseStatus(status);
    // A status written by a newer version: its own code is all there is.
    return parsed ? run::cliExitStatus(*parsed, exitCode) : exitCode;
}

std::string describePeakMemory(std::string_view status, std::int64_t peakMemoryBytes)
{
    if (peakMemoryBytes > 0) {
        return run::formatSize(peakMemoryBytes) + " peak";
    }
    if (neverRan(status)) {
        return "none (the program did not run)";
    }
    return "not measured (the sandbox was stopped before it reported its peak)";
}

} // namespace agentrun::history
