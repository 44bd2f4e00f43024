#pragma once

#include "agentrun/deps/installer.h"
#include "agentrun/error.h"
#include "agentrun/run/executorconfig.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::ui {

/// One row of the dependency cache: an installed set in a volume, or a baked image.
struct DependencyCacheItem
{
    enum class Kind
    {
        Volume,
        BakedImage
    };
    Kind kind = Kind::Volume;
    std::string name;         ///< volume name or image tag
    std::string requirements; ///< "alpha,beta==2.0"
    std::string source;       ///< "wheelhouse" or "index <host>"
    std::string created;
    std::int64_t sizeBytes = -1;
    bool inUse = false;
};

/// What the dependency cache view and the bake dialog ask of the engine. Every function blocks and is
/// called on a worker thread, never on the GUI thread.
struct DependencyCacheBackend
{
    using Progress = std::function<void(std::string_view line)>;
    std::function<agentrun::Result<std::vector<DependencyCacheItem>>()> list;
    std::function<agentrun::Result<void>(const DependencyCacheItem&)> remove;
    /// Removes every volume and baked image no container uses; returns how many went.
    std::function<agentrun::Result<int>()> prune;
    /// Bakes `cached` (checked against `allow`) from `source`; returns the image tag.
    std::function<agentrun::Result<std::string>(const std::vector<std::string>& cached,
                                                const std::vector<std::string>& allow,
                                                const agentrun::deps::InstallSource& source,
                                                const Progress& progress, const std::atomic<bool>& cancel)>
        bake;
};

/// The real backend (run::CacheService, as `agentrun deps`): the executor's engine and image; bakes are
/// derived from that image.
DependencyCacheBackend engineCacheBackend(const agentrun::run::ExecutorConfig& config);

} // namespace agentrun::ui
