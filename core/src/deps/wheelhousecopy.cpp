#include "deps/wheelhousecopy.h"

#include "agentrun/engine/client.h"
#include "agentrun/errorcodes.h"
#include "agentrun/engine/tar.h"
#include "deps/cachevolumes.h"
#include "deps/installerscript.h"
#include "deps/oneshot.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

namespace agentrun::deps {

namespace {

std::string freshName()
{
    std::random_device random;
    char buffer[20];
    std::snprintf(buffer, sizeof buffer, "%08x%08x", random(), random());
    return std::string("agentrun-wheelhouse-") + buffer;
}

/// The archive of the folder's regular files (links followed), in name order.
Result<std::string> archiveOf(const std::string& directory)
{
    namespace fs = std::filesystem;
    std::error_code error;
    fs::directory_iterator it(directory, error);
    if (error) {
        return fail(errc::DepsSource, "Cannot read the wheelhouse " + directory + ": " + error.message() +
                                          ". Give a folder you can read (ls " + directory + " must work).");
    }
    std::vector<fs::path> files;
    for (; it != fs::directory_iterator(); it.increment(error)) {
        if (error) {
            break;
        }
        if (it->is_regular_file(error) && !it->path().filename().string().starts_with(".")) {
            files.push_back(it->path());
        }
    }
    std::ranges::sort(files);
    engine::TarWriter tar;
    std::size_t total = 0;
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        std::string content;
        if (in) {
            content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        if (!in && !in.eof()) {
            return fail(errc::DepsSource, "Cannot read " + file.string() +
                                              " in the wheelhouse: make it readable by you (chmod u+r) or "
                                              "remove it from the folder.");
        }
        total += content.size();
        if (total > WheelhouseVolume::MaxBytes) {
            return fail(errc::DepsSource, "The wheelhouse " + directory +
                                              " holds more than 2 GiB of files: give a folder with only the "
                                              "wheels this code needs.");
        }
        if (auto added = tar.addFile(file.filename().string(), content, 0644); !added) {
            return std::unexpected(added.error());
        }
    }
    return tar.finish();
}

} // namespace

Result<WheelhouseVolume> WheelhouseVolume::fill(engine::Client& client, const std::string& imageId,
                                                const std::string& directory)
{
    auto archive = archiveOf(directory);
    if (!archive) {
        return std::unexpected(archive.error());
    }
    WheelhouseVolume volume(client, freshName());
    nlohmann::json labels = helperLabels("wheelhouse");
    if (auto created = createVolume(client, volume.m_name, labels); !created) {
        volume.m_name.clear(); // nothing to remove
        return std::unexpected(created.error());
    }
    // The archive goes in through a created, never started container that mounts the volume: no process
    // of ours or the wheels' runs, and the engine writes the files as root with the archive's modes.
    const nlohmann::json spec = {
        {"Image", imageId},
        {"Entrypoint", {"/nonexistent"}},
        {"User", "65534:65534"},
        {"NetworkDisabled", true},
        {"Labels", helperLabels("wheelhouse")},
        {"HostConfig",
         {{"NetworkMode", "none"},
          {"CapDrop", {"ALL"}},
          {"LogConfig", {{"Type", "none"}, {"Config", nlohmann::json::object()}}},
          {"Mounts",
           {{{"Type", "volume"},
             {"Source", volume.m_name},
             {"Target", WheelhousePath},
             {"ReadOnly", false}}}}}},
    };
    auto id = client.createContainer(spec);
    if (!id) {
        return std::unexpected(id.error());
    }
    auto put = client.putArchive(*id, WheelhousePath, *archive);
    client.removeContainer(*id, true);
    if (!put) {
        return std::unexpected(put.error());
    }
    return volume;
}

WheelhouseVolume::WheelhouseVolume(WheelhouseVolume&& other) noexcept
    : m_client(other.m_client), m_name(std::move(other.m_name))
{
    other.m_name.clear();
}

WheelhouseVolume::~WheelhouseVolume()
{
    if (!m_name.empty()) {
        removeVolume(*m_client, m_name); // best effort: the installer that used it is gone by now
    }
}

} // namespace agentrun::deps
