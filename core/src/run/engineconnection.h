#pragma once

// Internal to run/: the engine client of a service, made on first use from the shared configuration.

#include "agentrun/engine/client.h"
#include "agentrun/error.h"
#include "agentrun/run/executorconfig.h"

#include <memory>
#include <mutex>

namespace agentrun::run {

/// Connects on the first call (the engine at config.dockerHost, API version negotiated) and hands out
/// the same client afterwards. A failed attempt is not kept: the next call tries again, so a service
/// made while Docker is down works once it is up. Thread-safe.
class EngineConnection
{
public:
    explicit EngineConnection(const ExecutorConfig& config) : m_dockerHost(config.dockerHost) {}

    Result<engine::Client*> client();

private:
    std::string m_dockerHost;
    std::mutex m_mutex;
    std::unique_ptr<engine::Client> m_client;
};

} // namespace agentrun::run
