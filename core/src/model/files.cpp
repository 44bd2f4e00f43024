#include "agentrun/model/files.h"
#include "agentrun/errorcodes.h"
#include <algorithm>

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
    if (request.inMemory()) {
        return {};
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

Result<void> validateInputFiles(const std::vector<InputFile>& files)
{
    if (files.size() > MaxInputFiles) {
        return fail(errc::FilesCount, std::to_string(files.size()) +
                                          " files were given; a run takes at most " +
                                          std::to_string(MaxInputFiles) + ": pack them into an archive.");
    }
    std::size_t total = 0;
    std::vector<std::string_view> seen;
    for (const auto& file : files) {
        total += file.data.size();
        const std::string shown = file.name.substr(0, 80);
        const auto bad = [&](const std::string& why) {
            return fail(errc::FilesName, "The file name \"" + shown + "\" " + why +
                                             ": give a relative path like data.csv or inputs/a.json.");
        };
        if (file.name.empty() || file.name.size() > MaxInputNameBytes) {
            return bad("is empty or longer than 255 bytes");
        }
        if (file.name.front() == '/') {
            return bad("is absolute");
        }
        int parts = 0;
        std::size_t start = 0;
        while (start <= file.name.size()) {
            const auto end = std::min(file.name.find('/', start), file.name.size());
            const std::string_view part = std::string_view(file.name).substr(start, end - start);
            if (part.empty() || part == "." || part == "..") {
                return bad("has an empty, \".\" or \"..\" part");
            }
            if (part.front() == '-') {
                return bad("has a part starting with '-'");
            }
            ++parts;
            start = end + 1;
        }
        if (parts > 8) {
            return bad("is more than 8 folders deep");
        }
        for (const unsigned char c : file.name) {
            if (c < 0x20 || c == 0x7f || c == '\\') {
                return bad("has a control character or a backslash");
            }
        }
        if (std::ranges::find(seen, std::string_view(file.name)) != seen.end()) {
            return bad("is given twice");
        }
        seen.push_back(file.name);
    }
    if (total > MaxInputFileBytes) {
        return fail(errc::FilesSize, "The files given hold " + std::to_string(total >> 20) +
                                         " MiB; a run takes at most 32 MiB of files: give less.");
    }
    return {};
}

} // namespace agentrun::model
