// Volumes: the dependency cache keeps installed package sets in them (deps/cachevolumes.cpp).
#include "agentrun/engine/client.h"
#include "agentrun/errorcodes.h"

#include "engine/jsonfield.h"
#include "agentrun/engine/urlencode.h"

namespace agentrun::engine {

namespace {

Client::Volume volumeOf(const nlohmann::json& json)
{
    Client::Volume volume;
    volume.name = textField(json, "Name");
    volume.createdAt = textField(json, "CreatedAt");
    if (const auto labels = json.find("Labels"); labels != json.end() && labels->is_object()) {
        for (const auto& [key, value] : labels->items()) {
            if (value.is_string()) {
                volume.labels[key] = value.get<std::string>();
            }
        }
    }
    return volume;
}

} // namespace

Result<std::vector<Client::Volume>> Client::listVolumes(std::string_view labelFilter)
{
    const nlohmann::json filters = {{"label", {std::string(labelFilter)}}};
    auto response = request("GET", "/volumes?filters=" + urlEncode(filters.dump()));
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, "volume list"));
    }
    const auto json = nlohmann::json::parse(response->body, nullptr, false);
    // "Volumes" is null when there are none; anything else unreadable must not read as "no volumes".
    if (!json.is_object()) {
        return fail(errc::EngineProtocol, "The Docker engine sent an unreadable volume list.");
    }
    std::vector<Volume> volumes;
    if (const auto list = json.find("Volumes"); list != json.end() && list->is_array()) {
        for (const auto& item : *list) {
            if (auto volume = volumeOf(item); !volume.name.empty()) {
                volumes.push_back(std::move(volume));
            }
        }
    }
    return volumes;
}

Result<std::optional<Client::Volume>> Client::inspectVolume(std::string_view name)
{
    auto response = request("GET", "/volumes/" + urlEncode(name));
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status == 404) {
        return std::optional<Volume>();
    }
    if (response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, "volume " + std::string(name)));
    }
    const auto json = nlohmann::json::parse(response->body, nullptr, false);
    if (!json.is_object()) {
        return fail(errc::EngineProtocol,
                    "The Docker engine sent an unreadable answer about volume " + std::string(name) + ".");
    }
    return std::optional<Volume>(volumeOf(json));
}

Result<void> Client::createVolume(std::string_view name, const std::map<std::string, std::string>& labels)
{
    const nlohmann::json body = {{"Name", std::string(name)}, {"Driver", "local"}, {"Labels", labels}};
    auto response = request("POST", "/volumes/create", body.dump());
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 201 && response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, "volume " + std::string(name)));
    }
    return {};
}

Result<Client::Removal> Client::removeVolume(std::string_view name, std::chrono::milliseconds timeout)
{
    auto response = request("DELETE", "/volumes/" + urlEncode(name), {}, timeout);
    if (!response) {
        return std::unexpected(response.error());
    }
    switch (response->status) {
    case 204:
        return Removal::Removed;
    case 404:
        return Removal::Absent;
    case 409:
        return Removal::InUse;
    default:
        return std::unexpected(httpError(response->status, response->body, "volume " + std::string(name)));
    }
}

Result<std::map<std::string, Client::VolumeUsage>> Client::volumeUsage(std::chrono::milliseconds timeout)
{
    auto response = request("GET", "/system/df", {}, timeout);
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, "disk usage"));
    }
    const auto json = nlohmann::json::parse(response->body, nullptr, false);
    std::map<std::string, VolumeUsage> usage;
    const auto list = json.is_object() ? json.find("Volumes") : json.end();
    if (!json.is_object() || list == json.end() || !list->is_array()) {
        return usage; // no volumes (the engine sends null), or nothing readable: sizes stay unknown
    }
    for (const auto& volume : *list) {
        VolumeUsage entry;
        const auto data = volume.is_object() ? volume.find("UsageData") : volume.end();
        if (volume.is_object() && data != volume.end() && data->is_object()) {
            // -1 is the engine's own "not computed"; a missing field means the same.
            entry.sizeBytes = data->contains("Size") ? integerField(*data, "Size") : -1;
            entry.refCount = integerField(*data, "RefCount");
        }
        usage[textField(volume, "Name")] = entry;
    }
    return usage;
}

} // namespace agentrun::engine
