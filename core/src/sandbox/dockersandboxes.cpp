#include "agentrun/sandbox/dockersandboxes.h"

#include "agentrun/jsonfield.h"
#include "agentrun/sandbox/containerspec.h"

#include <unistd.h>

namespace agentrun::sandbox {

nlohmann::json dockerCreateBody(const SandboxRequest& request)
{
    auto spec = containerSpec(request.limits, request.image);
    if (!request.network.empty()) {
        spec["HostConfig"]["NetworkMode"] = request.network;
        spec["NetworkDisabled"] = false;
        // The engine's resolver answers from the sandbox's own namespace, where no query gets anywhere:
        // fail a lookup in a second, not ten.
        spec["HostConfig"]["DnsOptions"] = {"timeout:1", "attempts:1"};
    }
    if (!request.agentArguments.empty()) {
        spec["Cmd"] = request.agentArguments; // arguments of the agent (the entrypoint)
    }
    for (const auto& volume : request.volumes) {
        spec["HostConfig"]["Mounts"].push_back({{"Type", "volume"},
                                                {"Source", volume.volume},
                                                {"Target", volume.target},
                                                {"ReadOnly", volume.readOnly},
                                                {"VolumeOptions", {{"NoCopy", true}}}});
    }
    for (const auto& variable : request.env) {
        spec["Env"].push_back(variable);
    }
    for (const auto& [key, value] : request.labels) {
        if (!spec["Labels"].contains(key)) { // added to, never replacing, the spec's own (the reaper's)
            spec["Labels"][key] = value;
        }
    }
    spec["Labels"]["org.agentrun.owner-pid"] = std::to_string(::getpid());
    return spec;
}

SandboxStats dockerStats(const nlohmann::json& stats)
{
    SandboxStats sample;
    sample.memoryBytes = json::integerField(json::objectField(stats, "memory_stats"), "usage");
    const auto& cpu = json::objectField(stats, "cpu_stats");
    const auto& previous = json::objectField(stats, "precpu_stats");
    const double total = json::numberField(json::objectField(cpu, "cpu_usage"), "total_usage");
    const double cpuDelta =
        total - json::numberField(json::objectField(previous, "cpu_usage"), "total_usage");
    const double systemDelta =
        json::numberField(cpu, "system_cpu_usage") - json::numberField(previous, "system_cpu_usage");
    const double cpus = json::numberField(cpu, "online_cpus", 1.0);
    if (systemDelta > 0 && cpuDelta >= 0) {
        sample.cpuPercent = cpuDelta / systemDelta * cpus * 100.0;
    }
    sample.cpuSeconds = total / 1e9;
    sample.pids = json::integerField(json::objectField(stats, "pids_stats"), "current");
    sample.throttledSeconds =
        json::numberField(json::objectField(cpu, "throttling_data"), "throttled_time") / 1e9;
    for (const auto& [name, counters] : json::objectField(stats, "networks").items()) {
        sample.networkBytes +=
            json::integerField(counters, "rx_bytes") + json::integerField(counters, "tx_bytes");
    }
    return sample;
}

SandboxState dockerState(const nlohmann::json& container)
{
    SandboxState state;
    const auto& engineState = json::objectField(container, "State");
    state.running = json::boolField(engineState, "Running");
    state.paused = json::boolField(engineState, "Paused");
    state.oomKilled = json::boolField(engineState, "OOMKilled");
    state.exitCode = static_cast<int>(json::integerField(engineState, "ExitCode", -1));
    state.pid = static_cast<int>(json::integerField(engineState, "Pid"));
    const auto& networks = json::objectField(json::objectField(container, "NetworkSettings"), "Networks");
    for (const auto& [name, network] : networks.items()) {
        if (auto address = json::textField(network, "IPAddress"); !address.empty()) {
            state.addresses[name] = address;
        }
    }
    const auto& labels = json::objectField(json::objectField(container, "Config"), "Labels");
    for (const auto& [key, value] : labels.items()) {
        if (value.is_string()) {
            state.labels[key] = value.get<std::string>();
        }
    }
    return state;
}

std::string DockerSandboxes::address() const
{
    return m_client.endpoint().display();
}

Result<std::string> DockerSandboxes::create(const SandboxRequest& request)
{
    return m_client.createContainer(dockerCreateBody(request));
}

Result<engine::AttachStream> DockerSandboxes::attach(std::string_view id)
{
    return m_client.attach(id);
}

Result<void> DockerSandboxes::start(std::string_view id)
{
    return m_client.startContainer(id);
}

Result<void> DockerSandboxes::kill(std::string_view id)
{
    return m_client.killContainer(id);
}

Result<void> DockerSandboxes::remove(std::string_view id)
{
    return m_client.removeContainer(id, true);
}

Result<int> DockerSandboxes::wait(std::string_view id, std::chrono::milliseconds timeout)
{
    return m_client.waitContainer(id, timeout);
}

Result<SandboxState> DockerSandboxes::state(std::string_view id)
{
    auto container = m_client.inspectContainer(id);
    if (!container) {
        return std::unexpected(container.error());
    }
    return dockerState(*container);
}

Result<void> DockerSandboxes::stats(std::string_view id,
                                    const std::function<bool(const SandboxStats&)>& sample,
                                    const std::atomic<bool>& stop)
{
    return m_client.streamStats(
        id, [&](const nlohmann::json& answer) { return sample(dockerStats(answer)); }, stop);
}

Result<SandboxExec> DockerSandboxes::exec(std::string_view id, const std::vector<std::string>& command,
                                          std::string_view user)
{
    engine::Client::ExecOptions options;
    options.cmd = command;
    options.user = std::string(user);
    auto made = m_client.createExec(id, options);
    if (!made) {
        return std::unexpected(made.error());
    }
    auto stream = m_client.startExec(*made);
    if (!stream) {
        return std::unexpected(stream.error());
    }
    return SandboxExec{std::move(*made), std::move(*stream)};
}

Result<std::optional<int>> DockerSandboxes::execExitCode(std::string_view execId)
{
    auto state = m_client.inspectExec(execId);
    if (!state) {
        return std::unexpected(state.error());
    }
    if (json::boolField(*state, "Running") || !(*state)["ExitCode"].is_number_integer()) {
        return std::optional<int>();
    }
    return std::optional<int>((*state)["ExitCode"].get<int>());
}

Result<void> DockerSandboxes::putFiles(std::string_view id, std::string_view directory, std::string_view tar)
{
    return m_client.putArchive(id, directory, tar);
}

Result<void> DockerSandboxes::getFiles(std::string_view id, std::string_view path,
                                       const std::function<bool(std::string_view)>& sink,
                                       const std::atomic<bool>& cancel)
{
    return m_client.getArchive(id, path, sink, cancel);
}

Result<std::vector<std::string>> DockerSandboxes::list(std::string_view label)
{
    return m_client.listContainers(label, true);
}

} // namespace agentrun::sandbox
