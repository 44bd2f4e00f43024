#include "limitflags.h"

#include "args.h"

#include <charconv>
#include <cmath>

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

} // namespace

void addLimitFlags(CLI::App& command, LimitFlags& flags)
{
    const std::string group = "Limits";
    auto add = [&](const std::string& names, std::optional<std::string>& into, const std::string& help,
                   const std::string& valueName) {
        command.add_option(names, into, help)->type_name(valueName)->take_last()->group(group);
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
    add("--network", flags.network, "none | bridge (default none)", "MODE");
    add("--runtime", flags.runtime, "runc | runsc (gVisor) (default runc)", "RUNTIME");
}

bool applyLimitFlags(const LimitFlags& flags, run::Limits& limits)
{
    const auto size = [](const std::optional<std::string>& text, const char* option, std::int64_t& into) {
        if (!text) {
            return true;
        }
        auto parsed = run::parseSize(*text, option);
        if (!parsed) {
            usageError(parsed.error().message);
            return false;
        }
        into = *parsed;
        return true;
    };
    if (!size(flags.memory, "--memory", limits.memoryBytes) ||
        !size(flags.memorySwap, "--memory-swap", limits.memorySwapBytes) ||
        !size(flags.outputLimit, "--output-limit", limits.outputLimitBytes) ||
        !size(flags.tmpfsSize, "--tmpfs-size", limits.tmpfsBytes)) {
        return false;
    }
    double number = 0;
    if (flags.timeout) {
        if (!parseNumber(*flags.timeout, number)) {
            usageError("--timeout needs a number of seconds between 0.1 and 3600, not \"" + *flags.timeout + "\"");
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
        limits.network = *flags.network;
    }
    if (flags.runtime) {
        limits.runtime = *flags.runtime;
    }
    if (flags.memory && !flags.memorySwap) {
        limits.memorySwapBytes = limits.memoryBytes;
    }
    if (flags.memory && !flags.tmpfsSize) {
        run::fitTmpfsToMemory(limits);
    }
    if (auto valid = run::validate(limits); !valid) {
        usageError(valid.error().message);
        return false;
    }
    return true;
}

} // namespace agentrun::cli
