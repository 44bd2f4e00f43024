
#include "agentrun/engine/tar.h"
#include "agentrun/errorcodes.h"
#include "agentrun/jsonfield.h"
#include "agentrun/sandbox/imagebuilder.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace agentrun::sandbox {

namespace fs = std::filesystem;

Result<std::string> locateSandboxSources()
{
    std::vector<std::string> candidates;
    if (const char* dir = std::getenv("AGENTRUN_DATA_DIR")) {
        candidates.emplace_back(dir);
    }
    // An installed binary (bin/agentrun) finds its data in ../share/agentrun whatever prefix the
    // package put it under (a .deb installs to /usr while CMAKE_INSTALL_PREFIX may say /usr/local).
    std::error_code selfError;
    if (const auto self = fs::read_symlink("/proc/self/exe", selfError); !selfError) {
        candidates.emplace_back((self.parent_path().parent_path() / "share/agentrun").string());
    }
    candidates.emplace_back(fs::path(AGENTRUN_RESOURCES_SOURCE_DIR).parent_path().string());
    candidates.emplace_back(AGENTRUN_RESOURCES_INSTALL_DIR);
    for (const auto& candidate : candidates) {
        std::error_code error;
        if (fs::exists(fs::path(candidate) / "packaging/sandbox/Dockerfile", error) &&
            fs::exists(fs::path(candidate) / "resources/agent/agent.py", error)) {
            return candidate;
        }
    }
    return fail(errc::ImageSources,
                "Cannot find the sandbox image sources (packaging/sandbox/Dockerfile and "
                "resources/agent/): set AGENTRUN_DATA_DIR to the directory holding them.");
}

Result<SandboxInputs> readSandboxInputs(const std::string& root)
{
    std::vector<std::string> paths{"packaging/sandbox/Dockerfile"};
    std::vector<std::string> agentFiles;
    std::error_code error;
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(root) / "resources/agent", error)) {
        const auto relative = fs::relative(entry.path(), root).generic_string();
        if (entry.is_regular_file() && !relative.ends_with(".pyc") &&
            relative.find("__pycache__") == std::string::npos) {
            agentFiles.push_back(relative);
        }
    }
    if (error) {
        return fail(errc::ImageSources, "Cannot read " + root + "/resources/agent: " + error.message());
    }
    std::ranges::sort(agentFiles); // byte order, as `LC_ALL=C sort` in quickstart.sh
    paths.insert(paths.end(), agentFiles.begin(), agentFiles.end());

    SandboxInputs inputs;
    std::string manifest;
    for (const auto& path : paths) {
        std::ifstream file(fs::path(root) / path, std::ios::binary);
        if (!file) {
            return fail(errc::ImageSources, "Cannot read " + (fs::path(root) / path).string() + ".");
        }
        std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        manifest += path + "\n" + sha256Hex(content) + "\n";
        inputs.files.emplace_back(path, std::move(content));
    }
    inputs.hash = sha256Hex(manifest);
    return inputs;
}

Result<ImageStatus> sandboxImageStatus(engine::Client& client, const SandboxInputs& inputs,
                                       const std::string& tag)
{
    ImageStatus status;
    auto image = client.inspectImage(tag);
    if (!image) {
        if (image.error().code == errc::ImageMissing) {
            return status;
        }
        return std::unexpected(image.error());
    }
    status.present = true;
    status.id = json::textField(*image, "Id");
    status.sizeBytes = json::integerField(*image, "Size");
    const auto& labels = json::objectField(json::objectField(*image, "Config"), "Labels");
    if (labels.is_object()) {
        status.current = json::textField(labels, HashLabel) == inputs.hash;
        status.pythonVersion = json::textField(labels, "org.agentrun.python.version");
    }
    return status;
}

Result<std::string> buildSandboxImage(engine::Client& client, const SandboxInputs& inputs,
                                      const std::string& base, const std::string& tag,
                                      const std::function<void(std::string_view)>& progress,
                                      const std::atomic<bool>& cancel)
{
    if (auto present = client.inspectImage(base); !present) {
        if (present.error().code != errc::ImageMissing) {
            return std::unexpected(present.error());
        }
        return fail(errc::ImageBaseMissing,
                    "The base image " + base +
                        " is not in the engine and cannot be pulled here: build the offline "
                        "base with `sudo packaging/sandbox/build-base.sh` (debootstrap) and use --base " +
                        OfflineBase + ".");
    }
    engine::TarWriter tar;
    for (const auto& [path, content] : inputs.files) {
        if (auto added = tar.addFile(path, content); !added) {
            return std::unexpected(added.error());
        }
    }
    engine::Client::BuildOptions options;
    options.tag = tag;
    options.dockerfile = "packaging/sandbox/Dockerfile";
    options.buildArgs = {{"BASE", base}};
    options.labels = {{HashLabel, inputs.hash}};
    return client.buildImage(tar.finish(), options, progress, cancel);
}

} // namespace agentrun::sandbox
