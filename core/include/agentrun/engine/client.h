#pragma once

#include "agentrun/engine/attach.h"
#include "agentrun/engine/endpoint.h"
#include "agentrun/error.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::engine {

struct EngineInfo
{
    std::string version;    ///< engine version, e.g. 20.10.24
    std::string apiVersion; ///< negotiated API version, e.g. 1.41
    std::string os;
    std::string cgroupVersion;
    std::vector<std::string> runtimes;
};

/// Docker Engine API client over libcurl (unix socket or TCP). Thread-safe: every call may come from
/// any thread; handles are pooled so connections are reused.
class Client
{
public:
    static constexpr const char* MinimumApiVersion = "1.41";

    explicit Client(Endpoint endpoint);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    const Endpoint& endpoint() const { return m_endpoint; }

    Result<void> ping();
    /// Reads /version and /info, negotiates the API version (≥ 1.41) used by every later call.
    Result<EngineInfo> info();

    // Containers
    Result<std::string> createContainer(const nlohmann::json& spec, std::string_view name = {});
    Result<void> startContainer(std::string_view id);
    Result<void> killContainer(std::string_view id, std::string_view signal = "SIGKILL");
    Result<void> removeContainer(std::string_view id, bool force = true);
    Result<nlohmann::json> inspectContainer(std::string_view id);
    /// Blocks until the container stops (or `timeout`); returns its exit code.
    Result<int> waitContainer(std::string_view id, std::chrono::milliseconds timeout);
    Result<AttachStream> attach(std::string_view id);
    Result<std::vector<std::string>> listContainers(std::string_view labelFilter, bool all = true);
    /// Removes every container carrying the label (key or key=value); returns how many.
    Result<int> removeByLabel(std::string_view labelFilter);

    // Exec
    struct ExecOptions
    {
        std::vector<std::string> cmd;
        std::vector<std::string> env;
        std::string user;
        std::string workingDir;
        bool attachStdin = false;
    };
    /// Creates an exec instance in a running container; returns its id.
    Result<std::string> createExec(std::string_view containerId, const ExecOptions& options);
    /// Starts it attached: the multiplexed stdout/stderr stream (and stdin when asked for).
    Result<AttachStream> startExec(std::string_view execId);
    /// State of an exec instance: {"Running", "ExitCode", "Pid", …}.
    Result<nlohmann::json> inspectExec(std::string_view execId);

    // Archive
    /// Extracts a tar archive into `directory` of the container (PUT /containers/{id}/archive). The
    /// engine writes into the container's own filesystem layer and volumes, not into tmpfs mounts.
    Result<void> putArchive(std::string_view id, std::string_view directory, std::string_view tar);
    /// Streams `path` out of the container as a tar archive, chunk by chunk, to `sink` (return false to
    /// stop). Use sandbox::copyOut() for a copy onto the host: it applies the F1–F6 rules.
    Result<void> getArchive(std::string_view id, std::string_view path,
                            const std::function<bool(std::string_view)>& sink,
                            const std::atomic<bool>& cancel);
    /// Reads `path` out of the container as a tar archive into memory, for small things (a marker
    /// file); nullopt when the engine answers 404 (nothing at that path).
    Result<std::optional<std::string>> readArchive(std::string_view id, std::string_view path,
                                                   std::chrono::milliseconds timeout);

    // Events
    struct Event
    {
        std::string type;                              ///< container, image, network, …
        std::string action;                            ///< create, start, die, oom, kill, destroy, …
        std::string id;                                ///< the object's id
        std::map<std::string, std::string> attributes; ///< labels, name, image, exitCode, signal
        std::int64_t timeNano = 0;
    };
    /// Follows the engine's event stream (GET /events) filtered by `labelFilter` (key or key=value;
    /// empty: all) and `types` (empty: all), calling `event` until it returns false or `stop` is set.
    Result<void> streamEvents(std::string_view labelFilter, const std::vector<std::string>& types,
                              const std::function<bool(const Event&)>& event, const std::atomic<bool>& stop);

    // Images
    Result<nlohmann::json> inspectImage(std::string_view ref);
    Result<std::vector<nlohmann::json>> listImages(std::string_view labelFilter = {});
    Result<void> tagImage(std::string_view ref, std::string_view repo, std::string_view tag);
    Result<void> removeImage(std::string_view ref, bool force = false);
    /// Imports a root filesystem tar as `repo:tag`; `changes` are Dockerfile lines (CMD, ENV, …).
    Result<std::string> importImage(std::string_view rootfsTar, std::string_view repo, std::string_view tag,
                                    const std::vector<std::string>& changes = {});

    /// The images matching every filter: labels (each key or key=value), only untagged ones, and with
    /// `all` the intermediate images of builds too.
    struct ImageFilter
    {
        std::vector<std::string> labels;
        bool danglingOnly = false;
        bool all = false;
    };
    Result<std::vector<nlohmann::json>> listImages(const ImageFilter& filter);
    /// inspectImage(), with nullopt instead of an error when the engine has no such image.
    Result<std::optional<nlohmann::json>> findImage(std::string_view ref);

