#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace agentrun::run {

/// A container's resource figures read from its cgroup on this host, for sampling faster than the
/// engine's stats API (whose answers come once a second, however they are asked for). Only for an engine
/// on this machine: the files are found by the container's id under the usual places of the cgroupfs and
/// systemd drivers, cgroup v1 and v2; none found (a remote engine, another layout) means the caller uses
/// the API.
class CgroupStats
{
public:
    struct Reading
    {
        std::int64_t memoryBytes = 0;
        double cpuNanoseconds = 0; ///< CPU time so far
        std::int64_t pids = 0;
        double throttledNanoseconds = 0; ///< CPU time held back by the CPU limit so far (cpu.stat)
    };

    /// The container's cgroup files, if this host has them. `containerId` must be the engine's full id
    /// (64 hex digits): anything else is refused, so that an answer of the engine never names a path.
    /// `root` is where the cgroup filesystem is mounted (tests give a folder of their own).
    static std::optional<CgroupStats> find(const std::string& containerId,
                                           const std::string& root = "/sys/fs/cgroup");

    /// The figures now; nullopt once the cgroup is gone (the container was removed).
    std::optional<Reading> read() const;

private:
    std::string m_memory; ///< memory.usage_in_bytes (v1) or memory.current (v2)
    std::string m_cpu;    ///< cpuacct.usage (v1, ns) or cpu.stat (v2, usage_usec)
    std::string m_pids;   ///< pids.current
    std::string m_cpuStat; ///< cpu.stat: throttled_time (v1, ns) or throttled_usec (v2)
    bool m_v2 = false;
};

} // namespace agentrun::run
