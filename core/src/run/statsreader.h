#pragma once

#include "agentrun/engine/client.h"
#include "agentrun/model/limits.h"
#include "agentrun/run/observer.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace agentrun::run {

/// Follows the engine's stats stream of a running container and reports resource samples to the
/// observer, until stop(). The reading thread outlives the run (the stream ends when the container is
/// removed), so stop() hands it to the caller to join later; the observer is never called after stop().
/// The stream opens only once the run has lasted `StartDelay`: most runs end sooner, and a stats
/// stream costs the engine (and the machine's two cores) more than such a run does.
class StatsReader
{
public:
    StatsReader(engine::Client& client, std::string containerId, const model::Limits& limits,
                RunObserver& observer);
    ~StatsReader();
    StatsReader(const StatsReader&) = delete;
    StatsReader& operator=(const StatsReader&) = delete;

    std::thread stop();

    static constexpr std::chrono::milliseconds StartDelay{150};

private:
    struct Shared
    {
        std::mutex mutex;
        std::condition_variable stopped;
        RunObserver* observer = nullptr;
        std::atomic<bool> stop{false};
    };
    std::shared_ptr<Shared> m_shared;
    std::thread m_thread;
};

} // namespace agentrun::run
