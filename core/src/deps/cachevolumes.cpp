#include "deps/cachevolumes.h"

#include "agentrun/deps/bake.h"
#include "agentrun/engine/client.h"
#include "agentrun/engine/urlencode.h"
#include "agentrun/errorcodes.h"
#include "agentrun/jsonfield.h"
#include "deps/installerscript.h"
#include "deps/oneshot.h"

#include <map>

namespace agentrun::deps {

namespace {

std::string cacheLabel()
{
    return std::string(DepsLabel) + "=cache";
}

std::int64_t octal(std::string_view field)
{
    std::int64_t value = 0;
    for (char c : field) {
        if (c >= '0' && c <= '7') {
            value = value * 8 + (c - '0');
        } else if (c != ' ' && c != '\0') {
            return -1;
        } else if (value > 0) {
            break;
        }
    }
    return value;
}

} // namespace

std::optional<std::string_view> tarEntries(std::string_view tar)
{
    std::size_t offset = 0;
    while (offset + 512 <= tar.size()) {
        const std::string_view header = tar.substr(offset, 512);
        if (header.find_first_not_of('\0') == std::string_view::npos) {
            return tar.substr(0, offset); // the end-of-archive blocks start here
        }
        const std::int64_t size = octal(header.substr(124, 12));
        if (size < 0 || offset + 512 + static_cast<std::size_t>(size) > tar.size()) {
            return std::nullopt;
        }
        offset += 512 + (static_cast<std::size_t>(size) + 511) / 512 * 512;
    }
    return std::nullopt; // no end-of-archive marker: cut short
}

Result<std::optional<std::string>> volumeCreatedAt(engine::Client& client, const std::string& name)
{
    auto volume = client.inspectVolume(name);
    if (!volume) {
        return std::unexpected(volume.error());
    }
    if (!*volume) {
        return std::optional<std::string>();
    }
    return std::optional<std::string>((*volume)->createdAt.empty() ? "?" : (*volume)->createdAt);
}

Result<void> createVolume(engine::Client& client, const std::string& name, const nlohmann::json& labels)
{
    std::map<std::string, std::string> values;
    for (const auto& [key, value] : labels.items()) {
        values[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    return client.createVolume(name, values);
}

Result<void> removalDone(const Result<engine::Client::Removal>& removal, const std::string& busyMessage)
{
    if (!removal) {
        return std::unexpected(removal.error());
    }
    if (*removal == engine::Client::Removal::InUse) {
        return fail(errc::DepsBusy, busyMessage);
    }
    return {};
}

Result<void> removeVolume(engine::Client& client, const std::string& name)
{
    return removalDone(client.removeVolume(name),
                       "The dependency volume " + name +
                           " is in use (another install or run of the same packages): try again when it "
                           "has finished.");
}

std::optional<std::string> firstTarFile(std::string_view tar)
{
    std::size_t offset = 0;
    while (offset + 512 <= tar.size()) {
        const std::string_view header = tar.substr(offset, 512);
        if (header[0] == '\0') {
            return std::nullopt; // end of archive
        }
        const std::int64_t size = octal(header.substr(124, 12));
        const char type = header[156];
        if (size < 0 || offset + 512 + static_cast<std::size_t>(size) > tar.size()) {
            return std::nullopt;
        }
        if (type == '0' || type == '\0') {
            return std::string(tar.substr(offset + 512, static_cast<std::size_t>(size)));
        }
        offset += 512 + (static_cast<std::size_t>(size) + 511) / 512 * 512;
    }
    return std::nullopt;
}

namespace {

/// GET of `path` through the archive endpoint of a created, never started container that mounts the
/// volume: the engine's tar, or nullopt when the path does not exist.
Result<std::optional<std::string>> archiveFromVolume(engine::Client& client, const std::string& imageId,
                                                     const std::string& volume, const std::string& path,
                                                     std::chrono::milliseconds timeout)
{
    const nlohmann::json spec = {
        {"Image", imageId},
        {"Entrypoint", {"/nonexistent"}}, // never started
        {"User", "65534:65534"},
        {"NetworkDisabled", true},
        {"Labels", helperLabels("probe")},
        {"HostConfig",
         {{"NetworkMode", "none"},
          {"ReadonlyRootfs", true},
          {"CapDrop", {"ALL"}},
          {"LogConfig", {{"Type", "none"}, {"Config", nlohmann::json::object()}}},
          {"Mounts", {runMount(volume)}}}},
    };
    auto id = client.createContainer(spec);
    if (!id) {
        return std::unexpected(id.error());
    }
    auto tar = client.readArchive(*id, path, timeout);
    client.removeContainer(*id, true);
    return tar;
}

} // namespace

Result<std::optional<std::string>> readMarker(engine::Client& client, const std::string& imageId,
                                              const std::string& volume)
{
    auto tar = archiveFromVolume(client, imageId, volume, std::string(SitePath) + "/" + MarkerName,
                                 std::chrono::seconds(30));
    if (!tar || !*tar) {
        return tar;
    }
    return firstTarFile(**tar);
}

Result<std::string> readVolumeArchive(engine::Client& client, const std::string& imageId,
                                      const std::string& volume, std::chrono::milliseconds timeout)
{
    auto tar = archiveFromVolume(client, imageId, volume, SitePath, timeout);
    if (!tar) {
        return std::unexpected(tar.error());
    }
    if (!*tar) {
        return fail(errc::DepsVolume, "The dependency volume " + volume + " has no " + SitePath + ".");
    }
    return std::move(**tar);
}

Result<std::vector<CacheEntry>> listCacheVolumes(engine::Client& client)
{
    auto volumes = client.listVolumes(cacheLabel());
    if (!volumes) {
        return std::unexpected(volumes.error());
    }
    // Sizes are extra: a listing without them (an engine too slow to walk the volumes) still lists.
    const auto usage = client.volumeUsage();
    std::vector<CacheEntry> entries;
    for (const auto& volume : *volumes) {
        CacheEntry entry;
        entry.volume = volume.name;
        const auto label = [&](const char* key) {
            const auto it = volume.labels.find(std::string(DepsLabel) + key);
            return it != volume.labels.end() ? it->second : std::string();
        };
        entry.requirements = label(".requirements");
        entry.image = label(".image");
        entry.source = label(".source");
        entry.created = volume.createdAt;
        if (usage) {
            if (const auto it = usage->find(entry.volume); it != usage->end()) {
                entry.sizeBytes = it->second.sizeBytes;
                entry.inUse = it->second.refCount > 0;
            }
        }
        entries.push_back(std::move(entry));
    }
    std::ranges::sort(entries, {}, &CacheEntry::volume);
    return entries;
}

Result<int> pruneCacheVolumes(engine::Client& client)
{
    auto volumes = client.listVolumes(cacheLabel());
    if (!volumes) {
        return std::unexpected(volumes.error());
    }
    int removed = 0;
    for (const auto& volume : *volumes) {
        auto gone = removeVolume(client, volume.name);
        if (gone) {
            ++removed;
        } else if (gone.error().code != errc::DepsBusy) {
            return std::unexpected(gone.error());
        }
    }
    return removed;
}

} // namespace agentrun::deps
