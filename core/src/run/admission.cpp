#include "agentrun/run/admission.h"

#include "agentrun/model/runspecjson.h"

#include "agentrun/deps/whitelist.h"
#include "agentrun/errorcodes.h"
#include "agentrun/model/network.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unistd.h>

namespace agentrun::run {

namespace {

constexpr std::int64_t MiB = 1ll << 20;
constexpr std::int64_t GiB = 1ll << 30;

std::string number(double value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", value);
    return buffer;
}

/// One ceiling: what the request field is called, the serve option that raises it.
Result<void> above(std::string_view code, std::string_view field, const std::string& asked,
                   const std::string& ceiling, std::string_view option)
{
    return fail(std::string(code), std::string(field) + ": " + asked + " is above this server's ceiling of " +
                                       ceiling + " (serve " + std::string(option) + ").");
}

bool contains(const std::vector<std::string>& list, const std::string& value)
{
    return std::ranges::find(list, value) != list.end();
}

std::string joined(const std::vector<std::string>& list)
{
    std::string text;
    for (const auto& item : list) {
        text += (text.empty() ? "" : ", ") + item;
    }
    return text.empty() ? "none" : text;
}

Result<void> checkWhitelist(const model::RunSpec& request, const AdmissionRules& rules)
{
    auto server = deps::Whitelist::parse(rules.allow);
    if (!server) {
        return fail(errc::FieldDependencies, "This server's whitelist is invalid: " + server.error().message);
    }
    if (server->any()) {
        return {};
    }
    auto asked = deps::Whitelist::parse(request.allow);
    if (!asked) {
        return fail(errc::FieldDependencies, asked.error().message);
    }
    const std::string serverList = "this server allows only " + joined(rules.allow) + " (serve --allow)";
    if (asked->any()) {
        return fail(errc::FieldDependencies,
                    "dependencies: the run would allow any package (*), but " + serverList + ".");
    }
    for (const auto& [name, specifier] : asked->entries()) {
        if (!server->allows(name)) {
            return fail(errc::FieldDependencies, "dependencies: the package \"" + model::shownName(name) +
                                                     "\" is not allowed: " + serverList + ".");
        }
        const std::string pin = server->pin(name);
        if (!pin.empty() && specifier != pin) {
            return fail(errc::FieldDependencies, "dependencies: \"" + model::shownName(name + specifier) +
                                                     "\" is not allowed: " + serverList + ".");
        }
    }
    for (const auto& name : request.cached) {
        if (!server->allows(name)) {
            return fail(errc::FieldDependencies, "dependencies: the cached package \"" +
                                                     model::shownName(name) +
                                                     "\" is not allowed: " + serverList + ".");
        }
    }
    return {};
}

} // namespace

Ceilings Ceilings::forHost()
{
    Ceilings ceilings;
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long pageSize = ::sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && pageSize > 0) {
        const std::int64_t half = static_cast<std::int64_t>(pages) * pageSize / 2;
        ceilings.memoryBytes = std::clamp(half / MiB * MiB, 64 * MiB, 64 * GiB);
    }
    ceilings.tmpfsBytes = std::max(MiB, ceilings.memoryBytes / 2 / MiB * MiB);
    const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
    ceilings.cpus = cpus > 0 ? std::min(64.0, static_cast<double>(cpus)) : 1.0;
    return ceilings;
}

Result<void> validate(const Ceilings& ceilings)
{
    const auto bad = [](std::string_view option, std::string_view range) {
        return fail(std::string(option), std::string(option) + " must be " + std::string(range) + ".");
    };
    if (!std::isfinite(ceilings.timeoutSeconds) || ceilings.timeoutSeconds < 0.1 ||
        ceilings.timeoutSeconds > 3600) {
        return bad("--max-timeout", "between 0.1 and 3600 seconds");
    }
    if (ceilings.memoryBytes < 16 * MiB || ceilings.memoryBytes > 64 * GiB) {
        return bad("--max-memory", "between 16m and 64g");
    }
    if (!std::isfinite(ceilings.cpus) || ceilings.cpus < 0.05 || ceilings.cpus > 64) {
        return bad("--max-cpus", "between 0.05 and 64");
    }
    if (ceilings.pids < 8 || ceilings.pids > 32768) {
        return bad("--max-pids", "a whole number between 8 and 32768");
    }
    if (ceilings.outputLimitBytes < 1024 || ceilings.outputLimitBytes > 256 * MiB) {
        return bad("--max-output-limit", "between 1k and 256m");
    }
    if (ceilings.tmpfsBytes < MiB || ceilings.tmpfsBytes > 64 * GiB) {
        return bad("--max-tmpfs-size", "between 1m and 64g");
    }
    return {};
}

