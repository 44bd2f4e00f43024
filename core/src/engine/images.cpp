#include "agentrun/engine/client.h"
#include "agentrun/engine/jsonlines.h"
#include "agentrun/engine/urlencode.h"
#include "agentrun/errorcodes.h"

#include "engine/jsonfield.h"

namespace agentrun::engine {

namespace {

nlohmann::json mapToJson(const std::map<std::string, std::string>& values)
{
    nlohmann::json json = nlohmann::json::object();
    for (const auto& [key, value] : values) {
        json[key] = value;
    }
    return json;
}

} // namespace

Result<std::vector<nlohmann::json>> Client::listImages(std::string_view labelFilter)
{
    std::string path = "/images/json";
    if (!labelFilter.empty()) {
        path += "?filters=" + urlEncode(nlohmann::json{{"label", {std::string(labelFilter)}}}.dump());
    }
    auto response = request("GET", path);
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, "image list"));
    }
    std::vector<nlohmann::json> images;
    const auto json = nlohmann::json::parse(response->body, nullptr, false);
    if (json.is_array()) {
        images.assign(json.begin(), json.end());
    }
    return images;
}

Result<std::vector<nlohmann::json>> Client::listImages(const ImageFilter& filter)
{
    nlohmann::json filters = nlohmann::json::object();
    if (!filter.labels.empty()) {
        filters["label"] = filter.labels;
    }
    if (filter.danglingOnly) {
        filters["dangling"] = {"true"};
    }
    auto response = request("GET", std::string("/images/json?all=") + (filter.all ? "1" : "0") +
                                       "&filters=" + urlEncode(filters.dump()));
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, "image list"));
    }
    const auto json = nlohmann::json::parse(response->body, nullptr, false);
    // An unreadable list must not read as "no images": a prune would report a clean slate.
    if (!json.is_array()) {
        return fail(errc::EngineProtocol, "The Docker engine sent an unreadable image list.");
    }
    return std::vector<nlohmann::json>(json.begin(), json.end());
}

Result<std::optional<nlohmann::json>> Client::findImage(std::string_view ref)
{
    auto response = request("GET", "/images/" + std::string(ref) + "/json");
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status == 404) {
        return std::optional<nlohmann::json>();
    }
    if (response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, "image " + std::string(ref)));
    }
    auto json = nlohmann::json::parse(response->body, nullptr, false);
    if (!json.is_object()) {
        return fail(errc::EngineProtocol,
                    "The engine's answer about image " + std::string(ref) + " is not JSON.");
    }
    return std::optional<nlohmann::json>(std::move(json));
}

Result<Client::Removal> Client::removeUnusedImage(std::string_view ref, std::chrono::milliseconds timeout)
{
    auto response = request("DELETE", "/images/" + std::string(ref), {}, timeout);
    if (!response) {
        return std::unexpected(response.error());
    }
    switch (response->status) {
    case 200:
        return Removal::Removed;
    case 404:
        return Removal::Absent;
    case 409:
        return Removal::InUse;
    default:
        return std::unexpected(httpError(response->status, response->body, "image " + std::string(ref)));
    }
}

Result<void> Client::tagImage(std::string_view ref, std::string_view repo, std::string_view tag)
{
    auto response = request("POST", "/images/" + std::string(ref) + "/tag?repo=" + urlEncode(repo) +
                                        "&tag=" + urlEncode(tag));
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 201 && response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, std::string(ref)));
    }
    return {};
}

Result<void> Client::removeImage(std::string_view ref, bool force)
{
    auto response = request("DELETE", "/images/" + std::string(ref) + (force ? "?force=1" : ""));
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, std::string(ref)));
    }
    return {};
}

Result<std::string> Client::importImage(std::string_view rootfsTar, std::string_view repo,
                                        std::string_view tag, const std::vector<std::string>& changes)
{
    std::string path = "/images/create?fromSrc=-&repo=" + urlEncode(repo) + "&tag=" + urlEncode(tag);
    for (const auto& change : changes) {
        path += "&changes=" + urlEncode(change);
    }
    auto response = request("POST", path, rootfsTar, std::chrono::minutes(10), "application/x-tar");
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, "import of " + std::string(repo)));
    }
    // The answer is a stream of JSON lines; the last one carries {"status": "sha256:…"} or an error.
    std::string id;
    std::string error;
    JsonLinesParser lines([&](const nlohmann::json& line) {
        if (line.is_object() && line.contains("error")) {
            error = textField(line, "error");
        } else if (line.is_object() && line.contains("status")) {
            id = textField(line, "status");
        }
        return true;
    });
    lines.feed(response->body);
    lines.finish();
    if (!error.empty()) {
        return fail(errc::ImageImportFailed, "Importing the root filesystem failed: " + error);
    }
    return id;
}

Result<std::string> Client::buildImage(std::string_view contextTar, const BuildOptions& options,
                                       const std::function<void(std::string_view line)>& progress,
                                       const std::atomic<bool>& cancel)
{
    std::string path = "/build?rm=1&forcerm=1&t=" + urlEncode(options.tag) +
                       "&dockerfile=" + urlEncode(options.dockerfile) +
                       "&networkmode=" + urlEncode(options.networkMode);
    if (!options.buildArgs.empty()) {
        path += "&buildargs=" + urlEncode(mapToJson(options.buildArgs).dump());
    }
    if (!options.labels.empty()) {
        path += "&labels=" + urlEncode(mapToJson(options.labels).dump());
    }
    std::string imageId;
    std::string error;
    JsonLinesParser lines([&](const nlohmann::json& line) {
        if (!line.is_object()) {
            return true;
        }
        if (line.contains("error")) {
            error = textField(line, "error");
            if (error.empty()) {
                error = "the engine reported an error without a message";
            }
        } else if (line.contains("stream") && line["stream"].is_string()) {
            std::string text = line["stream"].get<std::string>();
            while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
                text.pop_back();
            }
            if (!text.empty() && progress) {
                progress(text);
            }
        } else if (line.contains("aux") && line["aux"].is_object()) {
            if (const std::string id = textField(line["aux"], "ID"); !id.empty()) {
                imageId = id;
            }
        }
        return true;
    });
    const std::function<bool(std::string_view)> sink = [&](std::string_view chunk) {
        return lines.feed(chunk) && !cancel.load();
    };
    auto response =
        perform("POST", versionedUrl(path), contextTar, options.timeout, "application/x-tar", &sink, &cancel);
    if (!response) {
        return std::unexpected(response.error());
    }
    lines.finish();
    if (cancel.load()) {
        return fail(errc::ImageCancelled, "The image build was cancelled.");
    }
    if (response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, "image build"));
    }
    if (!error.empty()) {
        return fail(errc::ImageBuildFailed, "Building " + options.tag + " failed: " + error);
    }
    if (imageId.empty()) {
        auto inspected = inspectImage(options.tag);
        if (inspected) {
            imageId = textField(*inspected, "Id");
        }
    }
    return imageId;
}

} // namespace agentrun::engine
