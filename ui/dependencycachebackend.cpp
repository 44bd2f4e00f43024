#include "dependencycachebackend.h"

#include "agentrun/deps/bake.h"
#include "agentrun/engine/client.h"
#include "agentrun/engine/endpoint.h"

#include <algorithm>
#include <memory>

namespace agentrun::ui {

namespace {

agentrun::Result<std::unique_ptr<agentrun::engine::Client>> connect()
{
    auto endpoint = agentrun::engine::Endpoint::resolve();
    if (!endpoint)
        return std::unexpected(endpoint.error());
    auto client = std::make_unique<agentrun::engine::Client>(*endpoint);
    if (auto info = client->info(); !info)
        return std::unexpected(info.error());
    return client;
}

} // namespace

DependencyCacheBackend engineCacheBackend(std::string image)
{
    namespace deps = agentrun::deps;
    DependencyCacheBackend backend;
    backend.list = [image]() -> agentrun::Result<std::vector<DependencyCacheItem>> {
        auto client = connect();
        if (!client)
            return std::unexpected(client.error());
        deps::Installer installer(**client, image);
        auto volumes = installer.listCache();
        if (!volumes)
            return std::unexpected(volumes.error());
        auto images = deps::listBakedImages(**client);
        if (!images)
            return std::unexpected(images.error());
        std::vector<DependencyCacheItem> items;
        for (const auto& baked : *images)
            items.push_back({DependencyCacheItem::Kind::BakedImage, baked.tag, baked.requirements,
                             baked.source, baked.created, baked.sizeBytes, false});
        for (const auto& volume : *volumes)
            items.push_back({DependencyCacheItem::Kind::Volume, volume.volume, volume.requirements,
                             volume.source, volume.created, volume.sizeBytes, volume.inUse});
        return items;
    };
    backend.remove = [image](const DependencyCacheItem& item) -> agentrun::Result<void> {
        auto client = connect();
        if (!client)
            return std::unexpected(client.error());
        if (item.kind == DependencyCacheItem::Kind::BakedImage)
            return deps::removeBakedImage(**client, item.name);
        deps::Installer installer(**client, image);
        return installer.removeCache(item.name);
    };
    backend.prune = [image]() -> agentrun::Result<int> {
        auto client = connect();
        if (!client)
            return std::unexpected(client.error());
        deps::Installer installer(**client, image);
        auto volumes = installer.pruneCache();
        if (!volumes)
            return std::unexpected(volumes.error());
        auto images = deps::pruneBakedImages(**client);
        if (!images)
            return std::unexpected(images.error());
        return *volumes + *images;
    };
    backend.bake = [image](const std::vector<std::string>& cached, const std::vector<std::string>& allow,
                           const deps::InstallSource& source,
                           const DependencyCacheBackend::Progress& progress,
                           const std::atomic<bool>& cancel) -> agentrun::Result<std::string> {
        auto whitelist = deps::Whitelist::parse(allow);
        if (!whitelist)
            return std::unexpected(whitelist.error());
        auto requirements = deps::cachedRequirements(cached, *whitelist);
        if (!requirements)
            return std::unexpected(requirements.error());
        auto client = connect();
        if (!client)
            return std::unexpected(client.error());
        auto baked =
            deps::bake(**client, image, *requirements, source, std::chrono::minutes(10), progress, cancel);
        if (!baked)
            return std::unexpected(baked.error());
        return baked->image;
    };
    return backend;
}

} // namespace agentrun::ui
