#include "dependencycachebackend.h"

#include "agentrun/deps/bake.h"
#include "agentrun/run/cacheservice.h"

#include <memory>

namespace agentrun::ui {

DependencyCacheBackend engineCacheBackend(const agentrun::run::ExecutorConfig& config)
{
    namespace deps = agentrun::deps;
    using Kind = DependencyCacheItem::Kind;
    // Shared by the functions (each called on a worker thread; the service is thread-safe).
    auto cache = std::make_shared<agentrun::run::CacheService>(config);
    DependencyCacheBackend backend;
    backend.list = [cache]() -> agentrun::Result<std::vector<DependencyCacheItem>> {
        auto listing = cache->list();
        if (!listing)
            return std::unexpected(listing.error());
        std::vector<DependencyCacheItem> items;
        for (const auto& baked : listing->baked)
            items.push_back({Kind::BakedImage, baked.tag, baked.requirements, baked.source, baked.created,
                             baked.sizeBytes, false});
        for (const auto& volume : listing->volumes)
            items.push_back({Kind::Volume, volume.volume, volume.requirements, volume.source, volume.created,
                             volume.sizeBytes, volume.inUse});
        return items;
    };
    backend.remove = [cache](const DependencyCacheItem& item) -> agentrun::Result<void> {
        return item.kind == Kind::BakedImage ? cache->removeBakedImage(item.name)
                                             : cache->removeVolume(item.name);
    };
    backend.prune = [cache]() -> agentrun::Result<int> {
        auto pruned = cache->prune();
        if (!pruned)
            return std::unexpected(pruned.error());
        return pruned->volumes + pruned->images;
    };
    backend.bake = [cache](const std::vector<std::string>& cached, const std::vector<std::string>& allow,
                           const deps::InstallSource& source,
                           const DependencyCacheBackend::Progress& progress,
                           const std::atomic<bool>& cancel) -> agentrun::Result<std::string> {
        auto whitelist = deps::Whitelist::parse(allow);
        if (!whitelist)
            return std::unexpected(whitelist.error());
        auto requirements = deps::cachedRequirements(cached, *whitelist);
        if (!requirements)
            return std::unexpected(requirements.error());
        auto baked = cache->bake(*requirements, source, std::chrono::minutes(10), progress, cancel);
        if (!baked)
            return std::unexpected(baked.error());
        return baked->image;
    };
    return backend;
}

} // namespace agentrun::ui
