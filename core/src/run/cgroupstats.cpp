#include "run/cgroupstats.h"

#include <algorithm>
#include <charconv>
#include <fcntl.h>
#include <unistd.h>

namespace agentrun::run {

namespace {

/// A small file's first 4 KiB (cgroup files are a line or a few), without following a final link.
std::optional<std::string> readSmall(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return std::nullopt;
    }
    char buffer[4096];
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    ::close(fd);
    if (got < 0) {
        return std::nullopt;
    }
    return std::string(buffer, static_cast<std::size_t>(got));
}

std::optional<std::int64_t> number(std::string_view text)
{
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || value < 0) {
        return std::nullopt;
    }
    return value;
}

/// The value of `key` in a "key value" file (cpu.stat), if it is there.
std::optional<std::int64_t> statField(std::string_view text, std::string_view key)
{
    std::size_t at = 0;
    while ((at = text.find(key, at)) != std::string_view::npos) {
        const bool lineStart = at == 0 || text[at - 1] == '\n';
        const std::size_t valueAt = at + key.size();
        if (lineStart && valueAt < text.size() && text[valueAt] == ' ') {
            const std::size_t end = text.find('\n', valueAt);
            return number(text.substr(valueAt + 1, end == std::string_view::npos ? end : end - valueAt - 1));
        }
        at = valueAt;
    }
    return std::nullopt;
}

bool exists(const std::string& path)
{
    return ::access(path.c_str(), R_OK) == 0;
}

} // namespace

std::optional<CgroupStats> CgroupStats::find(const std::string& containerId, const std::string& root)
{
    if (containerId.size() != 64 || !std::ranges::all_of(containerId, [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        })) {
        return std::nullopt;
    }
    CgroupStats stats;
    // cgroup v1: one hierarchy per controller; the cgroupfs driver puts containers under docker/<id>,
    // the systemd driver under system.slice/docker-<id>.scope.
    for (const std::string& leaf :
         {"docker/" + containerId, "system.slice/docker-" + containerId + ".scope"}) {
        if (exists(root + "/memory/" + leaf + "/memory.usage_in_bytes")) {
            stats.m_memory = root + "/memory/" + leaf + "/memory.usage_in_bytes";
            stats.m_cpu = root + "/cpuacct/" + leaf + "/cpuacct.usage";
            stats.m_pids = root + "/pids/" + leaf + "/pids.current";
            stats.m_cpuStat = root + "/cpu/" + leaf + "/cpu.stat"; // throttled_time, in ns
            return stats;
        }
        // cgroup v2: one unified hierarchy.
        if (exists(root + "/" + leaf + "/memory.current")) {
            stats.m_memory = root + "/" + leaf + "/memory.current";
            stats.m_cpu = root + "/" + leaf + "/cpu.stat";
            stats.m_pids = root + "/" + leaf + "/pids.current";
            stats.m_cpuStat = stats.m_cpu; // throttled_usec beside usage_usec
            stats.m_v2 = true;
            return stats;
        }
    }
    return std::nullopt;
}

std::optional<CgroupStats::Reading> CgroupStats::read() const
{
    const auto memory = readSmall(m_memory);
    if (!memory) {
        return std::nullopt; // the cgroup went with its container
    }
    Reading reading;
    reading.memoryBytes = number(*memory).value_or(0);
    if (const auto cpu = readSmall(m_cpu)) {
        if (!m_v2) {
            reading.cpuNanoseconds = static_cast<double>(number(*cpu).value_or(0));
        } else {
            reading.cpuNanoseconds = static_cast<double>(statField(*cpu, "usage_usec").value_or(0)) * 1000.0;
            reading.throttledNanoseconds =
                static_cast<double>(statField(*cpu, "throttled_usec").value_or(0)) * 1000.0;
        }
    }
    if (!m_v2) {
        if (const auto stat = readSmall(m_cpuStat)) {
            reading.throttledNanoseconds =
                static_cast<double>(statField(*stat, "throttled_time").value_or(0));
        }
    }
    if (const auto pids = readSmall(m_pids)) {
        reading.pids = number(*pids).value_or(0);
    }
    return reading;
}

} // namespace agentrun::run