Result<void> checkCeilings(const model::Limits& limits, const Ceilings& ceilings)
{
    if (limits.timeoutSeconds > ceilings.timeoutSeconds) {
        return above(errc::LimitsTimeout, errc::LimitsTimeout, number(limits.timeoutSeconds) + " s",
                     number(ceilings.timeoutSeconds) + " s", "--max-timeout");
    }
    if (limits.memoryBytes > ceilings.memoryBytes) {
        return above(errc::LimitsMemory, errc::LimitsMemory, model::formatSize(limits.memoryBytes),
                     model::formatSize(ceilings.memoryBytes), "--max-memory");
    }
    if (limits.cpus > ceilings.cpus) {
        return above(errc::LimitsCpus, errc::LimitsCpus, number(limits.cpus), number(ceilings.cpus),
                     "--max-cpus");
    }
    if (limits.pids > ceilings.pids) {
        return above(errc::LimitsPids, errc::LimitsPids, std::to_string(limits.pids),
                     std::to_string(ceilings.pids), "--max-pids");
    }
    if (limits.outputLimitBytes > ceilings.outputLimitBytes) {
        return above(errc::LimitsOutputLimit, errc::LimitsOutputLimit,
                     model::formatSize(limits.outputLimitBytes), model::formatSize(ceilings.outputLimitBytes),
                     "--max-output-limit");
    }
    if (limits.tmpfsBytes > ceilings.tmpfsBytes) {
        return above(errc::LimitsTmpfs, errc::LimitsTmpfs, model::formatSize(limits.tmpfsBytes),
                     model::formatSize(ceilings.tmpfsBytes), "--max-tmpfs-size");
    }
    return {};
}

model::Limits clampToCeilings(model::Limits limits, const Ceilings& ceilings)
{
    limits.timeoutSeconds = std::min(limits.timeoutSeconds, ceilings.timeoutSeconds);
    if (limits.memoryBytes > ceilings.memoryBytes) {
        // Swap keeps its ratio to memory (equal: no swap), within the 1..2× that validate() accepts.
        const double ratio =
            static_cast<double>(limits.memorySwapBytes) / static_cast<double>(limits.memoryBytes);
        limits.memoryBytes = ceilings.memoryBytes;
        limits.memorySwapBytes =
            std::clamp(static_cast<std::int64_t>(static_cast<double>(limits.memoryBytes) * ratio),
                       limits.memoryBytes, 2 * limits.memoryBytes);
    }
    limits.cpus = std::min(limits.cpus, ceilings.cpus);
    limits.pids = std::min(limits.pids, ceilings.pids);
    limits.outputLimitBytes = std::min(limits.outputLimitBytes, ceilings.outputLimitBytes);
    // /tmp counts against memory: it stays 8 MiB below it (validate), and at least 1 MiB.
    limits.tmpfsBytes =
        std::max(MiB, std::min({limits.tmpfsBytes, ceilings.tmpfsBytes, limits.memoryBytes - 8 * MiB}));
    return limits;
}

namespace {

/// Is the allowlist entry `text` within one of the server's entries (same name or under its wildcard's
/// domain, and only ports the server's entry allows)?
bool coveredBy(const std::string& text, const std::vector<std::string>& ceiling)
{
    auto entry = model::parseAllowEntry(text);
    if (!entry) {
        return false;
    }
    return std::ranges::any_of(ceiling, [&](const std::string& allowedText) {
        auto allowed = model::parseAllowEntry(allowedText);
        if (!allowed) {
            return false;
        }
        const bool portsWithin = std::ranges::all_of(entry->ports, [&](int port) {
            return std::ranges::find(allowed->ports, port) != allowed->ports.end();
        });
        const bool nameWithin = allowed->wildcard ? entry->host.size() > allowed->host.size() &&
                                                        entry->host.ends_with("." + allowed->host)
                                                  : !entry->wildcard && entry->host == allowed->host;
        return portsWithin && nameWithin;
    });
}

} // namespace

Result<void> admit(const model::RunSpec& request, const AdmissionRules& rules)
{
    if (auto within = checkCeilings(request.limits, rules.ceilings); !within) {
        return within;
    }
    if (request.limits.network == "allow" && !rules.networkAllowed) {
        if (rules.allowHosts.empty()) {
            return fail(errc::LimitsAllowHosts,
                        "limits.allow_hosts: this server does not give runs network access (start it with "
                        "serve --allow-host HOST for the hosts runs may reach).");
        }
        for (const auto& text : request.limits.allowHosts) {
            if (!coveredBy(text, rules.allowHosts)) {
                return fail(errc::LimitsAllowHosts,
                            "limits.allow_hosts: \"" + model::shownName(text) +
                                "\" is not among the hosts this server lets runs reach (" +
                                joined(rules.allowHosts) + ").");
            }
        }
    }
    if (request.limits.network != "none" && request.limits.networkBytes > rules.maxNetworkBytes) {
        return fail(errc::LimitsNetworkBytes,
                    "limits.network_bytes: " + model::formatSize(request.limits.networkBytes) +
                        " is above this server's ceiling of " + model::formatSize(rules.maxNetworkBytes) +
                        ".");
    }
    if (request.limits.network == "bridge" && !rules.networkAllowed) {
        return fail(errc::LimitsNetwork,
                    "limits.network: this server does not give runs network access, only "
                    "\"none\" is accepted (got \"" +
                        model::shownName(request.limits.network) +
                        "\"; start it with serve --network bridge to allow it).");
    }
    if (!contains(rules.runtimes, request.limits.runtime)) {
        return fail(errc::LimitsRuntime, "limits.runtime: this server runs its runs with " +
                                             joined(rules.runtimes) + " only (got \"" +
                                             model::shownName(request.limits.runtime) + "\").");
    }
    if (!contains(rules.policies, request.policy)) {
        return fail(errc::FieldPolicy, "policy: \"" + model::shownName(request.policy) +
                                           "\" is not a policy of this server; use one of " +
                                           joined(rules.policies) + ".");
    }
    if (request.skipCheck && !rules.skipCheckAllowed) {
        return fail(errc::FieldSkipCheck,
                    "skip_check: this server does not let a run skip the safety check.");
    }
    return checkWhitelist(request, rules);
}

} // namespace agentrun::run
