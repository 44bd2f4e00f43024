#pragma once

#include "agentrun/sandbox/sandboxengine.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <memory>
#include <string>
#include <thread>

namespace agentrun::run {

/// Counts the bytes a networked run's sandbox moves (in + out, every interface but loopback) and kills
/// the sandbox once they pass `cap`. Read outside the sandbox: every 100 ms from the network namespace's
/// counters (/proc/PID/net/dev of the container's first process) when the engine runs on this machine,
/// else from the sandbox engine's figures (on Docker its stats stream, once a second). For an allowlisted run
/// the only peer is the egress proxy, so this is the run's traffic through it, headers and TLS included.
class NetworkMeter
{
public:
    /// `fromNow`: count from the first reading (a session's sandbox, whose earlier runs used the same
    /// namespace), else from the namespace's start.
    NetworkMeter(sandbox::SandboxEngine& engine, std::string containerId, int pid, std::int64_t cap,
                 bool fromNow = false);
    ~NetworkMeter();
    NetworkMeter(const NetworkMeter&) = delete;
    NetworkMeter& operator=(const NetworkMeter&) = delete;

    /// Stops counting (the last reading stays); the reader is joined.
    void stop();
    std::int64_t bytes() const { return m_shared->bytes; }
    bool exceeded() const { return m_shared->exceeded; }

    /// Sum of received and sent bytes of every interface but `lo` in a /proc/net/dev text; -1 when it
    /// is not one.
    static std::int64_t sumDeviceBytes(std::string_view netDev);

private:
    struct Shared
    {
        std::atomic<std::int64_t> bytes{0};
        std::atomic<bool> exceeded{false};
        std::atomic<bool> stop{false};
        std::mutex mutex;
        std::condition_variable wake; ///< stop() ends the wait between readings at once
    };
    std::shared_ptr<Shared> m_shared;
    std::thread m_thread;
};

} // namespace agentrun::run
