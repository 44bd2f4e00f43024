#include "agentrun/history/historytext.h"

#include "agentrun/model/limits.h"
#include "agentrun/model/runresult.h"

#include <array>
#include <optional>

namespace agentrun::history {

namespace {

/// The statuses in which the program never started: nothing to measure.
bool neverRan(std::string_view status)
{
    using model::Status;
    static constexpr std::array notRun = {model::Status::Blocked, model::Status::DependencyRejected,
                                          model::Status::InstallFailed, model::Status::InvalidRequest};
    for (const model::Status s : notRun) {
        if (model::toString(s) == status) {
            return true;
        }
    }
    return false;
}

} // namespace

std::optional<model::Status> parseStatus(std::string_view status)
{
    using model::Status;
    static constexpr std::array all = {model::Status::Ok,
                                       model::Status::Exception,
                                       model::Status::Blocked,
                                       model::Status::DependencyRejected,
                                       model::Status::InstallFailed,
                                       model::Status::Timeout,
                                       model::Status::OutOfMemory,
                                       model::Status::Killed,
                                       model::Status::OutputLimit,
                                       model::Status::NetworkLimit,
                                       model::Status::Cancelled,
                                       model::Status::EngineError,
                                       model::Status::InvalidRequest};
    for (const model::Status s : all) {
        if (model::toString(s) == status) {
            return s;
        }
    }
    return std::nullopt;
}

int cliExitStatus(std::string_view status, int exitCode)
{
    const auto parsed = parseStatus(status);
    // A status written by a newer version: its own code is all there is.
    return parsed ? model::cliExitStatus(*parsed, exitCode) : exitCode;
}

std::string describePeakMemory(std::string_view status, std::int64_t peakMemoryBytes)
{
    if (peakMemoryBytes > 0) {
        return model::formatSize(peakMemoryBytes) + " peak";
    }
    if (neverRan(status)) {
        return "none (the program did not run)";
    }
    return "not measured (the sandbox was stopped before it reported its peak)";
}

} // namespace agentrun::history
