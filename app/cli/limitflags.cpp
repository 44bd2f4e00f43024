#include "limitflags.h"

#include "agentrun/errorcodes.h"
#include "agentrun/model/network.h"

#include "args.h"

#include <charconv>
#include <cmath>
#include <map>

namespace agentrun::cli {

bool parseNumber(const std::string& text, double& out)
{
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && std::isfinite(out);
}

namespace {

/// `text` as a number within [low, high], checked before any conversion to an integer.
bool numberInRange(const std::string& text, double low, double high, double& out)
{
    return parseNumber(text, out) && out >= low && out <= high;
}

/// `text`, when given, as a size into `into`; false and the error printed on a bad one.
bool size(const std::optional<std::string>& text, const char* option, std::int64_t& into)
{
    if (!text) {
        return true;
    }
    auto parsed = model::parseSize(*text, option);
    if (!parsed) {
        usageError(parsed.error().message);
        return false;
    }
    into = *parsed;
    return true;
}

} // namespace

void addLimitFlags(CLI::App& command, LimitFlags& flags)
{
    const std::string group = "Limits";
    auto add = [&](const std::string& names, std::optional<std::string>& into, const std::string& help,
                   const std::string& valueName) {
        addValue(command, names, into, help, valueName)->group(group);
    };
    add("-t,--timeout", flags.timeout, "wall-clock limit, 0.1..3600 (default 30)", "SECONDS");
    add("-m,--memory", flags.memory, "memory limit, 16m..64g (default 256m)", "SIZE");
    add("--memory-swap", flags.memorySwap, "memory + swap, memory..2x memory (default = memory: no swap)",
        "SIZE");
    add("--cpus", flags.cpus, "CPUs, fractional, 0.05..64 (default 1)", "N");
    add("--pids", flags.pids, "process/thread limit, 8..32768 (default 128)", "N");
    add("--output-limit", flags.outputLimit, "per stream, 1k..256m (default 1m)", "SIZE");
    add("--tmpfs-size", flags.tmpfsSize,
        "size of /tmp, 1m..below memory (default 64m, a quarter of memory when that is less)", "SIZE");
    add("--network", flags.network,
        "none | allow (the --allow-host names only, through a filtering proxy) | open (alias bridge: the "
        "engine's bridge, everything) (default none; --allow-host alone means allow)",
        "MODE");
    command
        .add_option("--allow-host", flags.allowHosts,
                    "let the run reach this host through the egress proxy: name, *.domain, name:port "
                    "(default ports 80 and 443); repeatable")
        ->type_name("HOST[:PORT]")
        ->group(group);
    add("--network-bytes", flags.networkBytes,
        "bytes in + out a networked run may move before it is stopped, 1k..16g (default 64m)", "SIZE");
    add("--runtime", flags.runtime, "runc | runsc (gVisor) (default runc)", "RUNTIME");
}

bool applyLimitFlags(const LimitFlags& flags, model::Limits& limits)
{
    if (!size(flags.memory, "--memory", limits.memoryBytes) ||
        !size(flags.memorySwap, "--memory-swap", limits.memorySwapBytes) ||
        !size(flags.outputLimit, "--output-limit", limits.outputLimitBytes) ||
        !size(flags.tmpfsSize, "--tmpfs-size", limits.tmpfsBytes) ||
        !size(flags.networkBytes, "--network-bytes", limits.networkBytes)) {
        return false;
    }
    double number = 0;
    if (flags.timeout) {
        if (!parseNumber(*flags.timeout, number)) {
            usageError("--timeout needs a number of seconds between 0.1 and 3600, not \"" + *flags.timeout +
                       "\"");
            return false;
        }
        limits.timeoutSeconds = number;
    }
    if (flags.cpus) {
        if (!parseNumber(*flags.cpus, number)) {
            usageError("--cpus needs a number between 0.05 and 64, not \"" + *flags.cpus + "\"");
            return false;
        }
        limits.cpus = number;
    }
    if (flags.pids) {
        // The range first: 1e30 does not fit an integer, and converting it would be undefined.
        if (!numberInRange(*flags.pids, 8, 32768, number) || number != std::floor(number)) {
            usageError("--pids needs a whole number between 8 and 32768, not \"" + *flags.pids + "\"");
            return false;
        }
        limits.pids = static_cast<std::int64_t>(number);
    }
    if (flags.network) {
        limits.network = *flags.network == "open" ? std::string("bridge") : *flags.network;
    }
    if (!flags.allowHosts.empty()) {
        auto hosts = model::normaliseAllowHosts(flags.allowHosts);
        if (!hosts) {
            usageError("--allow-host: " + hosts.error().message.substr(hosts.error().message.find(':') + 2));
            return false;
        }
        limits.allowHosts = std::move(*hosts);
        if (!flags.network) {
            limits.network = "allow"; // the host list alone means the allowlist
        }
    } else if (flags.network && limits.network != "allow") {
        limits.allowHosts.clear(); // a profile's list does not survive --network none/open
    }
    if (flags.runtime) {
        limits.runtime = *flags.runtime;
    }
    if (flags.memory && !flags.memorySwap) {
        limits.memorySwapBytes = limits.memoryBytes;
    }
    if (flags.memory && !flags.tmpfsSize) {
        model::fitTmpfsToMemory(limits);
    }
    if (auto valid = model::validate(limits); !valid) {
        usageError(valid.error().message);
        return false;
    }
    return true;
}

void addCeilingFlags(CLI::App& command, CeilingFlags& flags)
{
    const std::string group = "Ceilings";
    auto add = [&](const std::string& names, std::optional<std::string>& into, const std::string& help,
                   const std::string& valueName) {
        addValue(command, names, into, help, valueName)->group(group);
    };
    add("--max-timeout", flags.timeout, "default 600", "SECONDS");
    add("--max-memory", flags.memory, "default half of this machine's memory", "SIZE");
    add("--max-cpus", flags.cpus, "default the number of online CPUs", "N");
    add("--max-pids", flags.pids, "default 1024", "N");
    add("--max-output-limit", flags.outputLimit,
        "per stream, default 16m (the server holds a streamed run's output in memory)", "SIZE");
    add("--max-tmpfs-size", flags.tmpfsSize, "default half of the memory ceiling", "SIZE");
}

bool applyCeilingFlags(const CeilingFlags& flags, run::Ceilings& ceilings)
{
    if (!size(flags.memory, "--max-memory", ceilings.memoryBytes) ||
        !size(flags.outputLimit, "--max-output-limit", ceilings.outputLimitBytes) ||
        !size(flags.tmpfsSize, "--max-tmpfs-size", ceilings.tmpfsBytes)) {
        return false;
    }
    double number = 0;
    if (flags.timeout) {
        if (!parseNumber(*flags.timeout, ceilings.timeoutSeconds)) {
            usageError("--max-timeout needs a number of seconds between 0.1 and 3600");
            return false;
        }
    }
    if (flags.cpus) {
        if (!parseNumber(*flags.cpus, ceilings.cpus)) {
            usageError("--max-cpus needs a number between 0.05 and 64");
            return false;
        }
    }
    if (flags.pids) {
        if (!numberInRange(*flags.pids, 8, 32768, number) || number != std::floor(number)) {
            usageError("--max-pids needs a whole number between 8 and 32768");
            return false;
        }
        ceilings.pids = static_cast<std::int64_t>(number);
    }
    return true;
}

bool fitDefaultsToCeilings(model::Limits& limits, const LimitFlags& given, const run::Ceilings& ceilings)
{
    if (auto valid = run::validate(ceilings); !valid) {
        usageError(valid.error().message);
        return false;
    }
    // A limit that was not given on the command line is lowered to its ceiling. One that was given is the
    // operator's own choice, and above its ceiling it contradicts another of their options.
    model::Limits checked = limits;
    const auto lowerUnlessGiven = [](const std::optional<std::string>& flag, auto& value, auto ceiling) {
        if (!flag && value > ceiling) {
            value = ceiling;
        }
    };
    lowerUnlessGiven(given.timeout, checked.timeoutSeconds, ceilings.timeoutSeconds);
    lowerUnlessGiven(given.memory, checked.memoryBytes, ceilings.memoryBytes);
    lowerUnlessGiven(given.cpus, checked.cpus, ceilings.cpus);
    lowerUnlessGiven(given.pids, checked.pids, ceilings.pids);
    lowerUnlessGiven(given.outputLimit, checked.outputLimitBytes, ceilings.outputLimitBytes);
    lowerUnlessGiven(given.tmpfsSize, checked.tmpfsBytes, ceilings.tmpfsBytes);
    if (auto within = run::checkCeilings(checked, ceilings); !within) {
        static const std::map<std::string, std::string> options = {
            {errc::LimitsTimeout, "--timeout"},
            {errc::LimitsMemory, "--memory"},
            {errc::LimitsCpus, "--cpus"},
            {errc::LimitsPids, "--pids"},
            {errc::LimitsOutputLimit, "--output-limit"},
            {errc::LimitsTmpfs, "--tmpfs-size"}};
        const auto option = options.find(within.error().code);
        const std::string message = within.error().message;
        // "limits.memory: 1 GiB is above this server's ceiling …" → "--memory: 1 GiB is above …"
        usageError((option == options.end() ? std::string() : option->second) +
                   message.substr(message.find(':')) + " Lower the one or raise the other.");
        return false;
    }
    // Swap and /tmp follow a lowered memory limit, as clampToCeilings keeps them valid.
    limits = run::clampToCeilings(limits, ceilings);
    if (auto valid = model::validate(limits); !valid) {
        usageError(valid.error().message);
        return false;
    }
    return true;
}

} // namespace agentrun::cli
