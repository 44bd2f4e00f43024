#pragma once

#include "agentrun/model/limits.h"
#include "agentrun/model/runresult.h"
#include "agentrun/sandbox/sandboxengine.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace agentrun::run {

/// Why the host stopped reading, if it stopped the run itself.
enum class Ending
{
    Exited,
    Timeout,
    Cancelled,
    OutputLimit
};

struct Classification
{
    model::Status status = model::Status::EngineError;
    int exitCode = -1;
    std::string message;
    std::string code;
};

/// Decides the status of a finished run from what the host did, the agent's report (trusted: it
/// carries the run's nonce) and the engine's record of the sandbox (its OOM flag).
Classification classify(Ending ending, const std::optional<nlohmann::json>& report,
                        const sandbox::SandboxState* state, int containerExitCode,
                        const model::Limits& limits, const model::RunResult& partial);

/// "Blocked by the safety check: `os.system` runs a shell command (line 2)."
std::string blockedMessage(const safety::Report& report);

/// "SIGSEGV" for 11, "signal 64" for unknown ones.
std::string signalName(int signal);

} // namespace agentrun::run
