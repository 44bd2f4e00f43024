#include "helper_engine.h"

#include "agentrun/deps/installer.h"
#include "agentrun/engine/demuxer.h"
#include "agentrun/sandbox/containerspec.h"

#include <chrono>

#include <unistd.h>

namespace testing {

std::unique_ptr<agentrun::engine::Client> requireEngine()
{
    auto endpoint = agentrun::engine::Endpoint::resolve();
    if (!endpoint) {
        qFatal("DOCKER_HOST is invalid: %s", endpoint.error().message.c_str());
    }
    auto client = std::make_unique<agentrun::engine::Client>(*endpoint);
    auto info = client->info();
    if (!info) {
        qFatal("These tests need a running Docker engine (./packaging/quickstart.sh test starts one): %s",
               info.error().message.c_str());
    }
    if (auto image = client->inspectImage(sandboxImage()); !image) {
        qFatal("These tests need the sandbox image: %s", image.error().message.c_str());
    }
    return client;
}

ContainerOutput runAttached(agentrun::engine::Client& client, const nlohmann::json& spec,
                            const std::string& input)
{
    using namespace std::chrono_literals;
    ContainerOutput output;
    auto id = client.createContainer(spec);
    if (!id) {
        output.err = id.error().message;
        return output;
    }
    auto stream = client.attach(*id);
    if (stream && client.startContainer(*id)) {
        if (!input.empty()) {
            stream->write(input);
        }
        stream->closeWrite();
        agentrun::engine::FrameDemuxer demuxer(
            [&](agentrun::engine::FrameDemuxer::Channel channel, std::string_view bytes) {
                (channel == agentrun::engine::FrameDemuxer::Channel::Stderr ? output.err : output.out)
                    .append(bytes);
            });
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        bool eof = false;
        while (!eof && std::chrono::steady_clock::now() < deadline) {
            auto chunk = stream->read(100ms, eof);
            if (!chunk) {
                break;
            }
            demuxer.feed(*chunk);
        }
        auto code = client.waitContainer(*id, 30s);
        output.exitCode = code ? *code : -1;
    }
    client.removeContainer(*id);
    return output;
}

int managedContainers(agentrun::engine::Client& client)
{
    // Only this process's own: other test executables run beside this one under ctest -j.
    auto ids = client.listContainers("org.agentrun.owner-pid=" + std::to_string(::getpid()));
    return ids ? static_cast<int>(ids->size()) : -1;
}

int managedVolumes(agentrun::engine::Client& client)
{
    const std::string filter = "%7B%22label%22%3A%5B%22org.agentrun.owner-pid%3D" +
                               std::to_string(::getpid()) +
                               "%22%5D%7D"; // {"label":["org.agentrun.owner-pid=<pid>"]}
    auto response = client.request("GET", "/volumes?filters=" + filter);
    if (!response || response->status != 200) {
        return -1;
    }
    const auto json = nlohmann::json::parse(response->body, nullptr, false);
    return json.is_object() && json["Volumes"].is_array() ? static_cast<int>(json["Volumes"].size()) : -1;
}

std::string cacheVolumeFor(agentrun::engine::Client& client,
                           const std::vector<std::pair<std::string, std::string>>& requirements,
                           const std::string& wheelhouse)
{
    std::vector<agentrun::deps::Requirement> set;
    for (const auto& [name, specifier] : requirements) {
        set.push_back({name, specifier});
    }
    auto image = client.inspectImage(sandboxImage());
    const std::string imageId = image ? image->value("Id", "") : std::string();
    return agentrun::deps::cacheVolumeName(set, imageId, {"", wheelhouse, true});
}

std::vector<std::string> removeVolumes(agentrun::engine::Client& client,
                                       const std::vector<std::string>& names)
{
    std::vector<std::string> left;
    for (const auto& name : names) {
        client.request("DELETE", "/volumes/" + name);
        auto response = client.request("GET", "/volumes/" + name);
        if (!response || response->status != 404) {
            left.push_back(name);
        }
    }
    return left;
}

} // namespace testing
