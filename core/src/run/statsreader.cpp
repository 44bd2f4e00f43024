#include "run/statsreader.h"

#include <chrono>

namespace agentrun::run {

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
                ResourceSample sample;
                sample.elapsedSeconds =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                sample.memoryLimitBytes = memoryLimit;
                const auto& memory = stats.value("memory_stats", nlohmann::json::object());
                sample.memoryBytes = memory.value("usage", std::int64_t{0});
                const auto& cpu = stats.value("cpu_stats", nlohmann::json::object());
                const auto& previous = stats.value("precpu_stats", nlohmann::json::object());
                const double cpuDelta =
                    cpu.value("cpu_usage", nlohmann::json::object()).value("total_usage", 0.0) -
                    previous.value("cpu_usage", nlohmann::json::object()).value("total_usage", 0.0);
                const double systemDelta =
                    cpu.value("system_cpu_usage", 0.0) - previous.value("system_cpu_usage", 0.0);
                const double cpus = cpu.value("online_cpus", 1.0);
                if (systemDelta > 0 && cpuDelta >= 0) {
                    sample.cpuPercent = cpuDelta / systemDelta * cpus * 100.0;
                }
                sample.pids =
                    stats.value("pids_stats", nlohmann::json::object()).value("current", std::int64_t{0});
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
