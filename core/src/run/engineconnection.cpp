#include "run/engineconnection.h"

namespace agentrun::run {

Result<engine::Client*> EngineConnection::client()
{
    std::lock_guard lock(m_mutex);
    if (m_client) {
        return m_client.get();
    }
    auto endpoint = engine::Endpoint::resolve(m_dockerHost);
    if (!endpoint) {
        return std::unexpected(endpoint.error());
    }
    auto client = std::make_unique<engine::Client>(*endpoint);
    if (auto info = client->info(); !info) {
        return std::unexpected(info.error());
    }
    m_client = std::move(client);
    return m_client.get();
}

} // namespace agentrun::run
