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

std::string cacheFilter()
{
    return engine::urlEncode(nlohmann::json{{"label", {std::string(DepsLabel) + "=cache"}}}.dump());
}

Result<std::vector<nlohmann::json>> cacheVolumes(engine::Client& client)
{
    auto response = client.request("GET", "/volumes?filters=" + cacheFilter());
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(engine::httpError(response->status, response->body, "volume list"));
    }
    const auto json = nlohmann::json::parse(response->body, nullptr, false);
    std::vector<nlohmann::json> volumes;
    if (json.is_object() && json.contains("Volumes") && json["Volumes"].is_array()) {
        for (const auto& volume : json["Volumes"]) {
            volumes.push_back(volume);
        }
    }
    return volumes;
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
    auto response = client.request("GET", "/volumes/" + name);
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status == 404) {
        return std::optional<std::string>();
    }
    if (response->status != 200) {
        return std::unexpected(engine::httpError(response->status, response->body, "volume " + name));
    }
    const auto json = nlohmann::json::parse(response->body, nullptr, false);
    return std::optional<std::string>(json::textField(json, "CreatedAt", "?"));
}

Result<void> createVolume(engine::Client& client, const std::string& name, const nlohmann::json& labels)
{
    const nlohmann::json body = {{"Name", name}, {"Driver", "local"}, {"Labels", labels}};
    auto response = client.request("POST", "/volumes/create", body.dump());
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 201 && response->status != 200) {
        return std::unexpected(engine::httpError(response->status, response->body, "volume " + name));
    }
    return {};
}

Result<void> removeCacheObject(engine::Client& client, const std::string& path, int doneStatus,
                               const std::string& what, const std::string& busyMessage,
                               std::chrono::seconds timeout)
{
    auto response = client.request("DELETE", path, {}, timeout);
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status == 409) {
        return fail(errc::DepsBusy, busyMessage);
    }
    if (response->status != doneStatus && response->status != 404) {
        return std::unexpected(engine::httpError(response->status, response->body, what));
    }
    return {};
}

Result<void> removeVolume(engine::Client& client, const std::string& name)
{
    return removeCacheObject(
        client, "/volumes/" + name, 204, "volume " + name,
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
    auto volumes = cacheVolumes(client);
    if (!volumes) {
        return std::unexpected(volumes.error());
    }
    // Sizes: /system/df walks the volumes, so it is asked once for all of them.
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> usage;
    if (auto df = client.request("GET", "/system/df", {}, std::chrono::seconds(120));
        df && df->status == 200) {
        const auto json = nlohmann::json::parse(df->body, nullptr, false);
        if (json.is_object() && json.contains("Volumes") && json["Volumes"].is_array()) {
            for (const auto& volume : json["Volumes"]) {
                const auto& data = json::objectField(volume, "UsageData");
                usage[json::textField(volume, "Name")] = {json::integerField(data, "Size", -1),
                                                          json::integerField(data, "RefCount")};
            }
        }
    }
    std::vector<CacheEntry> entries;
    for (const auto& volume : *volumes) {
        CacheEntry entry;
        entry.volume = json::textField(volume, "Name");
        const auto& labels = json::objectField(volume, "Labels");
        if (labels.is_object()) {
            entry.requirements = json::textField(labels, std::string(DepsLabel) + ".requirements");
            entry.image = json::textField(labels, std::string(DepsLabel) + ".image");
            entry.source = json::textField(labels, std::string(DepsLabel) + ".source");
        }
        entry.created = json::textField(volume, "CreatedAt");
        if (const auto it = usage.find(entry.volume); it != usage.end()) {
            entry.sizeBytes = it->second.first;
            entry.inUse = it->second.second > 0;
        }
        entries.push_back(std::move(entry));
    }
    std::ranges::sort(entries, {}, &CacheEntry::volume);
    return entries;
}

Result<int> pruneCacheVolumes(engine::Client& client)
{
    auto volumes = cacheVolumes(client);
    if (!volumes) {
        return std::unexpected(volumes.error());
    }
    int removed = 0;
    for (const auto& volume : *volumes) {
        const std::string name = json::textField(volume, "Name");
        if (name.empty()) {
            continue;
        }
        auto gone = removeVolume(client, name);
        if (gone) {
            ++removed;
        } else if (gone.error().code != errc::DepsBusy) {
            return std::unexpected(gone.error());
        }
    }
    return removed;
}

} // namespace agentrun::deps
