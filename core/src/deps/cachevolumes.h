#pragma once

// Internal to deps/: the cache volumes, through the engine client's volume calls.

#include "agentrun/deps/installer.h"
#include "agentrun/engine/client.h"
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
/// A removal as the cache reports it: done when the object went or was already gone; deps.busy with
/// `busyMessage` when a container still uses it; else the engine's error.
Result<void> removalDone(const Result<engine::Client::Removal>& removal, const std::string& busyMessage);
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
