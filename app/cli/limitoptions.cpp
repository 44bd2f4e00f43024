#include "limitoptions.h"

#include <charconv>
#include <cmath>
#include <map>

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

OptionResult parseCeilingOption(Args& args, run::Ceilings& ceilings)
{
    struct SizeOption
    {
        const char* name;
        std::int64_t run::Ceilings::*field;
    };
    static constexpr SizeOption sizes[] = {
        {"--max-memory", &run::Ceilings::memoryBytes},
        {"--max-output-limit", &run::Ceilings::outputLimitBytes},
        {"--max-tmpfs-size", &run::Ceilings::tmpfsBytes},
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
        ceilings.*option.field = *parsed;
        return OptionResult::Taken;
    }
    double number = 0;
    if (args.is("--max-timeout")) {
        auto value = args.value();
        if (!value || !parseNumber(*value, ceilings.timeoutSeconds)) {
            usageError("--max-timeout needs a number of seconds between 0.1 and 3600");
            return OptionResult::Failed;
        }
    } else if (args.is("--max-cpus")) {
        auto value = args.value();
        if (!value || !parseNumber(*value, ceilings.cpus)) {
            usageError("--max-cpus needs a number between 0.05 and 64");
            return OptionResult::Failed;
        }
    } else if (args.is("--max-pids")) {
        auto value = args.value();
        if (!value || !parseNumber(*value, number) || number != std::floor(number) || number < 8 ||
            number > 32768) {
            usageError("--max-pids needs a whole number between 8 and 32768");
            return OptionResult::Failed;
        }
        ceilings.pids = static_cast<std::int64_t>(number);
    } else {
        return OptionResult::NotMine;
    }
    return OptionResult::Taken;
}

bool fitDefaultsToCeilings(run::Limits& limits, const run::Ceilings& ceilings)
{
    if (auto valid = run::validate(ceilings); !valid) {
        usageError(valid.error().message);
        return false;
    }
    // A limit that still has its built-in value was not given: it is lowered. One that was given is the
    // operator's own choice, and above its ceiling it contradicts another of their options.
    const run::Limits builtIn;
    run::Limits given = limits; // what is checked: the limits given, the others as they will be lowered
    const auto lowerUnlessGiven = [](auto& value, auto builtInValue, auto ceiling) {
        if (value == builtInValue && value > ceiling) {
            value = ceiling;
        }
    };
    lowerUnlessGiven(given.timeoutSeconds, builtIn.timeoutSeconds, ceilings.timeoutSeconds);
    lowerUnlessGiven(given.memoryBytes, builtIn.memoryBytes, ceilings.memoryBytes);
    lowerUnlessGiven(given.cpus, builtIn.cpus, ceilings.cpus);
    lowerUnlessGiven(given.pids, builtIn.pids, ceilings.pids);
    lowerUnlessGiven(given.outputLimitBytes, builtIn.outputLimitBytes, ceilings.outputLimitBytes);
    lowerUnlessGiven(given.tmpfsBytes, builtIn.tmpfsBytes, ceilings.tmpfsBytes);
    if (auto within = run::checkCeilings(given, ceilings); !within) {
        static const std::map<std::string, std::string> options = {
            {"limits.timeout", "--timeout"},           {"limits.memory", "--memory"},
            {"limits.cpus", "--cpus"},                 {"limits.pids", "--pids"},
            {"limits.output_limit", "--output-limit"}, {"limits.tmpfs", "--tmpfs-size"}};
        const auto option = options.find(within.error().code);
        const std::string message = within.error().message;
        // "limits.memory: 1 GiB is above this server's ceiling …" → "--memory: 1 GiB is above …"
        usageError((option == options.end() ? std::string() : option->second) +
                   message.substr(message.find(':')) + " Lower the one or raise the other.");
        return false;
    }
    // Swap and /tmp follow a lowered memory limit, as clampToCeilings keeps them valid.
    limits = run::clampToCeilings(limits, ceilings);
    if (auto valid = run::validate(limits); !valid) {
        usageError(valid.error().message);
        return false;
    }
    return true;
}

} // namespace agentrun::cli
