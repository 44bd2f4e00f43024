#pragma once

// What a run needs of the place its sandboxes run in (docs/design.md, "Sandbox engine: the seam below the
// pipeline"): make a hardened sandbox, attach its streams, start, stats, kill, run a command in it, copy
// files in and out, remove, list by label. The pool, the stats and network meters, the stages after a
// run's stream, sessions and the reaper use only this; sandbox::DockerSandboxes (dockersandboxes.h) is
// the first implementation, on the Docker Engine API. A Kubernetes one would make Pods (docs/scaling.md);
// its streams then come through the API server's attach/exec endpoints instead of a hijacked socket.
//
// Not here, on purpose: images (build, check), dependency cache volumes and the egress proxy's network.
// They are the engine's services rather than a sandbox's life, and differ in kind on another platform
// (a registry, persistent volumes, a Service with a NetworkPolicy): they stay on engine::Client.

#include "agentrun/engine/attach.h"
#include "agentrun/error.h"
#include "agentrun/model/limits.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::sandbox {

/// A named volume of the engine's mounted into a sandbox (the installed packages).
struct VolumeMount
{
    std::string volume;
    std::string target;
    bool readOnly = true;
};

/// What a sandbox is made for. The hardening (user, capabilities, seccomp, read-only root, limits, no
/// network) is the engine's to apply and never the caller's to weaken: a request only adds to it.
struct SandboxRequest
{
    model::Limits limits;
    std::string image;
    std::vector<std::string> agentArguments; ///< arguments of the agent (the entrypoint): --session, …
    std::vector<VolumeMount> volumes;
    std::vector<std::string> env;              ///< NAME=value, added to the sandbox's own environment
    std::string network;                       ///< empty: no network; else the run's allowlist segment
    std::map<std::string, std::string> labels; ///< added to the managed label and the owner's pid
};

/// How a sandbox is, or how it ended.
struct SandboxState
{
    bool running = false;
    bool paused = false;    ///< frozen: no process of it runs
    bool oomKilled = false; ///< the kernel's OOM killer ended a process of it
    int exitCode = -1;      ///< of its first process, once it ended
    int pid = 0;            ///< its first process as this machine sees it; 0 when it runs elsewhere
    std::map<std::string, std::string> labels;
    std::map<std::string, std::string> addresses; ///< its address on each network it is on, by name
};

/// Its address on `network`; empty when it is not on it.
inline std::string addressOn(const SandboxState& state, const std::string& network)
{
    const auto found = state.addresses.find(network);
    return found == state.addresses.end() ? std::string() : found->second;
}

/// A running sandbox's resource figures at one moment.
struct SandboxStats
{
    std::int64_t memoryBytes = 0;
    double cpuSeconds = 0; ///< CPU time used so far
    double cpuPercent = 0; ///< since the previous figures (100: one core)
    std::int64_t pids = 0;
    double throttledSeconds = 0;   ///< time the CPU limit held it back so far
    std::int64_t networkBytes = 0; ///< received + sent over its network interfaces so far
};

/// A command running in a sandbox: its id and its attached output (stdout and stderr multiplexed).
struct SandboxExec
{
    std::string id;
    engine::AttachStream stream;
};

class SandboxEngine
{
public:
    virtual ~SandboxEngine() = default;

    /// Where the sandboxes run, in words for messages (an engine's address or context).
    virtual std::string address() const = 0;

    /// Makes a hardened sandbox for `request`, not started yet; returns its id.
    virtual Result<std::string> create(const SandboxRequest& request) = 0;
    /// Its agent's stdin and multiplexed stdout/stderr; attach before start() and no byte is missed.
    virtual Result<engine::AttachStream> attach(std::string_view id) = 0;
    virtual Result<void> start(std::string_view id) = 0;
    /// Ends every process of it at once (SIGKILL).
    virtual Result<void> kill(std::string_view id) = 0;
    /// Removes it, running or not; a sandbox already gone counts as removed.
    virtual Result<void> remove(std::string_view id) = 0;
    /// Waits until it has ended (at most `timeout`); its exit code.
    virtual Result<int> wait(std::string_view id, std::chrono::milliseconds timeout) = 0;
    /// How it is; the error container.gone when there is no such sandbox.
    virtual Result<SandboxState> state(std::string_view id) = 0;
    /// Calls `sample` with its figures until it returns false, the sandbox ends, or `stop` is set.
    virtual Result<void> stats(std::string_view id, const std::function<bool(const SandboxStats&)>& sample,
                               const std::atomic<bool>& stop) = 0;
    /// Runs `command` in it as `user` ("uid:gid"), attached.
    virtual Result<SandboxExec> exec(std::string_view id, const std::vector<std::string>& command,
                                     std::string_view user) = 0;
    /// The exit code of a command started with exec(); nullopt while it runs.
    virtual Result<std::optional<int>> execExitCode(std::string_view execId) = 0;
    /// Unpacks the tar archive `tar` into `directory` of it.
    virtual Result<void> putFiles(std::string_view id, std::string_view directory, std::string_view tar) = 0;
    /// Streams `path` of it out as a tar archive to `sink` (return false to stop).
    virtual Result<void> getFiles(std::string_view id, std::string_view path,
                                  const std::function<bool(std::string_view)>& sink,
                                  const std::atomic<bool>& cancel) = 0;
    /// The ids of the sandboxes (running or not) carrying the label (key or key=value).
    virtual Result<std::vector<std::string>> list(std::string_view label) = 0;
};

} // namespace agentrun::sandbox
