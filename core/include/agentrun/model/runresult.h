#pragma once

#include "agentrun/model/files.h"
#include "agentrun/model/network.h"
#include "agentrun/model/session.h"

#include "agentrun/safety/finding.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::model {

enum class Status
{
    Ok,
    Exception,
    Blocked,
    DependencyRejected,
    InstallFailed,
    Timeout,
    OutOfMemory,
    Killed,
    OutputLimit,
    NetworkLimit, ///< moved more than limits.networkBytes over its network
    Cancelled,
    EngineError,
    InvalidRequest,
};

std::string_view toString(Status status); ///< "ok", "out_of_memory", … as in docs/cli.md

/// Exit status of `agentrun run` for a result (docs/cli.md, "Exit status").
int cliExitStatus(Status status, int programExitCode);

enum class Stream
{
    Stdout,
    Stderr
};

struct Durations
{
    double checkMs = 0;
    double installMs = 0;
    double runMs = 0;
    double totalMs = 0;
};

/// An image the run produced (a matplotlib figure, or an image saved under /tmp/outputs/): it travels
/// inline on stdout as a marker line (resources/agent/agentrun_figures.py) that the output collector
/// takes out of the text (sandbox/figures.h).
struct Figure
{
    std::string mime = "image/png";
    int width = 0;                 ///< from the PNG header
    int height = 0;                ///< from the PNG header
    std::string bytes;             ///< the raw image file
    std::int64_t stdoutOffset = 0; ///< where in stdoutData it appeared (bytes of text before it)
};

struct RunResult
{
    Status status = Status::EngineError;
    int exitCode = -1;
    std::string stdoutData;
    std::string stderrData;
    std::string output;    ///< stdout and stderr interleaved in arrival order
    std::string message;   ///< one sentence for a person, empty when ok
    std::string errorCode; ///< stable code of the failure (engine.unreachable, limits.memory, …)
    std::vector<safety::Finding> findings;
    std::vector<std::string> packages;
    Durations durations;
    std::int64_t peakMemoryBytes = 0;
    double cpuSeconds = 0;
    /// CPU time the cgroup's CPU limit held the run back (cgroup cpu.stat throttled time, or the stats
    /// API's throttling_data), as last sampled; 0: never throttled, or not sampled (a run under 150 ms).
    double throttledSeconds = 0;
    std::int64_t peakPids = 0; ///< the most processes sampled at once; 0: not sampled
    bool stdoutTruncated = false;
    bool stderrTruncated = false;
    std::string image;
    std::string runId;
    CollectedFiles files;                 ///< when the request asked for files (RunSpec::collect)
    std::optional<SessionRun> session;    ///< when it ran in a session (RunSpec::sessionId)
    std::vector<Figure> figures;          ///< in the order the run produced them
    std::vector<std::string> figureNotes; ///< figures dropped (not a PNG, over a cap), in words
    std::vector<Connection> connections;  ///< network allow: what the egress proxy saw, in order
    std::int64_t networkBytes = 0;        ///< bytes in + out on the sandbox's network (allow, bridge)
};

} // namespace agentrun::model
