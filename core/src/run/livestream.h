#pragma once

#include "agentrun/engine/containerstream.h"
#include "agentrun/run/executor.h"
#include "agentrun/sandbox/outputcollector.h"
#include "agentrun/sandbox/pool.h"
#include "run/classify.h"
#include "run/statsreader.h"

#include <optional>
#include <string>
#include <thread>

namespace agentrun::run {

/// The stream stage of a run (run/stages.h): live output from the run's container to the observer until
/// the stream ends, the clock runs out, the output cap is hit or the user cancels (the container is then
/// killed, engine::ContainerStream), with resource samples beside it. Holds what the later stages read:
/// the output, the agent's report and how the stream ended.
class LiveRun
{
public:
    /// Starts the clock and the stats reader: construct it when the run's program starts.
    LiveRun(sandbox::SandboxEngine& engine, sandbox::WarmContainer& container, const model::RunSpec& request,
            const std::string& nonce, RunObserver& observer);
    LiveRun(const LiveRun&) = delete;
    LiveRun& operator=(const LiveRun&) = delete;

    /// Reads until the run ends (see above); once.
    void stream(const CancelToken& cancel);

    /// Why the host ended the run, or Exited (also when the agent's own clock ended it: Timeout).
    Ending ending() const { return m_ending; }
    bool killed() const { return m_read.killed(); }
    bool overCap() const { return m_overCap; }
    const std::optional<Error>& streamError() const { return m_read.error; }
    bool atFrameBoundary() const { return m_read.atFrameBoundary; }
    double runMs() const { return m_runMs; }
    /// The agent's report (trusted: it carries the run's nonce), if it came.
    const std::optional<nlohmann::json>& report() const { return m_collector.report(); }
    /// The engine's record decides how it ended when there is no report or the host killed the run.
    bool needsEngineRecord() const { return !report() || killed(); }
    sandbox::OutputCollector& collector() { return m_collector; }

    /// Stops the resource samples; the reader's thread is handed over (it ends with the container).
    std::thread stopStats() { return m_stats.stop(); }
    /// What the resource samples saw (StatsReader::Peaks); readable after stopStats().
    StatsReader::Peaks sampled() const { return m_stats.peaks(); }

private:
    sandbox::SandboxEngine& m_engine;
    sandbox::WarmContainer& m_container;
    const model::Limits& m_limits;
    std::chrono::steady_clock::time_point m_start;
    StatsReader m_stats;
    sandbox::OutputCollector m_collector;
    bool m_overCap = false;
    engine::ContainerStream::Outcome m_read;
    Ending m_ending = Ending::Exited;
    double m_runMs = 0;
};

} // namespace agentrun::run
