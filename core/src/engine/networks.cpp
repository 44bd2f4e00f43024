// Networks: what an allowlisted run's sandbox and its egress proxy share (sandbox/egressproxy.h).
#include "agentrun/engine/client.h"
#include "agentrun/engine/urlencode.h"
#include "agentrun/errorcodes.h"

#include "engine/jsonfield.h"

namespace agentrun::engine {

Result<std::string> Client::createNetwork(std::string_view name, const NetworkOptions& options)
{
    const nlohmann::json body = {{"Name", std::string(name)}, {"Driver", "bridge"},
                                 {"CheckDuplicate", true},    {"Internal", options.internal},
                                 {"Attachable", false},       {"EnableIPv6", false},
                                 {"Labels", options.labels},  {"Options", options.driverOptions}};
    auto response = request("POST", "/networks/create", body.dump());
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 201 && response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, "network " + std::string(name)));
    }
    const auto json = nlohmann::json::parse(response->body, nullptr, false);
    const std::string id = textField(json, "Id");
    if (id.empty()) {
        return fail(errc::EngineProtocol, "The Docker engine sent an unreadable answer creating network " +
                                              std::string(name) + ".");
    }
    return id;
}

Result<std::optional<nlohmann::json>> Client::inspectNetwork(std::string_view nameOrId)
{
    auto response = request("GET", "/networks/" + urlEncode(nameOrId));
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status == 404) {
        return std::optional<nlohmann::json>();
    }
    if (response->status != 200) {
        return std::unexpected(
            httpError(response->status, response->body, "network " + std::string(nameOrId)));
    }
    auto json = nlohmann::json::parse(response->body, nullptr, false);
    if (!json.is_object()) {
        return fail(errc::EngineProtocol, "The Docker engine sent an unreadable answer about network " +
                                              std::string(nameOrId) + ".");
    }
    return std::optional<nlohmann::json>(std::move(json));
}

Result<Client::Removal> Client::removeNetwork(std::string_view nameOrId)
{
    auto response = request("DELETE", "/networks/" + urlEncode(nameOrId));
    if (!response) {
        return std::unexpected(response.error());
    }
    switch (response->status) {
    case 204:
    case 200:
        return Removal::Removed;
    case 404:
        return Removal::Absent;
    case 403:
    case 409:
        return Removal::InUse; // "has active endpoints"
    default:
        return std::unexpected(
            httpError(response->status, response->body, "network " + std::string(nameOrId)));
    }
}

Result<void> Client::connectNetwork(std::string_view network, std::string_view container)
{
    const nlohmann::json body = {{"Container", std::string(container)}};
    auto response = request("POST", "/networks/" + urlEncode(network) + "/connect", body.dump());
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(
            httpError(response->status, response->body, "network " + std::string(network)));
    }
    return {};
}

Result<std::vector<std::pair<std::string, std::map<std::string, std::string>>>>
Client::listNetworks(std::string_view labelFilter)
{
    const nlohmann::json filters = {{"label", {std::string(labelFilter)}}};
    auto response = request("GET", "/networks?filters=" + urlEncode(filters.dump()));
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, "network list"));
    }
    const auto json = nlohmann::json::parse(response->body, nullptr, false);
    if (!json.is_array()) {
        return fail(errc::EngineProtocol, "The Docker engine sent an unreadable network list.");
    }
    std::vector<std::pair<std::string, std::map<std::string, std::string>>> out;
    for (const auto& item : json) {
        std::map<std::string, std::string> labels;
        if (const auto found = item.is_object() ? item.find("Labels") : item.end();
            found != item.end() && found->is_object()) {
            for (const auto& [key, value] : found->items()) {
                if (value.is_string()) {
                    labels[key] = value.get<std::string>();
                }
            }
        }
        const std::string id = textField(item, "Id");
        if (id.empty()) {
            return fail(errc::EngineProtocol, "The Docker engine sent an unreadable network list.");
        }
        out.emplace_back(id, std::move(labels));
    }
    return out;
}

} // namespace agentrun::engine
