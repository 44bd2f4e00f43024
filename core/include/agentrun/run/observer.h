#pragma once

#include "agentrun/model/runresult.h"

#include <atomic>
#include <cstdint>
#include <string_view>

namespace agentrun::run {

enum class Stage
{
    Checking,
    Resolving,
    Installing,
    Starting,
    Running,
    Finished
};
std::string_view toString(Stage stage);

struct ResourceSample
{
    double elapsedSeconds = 0;
    std::int64_t memoryBytes = 0;
    std::int64_t memoryLimitBytes = 0;
    double cpuPercent = 0; ///< of one CPU
    std::int64_t pids = 0;
    double throttledSeconds = 0; ///< CPU time held back by the CPU limit so far (cgroup throttled time)
};

/// Receives the events of one run, on the run's worker thread. Default implementations ignore them.
class RunObserver
{
public:
    virtual ~RunObserver() = default;
    virtual void stageChanged(Stage) {}
    virtual void findings(const safety::Report&) {}
    virtual void installProgress(std::string_view /*line*/) {}
    virtual void output(model::Stream, std::string_view /*bytes*/) {}
    /// A figure, as it arrives (its place in the text: Figure::stdoutOffset).
    virtual void figure(const model::Figure&) {}
    virtual void resources(const ResourceSample&) {}
    virtual void finished(const model::RunResult&) {}
};

/// Cancels a run from any thread.
class CancelToken
{
public:
    void cancel() { m_cancelled.store(true); }
    bool cancelled() const { return m_cancelled.load(); }
    const std::atomic<bool>& flag() const { return m_cancelled; }

private:
    std::atomic<bool> m_cancelled{false};
};

} // namespace agentrun::run
