#include "limitoptions.h"

#include <charconv>
#include <cmath>

namespace agentrun::cli {

OptionResult parseLimitOption(Args& args, run::Limits& limits, LimitOptionsSeen& seen)
{
    struct SizeOption
    {
        const char* name;
        std::int64_t run::Limits::*field;
    };
    static constexpr SizeOption sizes[] = {
        {"--memory", &run::Limits::memoryBytes},
        {"--memory-swap", &run::Limits::memorySwapBytes},
        {"--output-limit", &run::Limits::outputLimitBytes},
        {"--tmpfs-size", &run::Limits::tmpfsBytes},
    };
    for (const auto& option : sizes) {
        if (!args.is(option.name)) {
            continue;
        }
        auto value = args.value();
        if (!value) {
            return OptionResult::Failed;
        }
        auto parsed = run::parseSize(*value, option.name);
        if (!parsed) {
            usageError(parsed.error().message);
            return OptionResult::Failed;
        }
        limits.*option.field = *parsed;
        seen.memory = seen.memory || option.field == &run::Limits::memoryBytes;
        seen.memorySwap = seen.memorySwap || option.field == &run::Limits::memorySwapBytes;
        return OptionResult::Taken;
    }
    double number = 0;
    if (args.is("--timeout")) {
        auto value = args.value();
        if (!value || !parseNumber(*value, limits.timeoutSeconds)) {
            usageError("--timeout needs a number of seconds between 0.1 and 3600");
            return OptionResult::Failed;
        }
    } else if (args.is("--cpus")) {
        auto value = args.value();
        if (!value || !parseNumber(*value, limits.cpus)) {
            usageError("--cpus needs a number between 0.05 and 64");
            return OptionResult::Failed;
        }
    } else if (args.is("--pids")) {
        auto value = args.value();
        if (!value || !parseNumber(*value, number) || number != std::floor(number)) {
            usageError("--pids needs a whole number between 8 and 32768");
            return OptionResult::Failed;
        }
        limits.pids = static_cast<std::int64_t>(number);
    } else if (args.is("--network") || args.is("--runtime")) {
        const bool network = args.is("--network");
        auto value = args.value();
        if (!value) {
            return OptionResult::Failed;
        }
        (network ? limits.network : limits.runtime) = *value;
    } else {
        return OptionResult::NotMine;
    }
    return OptionResult::Taken;
}

bool finishLimits(run::Limits& limits, const LimitOptionsSeen& seen)
{
    if (seen.memory && !seen.memorySwap) {
        limits.memorySwapBytes = limits.memoryBytes;
    }
    if (auto valid = run::validate(limits); !valid) {
        usageError(valid.error().message);
        return false;
    }
    return true;
}

} // namespace agentrun::cli
