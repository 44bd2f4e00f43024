#pragma once

#include "agentrun/model/limits.h"
#include "agentrun/sandbox/sandboxengine.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace agentrun::sandbox {

/// A run container ready for code: created, attached, started, its agent waiting on stdin.
struct WarmContainer
{
    std::string id;
    engine::AttachStream stream;
    bool fromPool = false;
    int runsLeft = 1;    ///< recycle mode: how many more runs its agent will serve (1: this one only)
    std::string poolKey; ///< the settings it was made for (empty: not a pool container)
};

/// Keeps `size` warm containers for the most recent limits, refilled and cleaned up on a background
/// thread, so that a run costs a write to a socket instead of a container start. A change of limits
/// drains the containers made for the old ones. Used containers are never reused, except in the opt-in
/// recycle mode (`recycleRuns` > 1): then a container's agent serves up to that many runs, each in a
/// fresh interpreter, after killing every process of the sandbox user and wiping /tmp, /dev/shm and
/// System V IPC (resources/agent/agent.py), and the executor gives a cleanly ended container back.
class ContainerPool
{
public:
    ContainerPool(SandboxEngine& engine, int size, int recycleRuns = 1);
    ~ContainerPool(); ///< removes every container it made
    ContainerPool(const ContainerPool&) = delete;
    ContainerPool& operator=(const ContainerPool&) = delete;

    /// A warm container for these settings: from the pool when one is ready, else made now.
    Result<WarmContainer> acquire(const model::Limits& limits, const std::string& image);

    /// Makes a fresh container now, bypassing the pool; `volumes` and `env` are added to the hardened
    /// sandbox (installed dependencies, the egress proxy's address); `network` (network allow: the
    /// proxy's internal network) replaces its network.
    Result<WarmContainer> make(const model::Limits& limits, const std::string& image,
                               const std::vector<VolumeMount>& volumes = {},
                               const std::vector<std::string>& env = {}, const std::string& network = {});

    /// A container for a session (not pooled): its agent keeps one interpreter for all the session's
    /// runs (agent.py --session). `env` and `network` as for make().
    Result<WarmContainer> makeSession(const model::Limits& limits, const std::string& image,
                                      const std::vector<std::string>& env = {},
                                      const std::string& network = {});

    /// Removes a used container in the background; `companion` (e.g. a stats reader that ends when the
    /// container goes) is joined after the removal.
    void discard(std::string id, std::thread companion = {});

    /// Recycle mode: takes back a container whose agent reported a clean recycle and has runs left; it
    /// is the next one handed out. Otherwise (or when the settings changed meanwhile) it is discarded.
    void giveBack(WarmContainer container, std::thread companion = {});

    int recycleRuns() const { return m_recycle; }

    /// While a run is in flight the pool does its background work (removing used containers, making
    /// new ones: each costs the engine ~100 ms of CPU) only when no warm container is left: on a small
    /// machine that work would otherwise take the cores from the run. Hold one for the run's duration.
    class RunScope
    {
    public:
        explicit RunScope(ContainerPool& pool);
        ~RunScope();
        RunScope(const RunScope&) = delete;
        RunScope& operator=(const RunScope&) = delete;

    private:
        ContainerPool& m_pool;
    };

    /// Blocks until the pool holds `size` containers for these settings (for tests and benchmarks).
    bool waitUntilWarm(const model::Limits& limits, const std::string& image,
                       std::chrono::milliseconds timeout);

    int readyCount() const;

private:
    void work();
    void fill(std::unique_lock<std::mutex>& lock); ///< makes one warm container; m_mutex held
    Result<WarmContainer> create(const model::Limits& limits, const std::string& image,
                                 const std::vector<VolumeMount>& volumes, const std::vector<std::string>& env,
                                 bool recyclable, bool session = false, const std::string& network = {});
    /// Removes a sandbox made but not handed out; when the engine is away, the worker retries later.
    void removeOrRetry(const std::string& id);
    void switchKey(const std::string& key, const model::Limits& limits,
                   const std::string& image); ///< m_mutex held

    SandboxEngine& m_engine;
    const int m_size;
    const int m_recycle;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_changed;
    std::string m_key;
    model::Limits m_limits;
    std::string m_image;
    std::deque<WarmContainer> m_ready;
    std::deque<std::pair<std::string, std::thread>> m_trash;
    std::vector<std::string> m_retry;  ///< removals that failed while the engine was away
    std::deque<std::thread> m_joiners; ///< companions of given-back containers, joined by the worker
    std::chrono::steady_clock::time_point m_nextRetry;
    int m_inFlight = 0; ///< runs holding a RunScope
    bool m_stopping = false;
    bool m_failing = false;
    std::thread m_worker;
};

} // namespace agentrun::sandbox
