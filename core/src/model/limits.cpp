#include "agentrun/model/limits.h"

#include "agentrun/model/network.h"

#include "agentrun/errorcodes.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace agentrun::model {

namespace {

std::string number(double value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", value);
    return buffer;
}

Result<void> range(std::string_view field, std::string_view label, double value, double low, double high,
                   std::string_view unit)
{
    if (!std::isfinite(value) || value < low || value > high) {
        return fail(errc::LimitsFamily + std::string(field),
                    std::string(label) + " must be between " + number(low) + " and " + number(high) +
                        std::string(unit) + " (got " + number(value) + std::string(unit) + ").");
    }
    return {};
}

Result<void> sizeRange(std::string_view field, std::string_view label, std::int64_t value, std::int64_t low,
                       std::int64_t high)
{
    if (value < low || value > high) {
        return fail(errc::LimitsFamily + std::string(field),
                    std::string(label) + " must be between " + formatSize(low) + " and " + formatSize(high) +
                        " (got " + formatSize(value) + ").");
    }
    return {};
}

} // namespace

std::string formatSize(std::int64_t bytes)
{
    static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while ((value >= 1024.0 || value <= -1024.0) && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    char buffer[32];
    if (unit == 0 || std::fmod(value, 1.0) == 0.0) {
        std::snprintf(buffer, sizeof buffer, "%.0f %s", value, units[unit]);
    } else {
        std::snprintf(buffer, sizeof buffer, "%.1f %s", value, units[unit]);
    }
    return buffer;
}

void fitTmpfsToMemory(Limits& limits)
{
    constexpr std::int64_t MiB = 1ll << 20;
    const std::int64_t quarter = std::max(MiB, limits.memoryBytes / 4 / MiB * MiB);
    limits.tmpfsBytes = std::min(limits.tmpfsBytes, quarter);
}

Result<std::int64_t> parseSize(std::string_view text, std::string_view field)
{
    const auto bad = [&] {
        return fail(std::string(field), "\"" + std::string(text) + "\" is not a size for " +
                                            std::string(field) +
                                            ": use a number of bytes or a suffix k, m, g (e.g. 256m, 1g).");
    };
    if (text.empty()) {
        return bad();
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || !std::isfinite(value) || value < 0) {
        return bad();
    }
    std::string_view suffix(end, static_cast<std::size_t>(text.data() + text.size() - end));
    double scale = 1;
    if (!suffix.empty()) {
        const char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(suffix.front())));
        suffix.remove_prefix(1);
        if (unit == 'b' && suffix.empty()) {
            scale = 1;
        } else {
            if (unit == 'k') {
                scale = 1024.0;
            } else if (unit == 'm') {
                scale = 1024.0 * 1024;
            } else if (unit == 'g') {
                scale = 1024.0 * 1024 * 1024;
            } else if (unit == 't') {
                scale = 1024.0 * 1024 * 1024 * 1024;
            } else {
                return bad();
            }
            if (suffix == "ib" || suffix == "iB" || suffix == "b" || suffix == "B") {
                suffix = {};
            }
            if (!suffix.empty()) {
                return bad();
            }
        }
    }
    const double bytes = value * scale;
    if (bytes > 9.0e18) {
        return bad();
    }
    return static_cast<std::int64_t>(bytes);
}

Result<void> validate(const Limits& limits)
{
    constexpr std::int64_t MiB = 1ll << 20;
    constexpr std::int64_t GiB = 1ll << 30;
    if (auto r = range("timeout", "The timeout", limits.timeoutSeconds, 0.1, 3600, " s"); !r) {
        return r;
    }
    if (auto r = sizeRange("memory", "The memory limit", limits.memoryBytes, 16 * MiB, 64 * GiB); !r) {
        return r;
    }
    if (limits.memorySwapBytes < limits.memoryBytes || limits.memorySwapBytes > 2 * limits.memoryBytes) {
        return fail(errc::LimitsMemorySwap, "Memory + swap must be between the memory limit (" +
                                                formatSize(limits.memoryBytes) + ") and twice it (" +
                                                formatSize(2 * limits.memoryBytes) + "); got " +
                                                formatSize(limits.memorySwapBytes) + ".");
    }
    if (auto r = range("cpus", "CPUs", limits.cpus, 0.05, 64, ""); !r) {
        return r;
    }
    if (auto r = range("pids", "The process limit", static_cast<double>(limits.pids), 8, 32768, ""); !r) {
        return r;
    }
    if (auto r = sizeRange("output_limit", "The output limit", limits.outputLimitBytes, 1024, 256 * MiB);
        !r) {
        return r;
    }
    if (auto r = sizeRange("tmpfs", "The /tmp size", limits.tmpfsBytes, MiB, limits.memoryBytes - 8 * MiB);
        !r) {
        return fail(r.error().code,
                    r.error().message +
                        " /tmp lives in memory and counts against the memory limit, so it must "
                        "stay below it.");
    }
    if (limits.network != "none" && limits.network != "allow" && limits.network != "bridge") {
        return fail(errc::LimitsNetwork, "Network must be none, allow (with a host list) or bridge (open) "
                                         "(got \"" +
                                             limits.network + "\").");
    }
    if (limits.network == "allow" && limits.allowHosts.empty()) {
        return fail(errc::LimitsAllowHosts, "Network allow needs at least one host in the allowlist "
                                            "(limits.allow_hosts, --allow-host), like api.example.com.");
    }
    if (limits.network != "allow" && !limits.allowHosts.empty()) {
        return fail(errc::LimitsAllowHosts, "An allowlist (limits.allow_hosts, --allow-host) needs network "
                                            "allow; the network is " +
                                                limits.network + ".");
    }
    if (auto hosts = normaliseAllowHosts(limits.allowHosts); !hosts) {
        return std::unexpected(hosts.error());
    }
    if (auto r = sizeRange("network_bytes", "The network byte cap", limits.networkBytes, 1024, 16 * GiB);
        !r) {
        return r;
    }
    if (limits.runtime != "runc" && limits.runtime != "runsc") {
        return fail(errc::LimitsRuntime,
                    "Runtime must be runc or runsc (gVisor) (got \"" + limits.runtime + "\").");
    }
    return {};
}

} // namespace agentrun::model
