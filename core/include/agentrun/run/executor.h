#pragma once

#include "agentrun/error.h"
#include "agentrun/run/executorconfig.h"
#include "agentrun/run/observer.h"
#include "agentrun/run/runner.h"
#include "agentrun/model/runresult.h"
#include "agentrun/model/runspec.h"
#include "agentrun/model/session.h"

#include <chrono>

#include <memory>
#include <string>
#include <vector>

namespace agentrun::run {

/// The facade every front end uses. Thread-safe: each run() call runs on the caller's thread; any
/// number of runs may be in flight. Constructing it never contacts the engine, so a front end can start
/// while Docker is down and report it per run.
class Executor final : public Runner
{
public:
    explicit Executor(ExecutorConfig config = {});
    ~Executor() override;
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    /// Checks, resolves, runs in a fresh hardened container; never throws. observer.finished() is the
    /// last event, with the same result that is returned.
    model::RunResult run(const model::RunSpec& request, RunObserver& observer,
                         const CancelToken& cancel) override;

    /// Engine reachable and image present? The message says what to do when not.
    Result<std::string> ping() override;

    /// Blocks until the warm pool holds its containers for these limits (and the configured image), or
    /// `timeout`. A front end calls it when limits change, so that the next run finds one ready;
    /// benchmarks call it to start each run "once the pool is ready again". False on timeout or when
    /// the engine is unreachable.
    bool waitUntilWarm(const model::Limits& limits, std::chrono::milliseconds timeout);

    const ExecutorConfig& config() const override;

    // Sessions (docs/sessions.md): one hardened sandbox whose Python state survives from one run to the
    // next. run() with RunSpec::sessionId runs in one; a run that times out, is killed, runs out of
    // memory or crashes the interpreter replaces the sandbox (RunResult::session->restarted). Sessions
    // close on demand, after ExecutorConfig::sessions' idle time or lifetime, and with the executor.

    /// Opens a session with these limits (validated; the timeout is per run) on the configured image;
    /// its sandbox is started now, so that the first run does not wait for it.
    Result<model::SessionInfo> openSession(const model::Limits& limits) override;
    /// A fresh sandbox for the session: its state is gone. Refused while a run is in it (session.busy).
    Result<model::SessionInfo> restartSession(const std::string& id) override;
    /// Closes the session and removes its sandbox; a run in it is stopped (its result says killed).
    Result<model::SessionInfo> closeSession(const std::string& id) override;
    Result<model::SessionInfo> session(const std::string& id) const override;
    std::vector<model::SessionInfo> sessions() const override;

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace agentrun::run
