#include "agentrun/model/files.h"
#include "agentrun/errorcodes.h"

namespace agentrun::model {

namespace {
constexpr std::size_t MaxPaths = 64;
} // namespace

Result<void> validateCollect(const CollectRequest& request)
{
    if (request.paths.size() > MaxPaths) {
        return fail(errc::RequestCollect, "collect names " + std::to_string(request.paths.size()) +
                                              " paths; at most " + std::to_string(MaxPaths) +
                                              " are accepted (name a folder instead).");
    }
    for (const auto& path : request.paths) {
        const bool dotDot = path == ".." || path.starts_with("../") || path.ends_with("/..") ||
                            path.find("/../") != std::string::npos;
        if (path.empty() || path.size() > 255 || path.front() == '/' || path.front() == '-' || dotDot ||
            path.find('\0') != std::string::npos) {
            return fail(errc::RequestCollect,
                        "collect path \"" + path.substr(0, 80) +
                            "\" is not accepted: give a path relative to the working directory (1–255 bytes, "
                            "no leading '/' or '-', no `..`).");
        }
    }
    std::error_code error;
    if (!request.paths.empty() &&
        (!std::filesystem::is_directory(std::filesystem::symlink_status(request.destination, error)))) {
        return fail(errc::RequestCollectTo, "The folder for collected files, " +
                                                request.destination.string() +
                                                ", does not exist or is not a directory (links are not "
                                                "accepted): create it first.");
    }
    if (!request.paths.empty() && !std::filesystem::is_empty(request.destination, error)) {
        return fail(errc::RequestCollectTo,
                    "The folder for collected files, " + request.destination.string() +
                        ", is not empty: files are collected only into an empty or new folder, so that "
                        "nothing merges into what is there. Give another folder (--collect-to DIR) or "
                        "move its contents away.");
    }
    return {};
}

} // namespace agentrun::model
