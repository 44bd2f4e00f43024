#include "agentrun/run/cacheservice.h"
#include "agentrun/sandbox/egressproxy.h"

#include "run/engineconnection.h"

namespace agentrun::run {

class CacheService::Impl
{
public:
    explicit Impl(ExecutorConfig configuration) : config(std::move(configuration)), engine(config) {}

    ExecutorConfig config;
    EngineConnection engine;
};

CacheService::CacheService(ExecutorConfig config) : m_impl(std::make_unique<Impl>(std::move(config))) {}

CacheService::~CacheService() = default;

const ExecutorConfig& CacheService::config() const
{
    return m_impl->config;
}

Result<CacheService::Listing> CacheService::list()
{
    auto client = m_impl->engine.client();
    if (!client) {
        return std::unexpected(client.error());
    }
    deps::Installer installer(**client, m_impl->config.image);
    auto volumes = installer.listCache();
    if (!volumes) {
        return std::unexpected(volumes.error());
    }
    auto baked = deps::listBakedImages(**client);
    if (!baked) {
        return std::unexpected(baked.error());
    }
    return Listing{std::move(*volumes), std::move(*baked)};
}

Result<void> CacheService::removeVolume(const std::string& volume)
{
    auto client = m_impl->engine.client();
    if (!client) {
        return std::unexpected(client.error());
    }
    deps::Installer installer(**client, m_impl->config.image);
    return installer.removeCache(volume);
}

Result<void> CacheService::removeBakedImage(const std::string& ref)
{
    auto client = m_impl->engine.client();
    if (!client) {
        return std::unexpected(client.error());
    }
    return deps::removeBakedImage(**client, ref);
}

Result<CacheService::Pruned> CacheService::prune()
{
    auto client = m_impl->engine.client();
    if (!client) {
        return std::unexpected(client.error());
    }
    deps::Installer installer(**client, m_impl->config.image);
    auto volumes = installer.pruneCache();
    if (!volumes) {
        return std::unexpected(volumes.error());
    }
    auto images = deps::pruneBakedImages(**client);
    if (!images) {
        return std::unexpected(images.error());
    }
    return Pruned{*volumes, *images};
}

Result<deps::BakeResult> CacheService::bake(const std::vector<deps::Requirement>& requirements,
                                            const deps::InstallSource& source, std::chrono::seconds timeout,
                                            const Progress& progress, const std::atomic<bool>& cancel)
{
    auto client = m_impl->engine.client();
    if (!client) {
        return std::unexpected(client.error());
    }
    // An index install goes through an egress proxy; this one lives as long as the bake.
    sandbox::EgressProxies proxies(**client, m_impl->config.proxy);
    return deps::bake(**client, m_impl->config.image, requirements, source, timeout, progress, cancel,
                      {&proxies, m_impl->config.indexHosts});
}

} // namespace agentrun::run