    /// What a removal found: the object removed, not there (already gone counts as done), or still used
    /// by a container (the engine's 409), so nothing was removed.
    enum class Removal
    {
        Removed,
        Absent,
        InUse
    };
    /// Removes an image no container uses (no force: the engine refuses one in use).
    Result<Removal> removeUnusedImage(std::string_view ref,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(120));

    struct BuildOptions
    {
        std::string tag;
        std::string dockerfile = "Dockerfile";
        std::map<std::string, std::string> buildArgs;
        std::map<std::string, std::string> labels;
        std::string networkMode = "none"; ///< RUN steps get no network unless asked for
        std::chrono::milliseconds timeout = std::chrono::minutes(30);
    };
    /// Builds from a context tar, calling `progress` with each line of the build output; returns the
    /// image id. A failed step ends with Error{"image.build_failed", the step's own error}.
    Result<std::string> buildImage(std::string_view contextTar, const BuildOptions& options,
                                   const std::function<void(std::string_view line)>& progress,
                                   const std::atomic<bool>& cancel);

    // Volumes
    struct Volume
    {
        std::string name;
        std::string createdAt; ///< engine timestamp: a volume removed and made again has a new one
        std::map<std::string, std::string> labels;
    };
    /// The volumes carrying the label (key or key=value).
    Result<std::vector<Volume>> listVolumes(std::string_view labelFilter);
    /// The volume, or nullopt when there is none of that name.
    Result<std::optional<Volume>> inspectVolume(std::string_view name);
    /// Creates a local volume with these labels (string values).
    Result<void> createVolume(std::string_view name, const std::map<std::string, std::string>& labels);
    /// Removes the volume unless a container uses it.
    Result<Removal> removeVolume(std::string_view name,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(30));
    struct VolumeUsage
    {
        std::int64_t sizeBytes = -1; ///< -1: the engine did not say
        std::int64_t refCount = 0;   ///< containers using it
    };
    /// Size and users of every volume, by name (GET /system/df: the engine walks all volumes for it, so
    /// it is asked once for all of them; `timeout` allows for a large cache).
    Result<std::map<std::string, VolumeUsage>>
    volumeUsage(std::chrono::milliseconds timeout = std::chrono::seconds(120));

    // Networks: an allowlisted run's sandbox and its egress proxy share an internal network
    // (sandbox/egressproxy.h).
    struct NetworkOptions
    {
        bool internal = true; ///< no route out of it: its members reach each other only
        std::map<std::string, std::string> labels;
        std::map<std::string, std::string>
            driverOptions; ///< the bridge driver's com.docker.network.* options
    };
    /// Creates a bridge network; returns its id.
    Result<std::string> createNetwork(std::string_view name, const NetworkOptions& options);
    /// The network (as the engine describes it), or nullopt when there is none of that name or id.
    Result<std::optional<nlohmann::json>> inspectNetwork(std::string_view nameOrId);
    /// Removes the network; Absent when it is already gone, InUse while a container is on it.
    Result<Removal> removeNetwork(std::string_view nameOrId);
    /// Puts a container (created, running or not) on a network as well.
    Result<void> connectNetwork(std::string_view network, std::string_view container);
    /// The ids of the networks carrying the label (key or key=value), with their labels.
    Result<std::vector<std::pair<std::string, std::map<std::string, std::string>>>>
    listNetworks(std::string_view labelFilter);

    /// Follows the stats stream, calling `sample` for each JSON object until it returns false, the
    /// container stops, or `stop` becomes true.
    Result<void> streamStats(std::string_view id, const std::function<bool(const nlohmann::json&)>& sample,
                             const std::atomic<bool>& stop);

    struct Response
    {
        long status = 0;
        std::string body;
    };
    /// Low-level request on the negotiated API version; `path` starts with '/'.
    Result<Response> request(std::string_view method, std::string_view path, std::string_view body = {},
                             std::chrono::milliseconds timeout = std::chrono::seconds(30),
                             std::string_view contentType = "application/json");

private:
    Result<Response> perform(std::string_view method, const std::string& url, std::string_view body,
                             std::chrono::milliseconds timeout, std::string_view contentType,
                             const std::function<bool(std::string_view)>* sink,
                             const std::atomic<bool>* stop);
    std::string apiPrefix();
    /// Sends `POST path` with `body` and takes over the connection after the engine's upgrade answer.
    Result<AttachStream> hijack(const std::string& path, std::string_view body, const std::string& what);
    std::string versionedUrl(std::string_view path)
    {
        return m_endpoint.baseUrl() + apiPrefix() + std::string(path);
    }

    class HandlePool;
    Endpoint m_endpoint;
    std::unique_ptr<HandlePool> m_handles;
    std::string m_apiVersion;
    std::mutex m_versionMutex;
};

/// Turns an engine's HTTP error into a stable Error (image.missing, container.gone, …).
Error httpError(long status, std::string_view body, std::string_view what);

} // namespace agentrun::engine
