#include "run/statsreader.h"

#include "run/cgroupstats.h"

#include <algorithm>
#include <chrono>

namespace agentrun::run {

StatsReader::StatsReader(sandbox::SandboxEngine& engine, std::string containerId, const model::Limits& limits,
                         RunObserver& observer)
    : m_shared(std::make_shared<Shared>())
{
    m_shared->observer = &observer;
    const auto start = std::chrono::steady_clock::now();
    const std::int64_t memoryLimit = limits.memoryBytes;
    m_thread = std::thread([&engine, shared = m_shared, id = std::move(containerId), start, memoryLimit] {
        const auto wait = [&](std::chrono::milliseconds delay) {
            std::unique_lock lock(shared->mutex);
            return shared->stopped.wait_for(lock, delay, [&] { return shared->stop.load(); });
        };
        if (wait(StartDelay)) {
            return; // the run ended first: nothing asked at all
        }
        // Reports a sample unless the run ended; false when it did. `cpuSeconds`: CPU time so far.
        const auto report = [&](ResourceSample sample, double cpuSeconds) {
            sample.elapsedSeconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            sample.memoryLimitBytes = memoryLimit;
            std::lock_guard lock(shared->mutex);
            if (shared->stop.load() || !shared->observer) {
                return false;
            }
            if (sample.memoryBytes > 0) {
                Peaks& high = shared->peaks;
                ++high.samples;
                high.memoryBytes = std::max(high.memoryBytes, sample.memoryBytes);
                high.cpuSeconds = std::max(high.cpuSeconds, cpuSeconds);
                high.throttledSeconds = std::max(high.throttledSeconds, sample.throttledSeconds);
                high.pids = std::max(high.pids, sample.pids);
                shared->observer->resources(sample);
            }
            return true;
        };
        if (const auto cgroup = CgroupStats::find(id)) {
            // An engine on this machine: its cgroup files, every SampleInterval. The CPU share is the delta
            // of CPU time over wall time between two readings.
            double lastCpu = 0;
            auto lastAt = start;
            while (const auto reading = cgroup->read()) {
                const auto now = std::chrono::steady_clock::now();
                ResourceSample sample;
                sample.memoryBytes = reading->memoryBytes;
                sample.pids = reading->pids;
                sample.throttledSeconds = reading->throttledNanoseconds / 1e9;
                const double wall = std::chrono::duration<double, std::nano>(now - lastAt).count();
                sample.cpuPercent = wall > 0 && reading->cpuNanoseconds >= lastCpu
                                        ? (reading->cpuNanoseconds - lastCpu) / wall * 100.0
                                        : 0.0;
                lastCpu = reading->cpuNanoseconds;
                lastAt = now;
                if (!report(sample, reading->cpuNanoseconds / 1e9) || wait(SampleInterval)) {
                    return;
                }
            }
            return; // the cgroup is gone: so is the container
        }
        // Elsewhere (a remote engine): the engine's own figures (on Docker its stats stream, once a second).
        engine.stats(
            id,
            [&](const sandbox::SandboxStats& figures) {
                ResourceSample sample;
                sample.memoryBytes = figures.memoryBytes;
                sample.cpuPercent = figures.cpuPercent;
                sample.pids = figures.pids;
                sample.throttledSeconds = figures.throttledSeconds;
                return report(sample, figures.cpuSeconds);
            },
            shared->stop);
    });
}

std::thread StatsReader::stop()
{
    {
        std::lock_guard lock(m_shared->mutex);
        m_shared->stop.store(true);
        m_shared->observer = nullptr;
    }
    m_shared->stopped.notify_all();
    return std::move(m_thread);
}

StatsReader::Peaks StatsReader::peaks() const
{
    std::lock_guard lock(m_shared->mutex);
    return m_shared->peaks;
}

StatsReader::~StatsReader()
{
    if (m_thread.joinable()) {
        stop().join();
    }
}

} // namespace agentrun::run
