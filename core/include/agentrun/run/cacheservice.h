#pragma once

// The dependency cache of an engine configuration: the volumes of installed package sets and the baked
// images (list, remove, prune) and baking a set into an image derived from the configuration's image.
// The CLI's `agentrun deps` and the workbench's cache view and bake dialog both call this.

#include "agentrun/deps/bake.h"
#include "agentrun/deps/installer.h"
#include "agentrun/deps/requirement.h"
#include "agentrun/error.h"
#include "agentrun/run/executorconfig.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::run {

/// Shares the executor's engine configuration (ExecutorConfig: dockerHost, image). Connects on first
/// use; constructing it never contacts the engine. Thread-safe.
class CacheService
{
public:
    using Progress = std::function<void(std::string_view line)>;

    explicit CacheService(ExecutorConfig config);
    ~CacheService();
    CacheService(const CacheService&) = delete;
    CacheService& operator=(const CacheService&) = delete;

    const ExecutorConfig& config() const;

    struct Listing
    {
        std::vector<deps::CacheEntry> volumes; ///< sorted by name
        std::vector<deps::BakedImage> baked;   ///< sorted by tag
    };
    Result<Listing> list();

    /// Removes one cache volume (only volumes labelled as the cache); deps.busy while it is in use.
    Result<void> removeVolume(const std::string& volume);
    /// Removes one baked image by tag or id; deps.not_baked for any other image, deps.busy while in use.
    Result<void> removeBakedImage(const std::string& ref);

    struct Pruned
    {
        int volumes = 0;
        int images = 0;
    };
    /// Removes every cache volume and every baked image no container uses.
    Result<Pruned> prune();

    /// Bakes `requirements` (deps::cachedRequirements) from `source` into an image derived from the
    /// configuration's image, or reuses the one already there (deps::bake).
    Result<deps::BakeResult> bake(const std::vector<deps::Requirement>& requirements,
                                  const deps::InstallSource& source, std::chrono::seconds timeout,
                                  const Progress& progress, const std::atomic<bool>& cancel);

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace agentrun::run
