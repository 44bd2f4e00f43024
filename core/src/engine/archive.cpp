#include "agentrun/engine/client.h"
#include "agentrun/engine/urlencode.h"
#include "agentrun/errorcodes.h"

namespace agentrun::engine {

namespace {

/// The engine's 404 for a path (not for the container) says "Could not find the file …".
Error archiveError(long status, const std::string& body, std::string_view id, std::string_view path)
{
    if (status == 404 && body.find("Could not find the file") != std::string::npos) {
        return {errc::ArchiveMissing,
                "There is no " + std::string(path) + " in container " + std::string(id.substr(0, 12)) +
                    " (tmpfs mounts are not visible to the engine's archive endpoint)."};
    }
    if (status == 403 || (status == 500 && body.find("read-only") != std::string::npos)) {
        return {errc::ArchiveReadOnly,
                "The engine cannot write into " + std::string(path) + " of container " +
                    std::string(id.substr(0, 12)) +
                    ": that filesystem is read-only (sandboxes have a read-only root)."};
    }
    return httpError(status, body, "archive of container " + std::string(id.substr(0, 12)));
}

} // namespace

Result<void> Client::putArchive(std::string_view id, std::string_view directory, std::string_view tar)
{
    auto response = request("PUT",
                            "/containers/" + std::string(id) + "/archive?path=" + urlEncode(directory) +
                                "&noOverwriteDirNonDir=true",
                            tar, std::chrono::minutes(2), "application/x-tar");
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(archiveError(response->status, response->body, id, directory));
    }
    return {};
}

Result<void> Client::getArchive(std::string_view id, std::string_view path,
                                const std::function<bool(std::string_view)>& sink,
                                const std::atomic<bool>& cancel)
{
    const std::function<bool(std::string_view)> forward = [&](std::string_view chunk) {
        return sink(chunk) && !cancel.load();
    };
    auto response =
        perform("GET", versionedUrl("/containers/" + std::string(id) + "/archive?path=" + urlEncode(path)),
                {}, std::chrono::minutes(10), "application/json", &forward, &cancel);
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(archiveError(response->status, response->body, id, path));
    }
    if (cancel.load()) {
        return fail(errc::ArchiveCancelled, "The copy out of the container was cancelled.");
    }
    return {};
}

Result<std::optional<std::string>> Client::readArchive(std::string_view id, std::string_view path,
                                                       std::chrono::milliseconds timeout)
{
    auto response =
        request("GET", "/containers/" + std::string(id) + "/archive?path=" + urlEncode(path), {}, timeout);
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status == 404) {
        return std::optional<std::string>();
    }
    if (response->status != 200) {
        return std::unexpected(archiveError(response->status, response->body, id, path));
    }
    return std::optional<std::string>(std::move(response->body));
}

} // namespace agentrun::engine
