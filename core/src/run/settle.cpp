// The stages after a run's stream (run/stages.h): the engine's record, the files, the container, the
// verdict.
#include "agentrun/run/collect.h"
#include "agentrun/errorcodes.h"
#include "run/livestream.h"
#include "run/stages.h"

namespace agentrun::run {

EngineRecord readEngineRecord(sandbox::SandboxEngine& engine, const std::string& containerId)
{
    EngineRecord record;
    record.exitCode = engine.wait(containerId, std::chrono::seconds(10));
    record.state = engine.state(containerId);
    return record;
}

void collectStage(sandbox::SandboxEngine& engine, sandbox::WarmContainer& container, const LiveRun& live,
                  const model::CollectRequest& request, model::CollectedFiles& files)
{
    // The agent holds the container after its report, every process of the run killed (its report
    // says "clean"): copy the files now, then let it go by closing its stdin.
    const auto* agentReport = live.report() ? &*live.report() : nullptr;
    if (agentReport && !live.killed() && agentReport->value("clean", false)) {
        files = collectFiles(engine, container.id, request);
    } else {
        files.requested = true;
        files.error = "No files were copied: the run did not end on its own (" +
                      std::string(live.killed() ? "it was stopped" : "no report from the sandbox") +
                      "), and its working directory went with its container.";
    }
    container.stream.closeWrite();
}

void releaseContainer(sandbox::ContainerPool& pool, sandbox::WarmContainer container, LiveRun& live)
{
    std::thread statsThread = live.stopStats();
    // Recycle mode: a run that ended cleanly (its agent killed what the run left, wiped the writable
    // places and said so in its report) gives its container back for the next run.
    const bool recycled = container.runsLeft > 1 && !live.killed() && !live.streamError() &&
                          !live.overCap() && !live.needsEngineRecord() && live.atFrameBoundary() &&
                          live.report() && live.report()->value("recycled", false);
    if (recycled) {
        pool.giveBack(std::move(container), std::move(statsThread));
    } else {
        pool.discard(container.id, std::move(statsThread));
    }
}

RunEnd classifyRun(LiveRun& live, const EngineRecord& record, const model::Limits& limits,
                   model::RunResult& result)
{
    // Moved, not copied: a run's output may be its output limit per stream, twice (interleaved).
    auto& collector = live.collector();
    result.stdoutData = collector.takeStdout();
    result.stderrData = collector.takeStderr();
    result.output = collector.takeCombined();
    result.stdoutTruncated = collector.stdoutTruncated();
    result.stderrTruncated = collector.stderrTruncated();
    result.figures = collector.takeFigures();
    result.figureNotes = collector.takeFigureNotes();
    if (const auto& agentReport = live.report()) {
        result.peakMemoryBytes = agentReport->value("peak_memory", std::int64_t{0});
        result.cpuSeconds = agentReport->value("cpu", 0.0);
    }
    // A run stopped before its report (timeout, cancelled, output limit) has no final figures: the peaks
    // of its samples stand in, so that History and the suggestions are not blank for the runs that most
    // need tuning. The throttled time and the processes come from the samples only.
    const StatsReader::Peaks sampled = live.sampled();
    if (result.peakMemoryBytes <= 0) {
        result.peakMemoryBytes = sampled.memoryBytes;
    }
    if (result.cpuSeconds <= 0) {
        result.cpuSeconds = sampled.cpuSeconds;
    }
    result.throttledSeconds = sampled.throttledSeconds;
    result.peakPids = sampled.pids;
    const auto& state = record.state;
    if (!live.killed() && live.streamError()) {
        if (!state && state.error().code == errc::ContainerGone) {
            return engineFailure(state.error());
        }
        return engineFailure(*live.streamError());
    }
    if (!live.report() && !state && state.error().code.starts_with("engine.")) {
        // The stream ended without the agent's report and the engine no longer answers: it went away
        // (restarted, stopped) during the run. The container is removed once it is back.
        return {model::Status::EngineError,
                "The Docker engine went away during the run, so its outcome is unknown: " +
                    state.error().message,
                errc::EngineLostDuringRun};
    }
    // How did it end? The engine's own record, never the program's output alone: without a report
    // (killed, crashed agent, engine trouble) the engine's record decides.
    const Classification verdict =
        classify(live.ending(), live.report(), state && live.needsEngineRecord() ? &*state : nullptr,
                 record.exitCode ? *record.exitCode : -1, limits, result);
    result.exitCode = verdict.exitCode;
    return {verdict.status, verdict.message, verdict.code};
}

} // namespace agentrun::run
