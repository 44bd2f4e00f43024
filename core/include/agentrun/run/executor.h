#pragma once

#include "agentrun/error.h"
#include "agentrun/run/observer.h"
#include "agentrun/model/runresult.h"
#include "agentrun/model/runspec.h"

#include <chrono>

#include <memory>
#include <string>
#include <vector>

namespace agentrun::run {

struct ExecutorConfig
{
    std::string image = "agentrun-sandbox:latest";
    std::string dockerHost; ///< empty: DOCKER_HOST or the default unix socket
    int poolSize = 2;       ///< warm containers kept ready per limits key; 0 = no pool
    /// Opt-in recycle mode: a pool container serves up to this many runs (1: a fresh container per
    /// run, the default). Between runs its agent kills every process of the sandbox user, wipes /tmp,
    /// /dev/shm and System V IPC and starts a fresh interpreter; see docs/security.md for what that
    /// does and does not isolate.
    int recycleRuns = 1;
};

/// The facade every front end uses. Thread-safe: each run() call runs on the caller's thread; any
/// number of runs may be in flight. Constructing it never contacts the engine, so a front end can start
/// while Docker is down and report it per run.
class Executor
{
public:
    explicit Executor(ExecutorConfig config = {});
    ~Executor();
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    /// Checks, resolves, runs in a fresh hardened container; never throws. observer.finished() is the
    /// last event, with the same result that is returned.
    model::RunResult run(const model::RunSpec& request, RunObserver& observer, const CancelToken& cancel);

    /// Engine reachable and image present? The message says what to do when not.
    Result<std::string> ping();

    /// Blocks until the warm pool holds its containers for these limits (and the configured image), or
    /// `timeout`. A front end calls it when limits change, so that the next run finds one ready;
    /// benchmarks call it to start each run "once the pool is ready again". False on timeout or when
    /// the engine is unreachable.
    bool waitUntilWarm(const model::Limits& limits, std::chrono::milliseconds timeout);

    const ExecutorConfig& config() const;

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace agentrun::run
