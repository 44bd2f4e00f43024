#pragma once

// Internal to deps/: the Engine API calls on cache volumes (through Client::request).

#include "agentrun/deps/installer.h"
#include "agentrun/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::deps {

/// The volume's creation time, or nullopt when there is no such volume. A volume removed and made
/// again has a new time, which keeps the in-process memo of complete volumes honest.
Result<std::optional<std::string>> volumeCreatedAt(engine::Client& client, const std::string& name);
Result<void> createVolume(engine::Client& client, const std::string& name, const nlohmann::json& labels);
/// Gone afterwards (also when it never existed); deps.busy when a container still uses it.
Result<void> removeVolume(engine::Client& client, const std::string& name);
/// DELETE `path` (a volume or an image of the cache): success when the engine says `doneStatus` or the
/// object is already gone (404); deps.busy with `busyMessage` when a container still uses it (409);
/// any other answer is the engine's error about `what`.
Result<void> removeCacheObject(engine::Client& client, const std::string& path, int doneStatus,
                               const std::string& what, const std::string& busyMessage,
                               std::chrono::seconds timeout = std::chrono::seconds(30));
/// The completion marker's text, or nullopt when the volume has none (an unfinished install). Reads it
/// through the archive endpoint of a created, never started container: no process runs.
Result<std::optional<std::string>> readMarker(engine::Client& client, const std::string& imageId,
                                              const std::string& volume);
/// The whole of SitePath in the volume as the engine's tar archive (entries under "site/"), read like
/// readMarker(). `timeout` bounds the transfer.
Result<std::string> readVolumeArchive(engine::Client& client, const std::string& imageId,
                                      const std::string& volume, std::chrono::milliseconds timeout);
/// The content of the first regular file in a tar archive.
std::optional<std::string> firstTarFile(std::string_view tar);

Result<std::vector<CacheEntry>> listCacheVolumes(engine::Client& client);
Result<int> pruneCacheVolumes(engine::Client& client);

} // namespace agentrun::deps
