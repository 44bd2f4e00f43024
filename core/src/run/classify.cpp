#include "run/classify.h"

#include "agentrun/errorcodes.h"
#include "agentrun/jsonfield.h"

#include <cctype>
#include <csignal>
#include <cstdio>
#include <string_view>

namespace agentrun::run {

namespace {

std::string seconds(double value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", value);
    return buffer;
}

/// Whether a line reads like Python's last traceback line: "Name" or "Name: message", Name dotted.
bool namesAnException(std::string_view line)
{
    std::size_t i = 0;
    while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_' ||
                               (line[i] == '.' && i > 0))) {
        ++i;
    }
    return i > 0 && !std::isdigit(static_cast<unsigned char>(line[0])) &&
           (i == line.size() || line[i] == ':');
}

/// The line that names the exception: the last one of stderr that reads like one (several processes
/// printing at once, as in a fork bomb, interleave their tracebacks; notes follow the exception line);
/// the last line when none does.
std::string exceptionLine(std::string_view text)
{
    std::string_view found;
    while (!text.empty()) {
        const std::size_t start = text.find_last_of('\n');
        std::string_view line = start == std::string_view::npos ? text : text.substr(start + 1);
        text = start == std::string_view::npos ? std::string_view() : text.substr(0, start);
        while (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty()) {
            continue;
        }
        if (namesAnException(line)) {
            found = line;
            break;
        }
        if (found.empty()) {
            found = line; // the last line, unless an earlier one names the exception
        }
    }
    std::string out(found.substr(0, 200));
    return found.size() > 200 ? out + "…" : out;
}

} // namespace

std::string signalName(int signal)
{
    switch (signal) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGABRT:
        return "SIGABRT";
    case SIGKILL:
        return "SIGKILL";
    case SIGTERM:
        return "SIGTERM";
    case SIGBUS:
        return "SIGBUS";
    case SIGFPE:
        return "SIGFPE";
    case SIGILL:
        return "SIGILL";
    case SIGINT:
        return "SIGINT";
    case SIGPIPE:
        return "SIGPIPE";
    case SIGXFSZ:
        return "SIGXFSZ";
    case SIGXCPU:
        return "SIGXCPU";
    case SIGHUP:
        return "SIGHUP";
    default:
        return "signal " + std::to_string(signal);
    }
}

std::string blockedMessage(const safety::Report& report)
{
    for (const auto& finding : report.findings) {
        if (finding.severity == safety::Severity::Block) {
            return "Blocked by the safety check: " + finding.message + " (line " +
                   std::to_string(finding.line) + "). Nothing was run.";
        }
    }
    return "Blocked by the safety check. Nothing was run.";
}

Classification classify(Ending ending, const std::optional<nlohmann::json>& report,
                        const sandbox::SandboxState* state, int containerExitCode,
                        const model::Limits& limits, const model::RunResult& partial)
{
    // The engine's flag when the container has stopped; the agent's count of OOM kills in the sandbox's
    // memory cgroup when the run ended at its report (the container is still winding down then).
    const bool oomKilled =
        (state && state->oomKilled) || (report && json::integerField(*report, "signal") == SIGKILL &&
                                        json::integerField(*report, "oom_kills") > 0);
    switch (ending) {
    case Ending::Timeout:
        return {model::Status::Timeout, containerExitCode,
                "Execution timed out after " + seconds(limits.timeoutSeconds) +
                    " s: the sandbox was stopped. Raise the timeout if the code needs longer.",
                errc::RunTimeout};
    case Ending::Cancelled:
        return {model::Status::Cancelled, containerExitCode,
                "The run was cancelled: the sandbox was stopped.", errc::RunCancelled};
    case Ending::OutputLimit: {
        const std::string stream = partial.stdoutTruncated ? "stdout" : "stderr";
        return {model::Status::OutputLimit, containerExitCode,
                "Output limit reached: the program wrote more than " +
                    model::formatSize(limits.outputLimitBytes) + " to " + stream +
                    " and was stopped; the output before the cut is kept.",
                errc::RunOutputLimit};
    }
    case Ending::Exited:
        break;
    }
    if (oomKilled) {
        return {model::Status::OutOfMemory, 137,
                "Out of memory: the program needed more than the memory limit of " +
                    model::formatSize(limits.memoryBytes) +
                    " (files in /tmp count too) and was killed. Raise the memory limit if that is expected.",
                errc::RunOutOfMemory};
    }
    if (!report) {
        return {model::Status::Killed, containerExitCode,
                "The sandbox stopped before the program finished (container exit " +
                    std::to_string(containerExitCode) + "): it was killed from outside.",
                errc::RunKilled};
    }
    const int exitCode = static_cast<int>(json::integerField(*report, "exit", -1));
    const int signal = static_cast<int>(json::integerField(*report, "signal"));
    if (signal != 0) {
        const std::string name = signalName(signal);
        const bool crash = signal == SIGSEGV || signal == SIGBUS || signal == SIGILL || signal == SIGFPE ||
                           signal == SIGABRT;
        return {model::Status::Killed, exitCode,
                crash ? "The program crashed (" + name + ")." : "The program was killed by " + name + ".",
                crash ? errc::RunCrashed : errc::RunKilled};
    }
    if (exitCode == 0) {
        return {model::Status::Ok, 0, {}, {}};
    }
    const int pidsHits = static_cast<int>(json::integerField(*report, "pids_limit_hits"));
    const std::string pidsNote = pidsHits > 0 ? " The process limit (" + std::to_string(limits.pids) +
                                                    ") was reached " + std::to_string(pidsHits) +
                                                    (pidsHits == 1 ? " time" : " times") +
                                                    ": the program could not start more processes or threads."
                                              : std::string();
    const std::string line = exceptionLine(partial.stderrData);
    if (partial.stderrData.find("Traceback (most recent call last)") != std::string::npos && !line.empty()) {
        return {model::Status::Exception, exitCode,
                "The program raised " + line + (pidsHits > 0 ? "." + pidsNote : ""),
                pidsHits > 0 ? errc::RunPidsLimit : errc::RunException};
    }
    return {model::Status::Exception, exitCode,
            "The program exited with status " + std::to_string(exitCode) + "." + pidsNote,
            pidsHits > 0 ? errc::RunPidsLimit : errc::RunExitStatus};
}

} // namespace agentrun::run
