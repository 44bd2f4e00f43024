#pragma once

// The stages of Executor::run, in the order it runs them (docs/design.md, "A run, stage by stage"):
// check → resolve and install (run/dependencies.h) → acquire a container → stream (run/livestream.h)
// → read the engine's record → collect files → release the container → classify. Each stage that can
// end the run returns a RunEnd; Executor::run turns it into the result.

#include "agentrun/engine/client.h"
#include "agentrun/errorcodes.h"
#include "agentrun/run/executor.h"
#include "agentrun/safety/finding.h"
#include "agentrun/sandbox/egressproxy.h"
#include "agentrun/sandbox/pool.h"
#include "run/dependencies.h"

#include <expected>
#include <optional>
#include <string>
#include <vector>

namespace agentrun::run {

class LiveRun;

/// How a run ends (its status and why), when a stage decides it.
struct RunEnd
{
    model::Status status = model::Status::EngineError;
    std::string message;
    std::string code;
};

/// An engine error that ends the run: its message and code as they are.
inline RunEnd engineFailure(const Error& error)
{
    return {model::Status::EngineError, error.message, error.code};
}

/// The byte cap of a networked run ended it (run/networkmeter.h counted `bytes`).
inline RunEnd networkLimitReached(std::int64_t bytes, std::int64_t cap)
{
    return {model::Status::NetworkLimit,
            "The run moved " + model::formatSize(bytes) + " over its network, more than its cap of " +
                model::formatSize(cap) + ", and was stopped.",
            errc::RunNetworkLimit};
}

// Check (check.cpp)

/// The request alone: its limits, its collect request and the size of its stdin.
std::optional<RunEnd> validateRequest(const model::RunSpec& request);

/// The policy and the static check of the code; nothing starts when it blocks. Fills result.findings and
/// result.durations.checkMs and shows the findings to the observer. Returns the report (the installer
/// reads its imports).
std::expected<safety::Report, RunEnd> checkCode(const model::RunSpec& request, model::RunResult& result,
                                                RunObserver& observer);

/// Fails closed when the runtime asked for is not registered with the engine: never a weaker one.
std::optional<RunEnd> requireRuntime(const std::string& runtime, const std::vector<std::string>& registered);

// Acquire (acquire.cpp)

/// What the agent reads on stdin: a JSON header line (the nonce, sizes, argv, timeout, hold, the input
/// files' names and sizes), then the code, the stdin data and the files' bytes in order.
std::string runPayload(const model::RunSpec& request, const std::string& nonce, bool hold);

/// A hardened container with its agent waiting, the run (header, code, stdin) already sent to it: from
/// the warm pool unless it needs the packages' volume mounted or keeps files; a warm container removed
/// from outside while it waited is replaced by a fresh one, once.
std::expected<sandbox::WarmContainer, RunEnd>
acquireContainer(sandbox::ContainerPool& pool, const model::RunSpec& request, const std::string& image,
                 const DependencyPlan& plan, const std::string& nonce,
                 const sandbox::EgressProxies::Lease* egress = nullptr);

// After the stream (settle.cpp)

/// The engine's own record of how the container ended; read only when the run has no report of its
/// agent or the host killed it (otherwise exitCode is 0 and state an empty object, never read).
struct EngineRecord
{
    Result<int> exitCode = 0;
    Result<sandbox::SandboxState> state = sandbox::SandboxState();
};
EngineRecord readEngineRecord(sandbox::SandboxEngine& engine, const std::string& containerId);

/// Collect: copies the requested files out of the held container when the run ended on its own and its
/// agent says every process of it is gone, then lets the container go (end of file on its stdin).
void collectStage(sandbox::SandboxEngine& engine, sandbox::WarmContainer& container, const LiveRun& live,
                  const model::CollectRequest& request, model::CollectedFiles& files);

/// Release: a container whose run ended cleanly and whose agent wiped it goes back to the pool
/// (recycle mode); every other one is discarded. The stats reader's thread goes with it.
void releaseContainer(sandbox::ContainerPool& pool, sandbox::WarmContainer container, LiveRun& live);

/// Classify: moves the output into `result` and decides the status from what the host did, the
/// agent's report and the engine's record.
RunEnd classifyRun(LiveRun& live, const EngineRecord& record, const model::Limits& limits,
                   model::RunResult& result);

// A run in a session (sessionrun.cpp)

class SessionRegistry;

/// Acquire, stream, settle and classify for a run in an open session (RunSpec::sessionId): the session's
/// sandbox and limits (the request's timeout and output limit), kept for the next run when the run ended
/// on its own and the interpreter lives, else replaced (RunResult::session->restarted).
RunEnd runInSession(sandbox::SandboxEngine& engine, SessionRegistry& sessions, const model::RunSpec& request,
                    const DependencyPlan& plan, const std::string& nonce, RunObserver& observer,
                    const CancelToken& cancel, model::RunResult& result);

} // namespace agentrun::run
