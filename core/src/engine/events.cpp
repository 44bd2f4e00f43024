#include "agentrun/engine/client.h"
#include "agentrun/engine/jsonlines.h"
#include "agentrun/engine/urlencode.h"

#include "engine/jsonfield.h"

namespace agentrun::engine {

Result<void> Client::streamEvents(std::string_view labelFilter, const std::vector<std::string>& types,
                                  const std::function<bool(const Event&)>& event,
                                  const std::atomic<bool>& stop)
{
    nlohmann::json filters = nlohmann::json::object();
    if (!labelFilter.empty()) {
        filters["label"] = {std::string(labelFilter)};
    }
    if (!types.empty()) {
        filters["type"] = types;
    }
    std::string path = "/events";
    if (!filters.empty()) {
        path += "?filters=" + urlEncode(filters.dump());
    }
    JsonLinesParser lines([&](const nlohmann::json& json) {
        if (!json.is_object()) {
            return true; // not an event: skip it rather than end the stream
        }
        Event parsed;
        parsed.type = textField(json, "Type");
        parsed.action = textField(json, "Action");
        if (parsed.action.empty()) {
            parsed.action = textField(json, "status"); // engines before API 1.22 named it so
        }
        parsed.timeNano = integerField(json, "timeNano");
        if (const auto actor = json.find("Actor"); actor != json.end() && actor->is_object()) {
            parsed.id = textField(*actor, "ID");
            if (const auto attributes = actor->find("Attributes");
                attributes != actor->end() && attributes->is_object()) {
                for (const auto& [key, value] : attributes->items()) {
                    if (value.is_string()) {
                        parsed.attributes.emplace(key, value.get<std::string>());
                    }
                }
            }
        }
        if (parsed.id.empty()) {
            parsed.id = textField(json, "id");
        }
        return event(parsed);
    });
    const std::function<bool(std::string_view)> sink = [&](std::string_view chunk) {
        return lines.feed(chunk) && !stop.load();
    };
    auto response = perform("GET", versionedUrl(path), {}, std::chrono::milliseconds(0), "application/json",
                            &sink, &stop);
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, "the event stream"));
    }
    return {};
}

} // namespace agentrun::engine
