#pragma once

#include "agentrun/model/limits.h"
#include "agentrun/run/observer.h"
#include "agentrun/sandbox/sandboxengine.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace agentrun::run {

/// Reports a running container's resource figures to the observer until stop(): every `SampleInterval`
/// from its cgroup files when the engine runs on this machine (run/cgroupstats.h), else from the sandbox
/// engine's figures (sandbox::SandboxEngine::stats; on Docker its stats stream (an answer a second: too slow
/// for a run under a second, which is most snippets). The reading thread may be inside a read or a request
/// when the run ends, so stop() hands it to the caller to join later; the observer is never called after
/// stop(). Nothing is read before the run has lasted `StartDelay`: the shortest runs need no figures.
class StatsReader
{
public:
    StatsReader(sandbox::SandboxEngine& engine, std::string containerId, const model::Limits& limits,
                RunObserver& observer);
    ~StatsReader();
    StatsReader(const StatsReader&) = delete;
    StatsReader& operator=(const StatsReader&) = delete;

    std::thread stop();

    /// The highest figures the samples saw so far (all zero before the first): the run's usage when the
    /// agent's own report is missing (a timeout, a cancelled run, an output limit: the sandbox was stopped
    /// before it reported).
    struct Peaks
    {
        int samples = 0;
        std::int64_t memoryBytes = 0;
        double cpuSeconds = 0;
        double throttledSeconds = 0;
        std::int64_t pids = 0;
    };
    Peaks peaks() const;

    static constexpr std::chrono::milliseconds StartDelay{150};
    static constexpr std::chrono::milliseconds SampleInterval{200};

private:
    struct Shared
    {
        std::mutex mutex;
        std::condition_variable stopped;
        RunObserver* observer = nullptr;
        std::atomic<bool> stop{false};
        Peaks peaks;
    };
    std::shared_ptr<Shared> m_shared;
    std::thread m_thread;
};

} // namespace agentrun::run
