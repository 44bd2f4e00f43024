#include "run/statsreader.h"

#include "agentrun/jsonfield.h"
#include "agentrun/run/statssample.h"

#include <chrono>

namespace agentrun::run {

ResourceSample statsSample(const nlohmann::json& stats)
{
    ResourceSample sample;
    sample.memoryBytes = json::integerField(json::objectField(stats, "memory_stats"), "usage");
    const auto& cpu = json::objectField(stats, "cpu_stats");
    const auto& previous = json::objectField(stats, "precpu_stats");
    const double cpuDelta = json::numberField(json::objectField(cpu, "cpu_usage"), "total_usage") -
                            json::numberField(json::objectField(previous, "cpu_usage"), "total_usage");
    const double systemDelta =
        json::numberField(cpu, "system_cpu_usage") - json::numberField(previous, "system_cpu_usage");
    const double cpus = json::numberField(cpu, "online_cpus", 1.0);
    if (systemDelta > 0 && cpuDelta >= 0) {
        sample.cpuPercent = cpuDelta / systemDelta * cpus * 100.0;
    }
    sample.pids = json::integerField(json::objectField(stats, "pids_stats"), "current");
    return sample;
}

StatsReader::StatsReader(engine::Client& client, std::string containerId, const model::Limits& limits,
                         RunObserver& observer)
    : m_shared(std::make_shared<Shared>())
{
    m_shared->observer = &observer;
    const auto start = std::chrono::steady_clock::now();
    const std::int64_t memoryLimit = limits.memoryBytes;
    m_thread = std::thread([&client, shared = m_shared, id = std::move(containerId), start, memoryLimit] {
        {
            std::unique_lock lock(shared->mutex);
            if (shared->stopped.wait_for(lock, StartDelay, [&] { return shared->stop.load(); })) {
                return; // the run ended first: no stream at all
            }
        }
        client.streamStats(
            id,
            [&](const nlohmann::json& stats) {
                ResourceSample sample = statsSample(stats);
                sample.elapsedSeconds =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                sample.memoryLimitBytes = memoryLimit;
                std::lock_guard lock(shared->mutex);
                if (shared->stop.load() || !shared->observer) {
                    return false;
                }
                if (sample.memoryBytes > 0) {
                    shared->observer->resources(sample);
                }
                return true;
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

StatsReader::~StatsReader()
{
    if (m_thread.joinable()) {
        stop().join();
    }
}

} // namespace agentrun::run
