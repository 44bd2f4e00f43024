#include "agentrun/sandbox/containerspec.h"

#include "agentrun/sandbox/seccomp.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace agentrun::sandbox {

namespace {
constexpr std::int64_t OpenFiles = 1024;
constexpr std::int64_t ShmBytes = 8ll << 20;

// Under gVisor the host's pids cgroup holds the sandbox kernel (the Go sentry, its gofer, and with the
// ptrace platform a host stub process with several threads per sandboxed process), not the program's
// processes: measured ~26 host tasks idle, ~6 per sleeping process and up to ~9 per process in a fork
// bomb. A host limit equal to the program's limit made the sentry itself fail to start a thread ("error
// initializing first thread: resource temporarily unavailable"), so the whole sandbox died with status 2
// before the agent's report (docs/security.md, gVisor). So under runsc the host limit is headroom for
// the sentry; the program's own process count is bounded by it and by the memory limit. (Docker's
// `nproc` ulimit is no substitute: runsc 20221219 then refuses every new thread.)
constexpr std::int64_t RunscTasksPerProcess = 12;
constexpr std::int64_t RunscBaseTasks = 64;

bool underGvisor(const model::Limits& limits)
{
    return limits.runtime == "runsc";
}

std::int64_t hostPidsLimit(const model::Limits& limits)
{
    return underGvisor(limits) ? limits.pids * RunscTasksPerProcess + RunscBaseTasks : limits.pids;
}
} // namespace

std::string tmpfsOptions(const model::Limits& limits)
{
    // An inode cap too: a million empty files would otherwise fill memory instead of the disk limit.
    const std::int64_t inodes = std::max<std::int64_t>(1024, limits.tmpfsBytes / 8192);
    return "rw,nosuid,nodev,noexec,size=" + std::to_string(limits.tmpfsBytes) +
           ",nr_inodes=" + std::to_string(inodes);
}

std::vector<std::string> sandboxEnvironment()
{
    return {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME=/tmp",
        "LANG=C.UTF-8",
        "PYTHONUNBUFFERED=1",
        "PYTHONDONTWRITEBYTECODE=1",
        "PYTHONIOENCODING=utf-8",
        "OMP_NUM_THREADS=1",
        "OPENBLAS_NUM_THREADS=1",
        "MKL_NUM_THREADS=1",
        "NUMEXPR_NUM_THREADS=1",
        "VECLIB_MAXIMUM_THREADS=1",
        "MPLCONFIGDIR=/tmp",
    };
}

nlohmann::json containerSpec(const model::Limits& limits, const std::string& image)
{
    using nlohmann::json;
    // network allow: none until the pool puts it on its proxy's internal network (sandbox/egressproxy.h).
    const bool noNetwork = limits.network != "bridge";
    json host = {
        {"NetworkMode", noNetwork ? std::string("none") : limits.network},
        {"ReadonlyRootfs", true},
        {"Tmpfs", {{"/tmp", tmpfsOptions(limits)}}},
        {"ShmSize", ShmBytes},
        {"CapDrop", {"ALL"}},
        {"SecurityOpt", {"no-new-privileges", seccompSecurityOpt()}}, // pinned profile: docs/security.md
        {"PidsLimit", hostPidsLimit(limits)},
        {"Memory", limits.memoryBytes},
        {"MemorySwap", limits.memorySwapBytes},
        {"MemorySwappiness", 0},
        {"NanoCpus", static_cast<std::int64_t>(std::llround(limits.cpus * 1e9))},
        {"Ulimits",
         {{{"Name", "nofile"}, {"Soft", OpenFiles}, {"Hard", OpenFiles}},
          {{"Name", "core"}, {"Soft", 0}, {"Hard", 0}},
          {{"Name", "fsize"}, {"Soft", limits.tmpfsBytes}, {"Hard", limits.tmpfsBytes}}}},
        // The agent is the init, not docker-init: that one runs as the sandbox user and is dumpable, so a
        // program could write into its /proc/1/mem and outlive the run. The agent is non-dumpable, reaps
        // orphans, and as init cannot be signalled from inside (docs/security.md, P6).
        {"Init", false},
        {"LogConfig", {{"Type", "none"}, {"Config", json::object()}}},
        {"IpcMode", "private"},
        // No POSIX message queue, not even as a file in /dev/mqueue: in recycle mode it would outlive its
        // run (the agent's filter refuses mq_open, this covers open(); gVisor has no /dev/mqueue).
        {"Sysctls", {{"fs.mqueue.queues_max", "0"}}},
        {"AutoRemove", false},
        {"Privileged", false},
    };
    if (limits.runtime != "runc") {
        host["Runtime"] = limits.runtime;
    }
    return json{
        {"Image", image},
        {"User", "65534:65534"},
        {"Env", sandboxEnvironment()},
        {"WorkingDir", "/tmp"},
        {"AttachStdin", true},
        {"AttachStdout", true},
        {"AttachStderr", true},
        {"OpenStdin", true},
        {"StdinOnce", true},
        {"Tty", false},
        // The agent, as init, ignores SIGTERM (docs/security.md, P6): `docker stop` and an engine's
        // shutdown would wait their 10 s for nothing before the SIGKILL.
        {"StopSignal", "SIGKILL"},
        {"NetworkDisabled", noNetwork},
        {"Labels", {{ManagedLabel, "1"}, {PoolKeyLabel, poolKey(limits, image)}}},
        {"HostConfig", host},
    };
}

std::string poolKey(const model::Limits& limits, const std::string& image)
{
    // The timeout and output cap are enforced by the host, so they do not split the pool.
    const std::string text = image + '|' + std::to_string(limits.memoryBytes) + '|' +
                             std::to_string(limits.memorySwapBytes) + '|' + std::to_string(limits.cpus) +
                             '|' + std::to_string(limits.pids) + '|' + std::to_string(limits.tmpfsBytes) +
                             '|' + limits.network + '|' + limits.runtime;
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016zx", std::hash<std::string>{}(text));
    return buffer;
}

std::string dockerRunCommand(const model::Limits& limits, const std::string& image)
{
    char cpus[16];
    std::snprintf(cpus, sizeof cpus, "%g", limits.cpus);
    std::string command =
        "docker run --rm -i --network " +
        (limits.network == "allow" ? std::string("PROXY_NETWORK -e HTTPS_PROXY=http://PROXY:3128 -e "
                                                 "HTTP_PROXY=http://PROXY:3128")
                                   : limits.network) +
        " --read-only --tmpfs /tmp:" + tmpfsOptions(limits) +
        " --cap-drop ALL --security-opt no-new-privileges --user 65534:65534"
        " --pids-limit " +
        std::to_string(hostPidsLimit(limits)) + " --memory " + std::to_string(limits.memoryBytes) +
        " --memory-swap " + std::to_string(limits.memorySwapBytes) + " --cpus " + cpus +
        " --ulimit nofile=1024:1024 --ulimit core=0 --ulimit fsize=" + std::to_string(limits.tmpfsBytes) +
        " --log-driver none --ipc private --sysctl fs.mqueue.queues_max=0";
    if (limits.runtime != "runc") {
        command += " --runtime " + limits.runtime;
    }
    for (const auto& variable : sandboxEnvironment()) {
        if (!variable.starts_with("PATH=")) {
            command += " -e " + variable;
        }
    }
    return command + " " + image;
}

} // namespace agentrun::sandbox
