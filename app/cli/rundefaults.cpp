#include "rundefaults.h"

#include "args.h"

#include "agentrun/safety/policy.h"

namespace agentrun::cli {

void addRunDefaultFlags(CLI::App& command, RunDefaultFlags& flags, const std::string& allowHelp,
                        bool withImage)
{
    const std::string group = "Run defaults";
    addLimitFlags(command, flags.limits);
    for (CLI::Option* option :
         command.get_options([](const CLI::Option* o) { return o->get_group() == "Limits"; })) {
        option->group(group);
    }
    addValue(command, "--policy", flags.policy,
             "standard | strict | agentrun-compat | FILE (default standard)", "P")
        ->group(group);
    addRepeated(command, "--allow", flags.allow, allowHelp, "PKG")->group(group);
    if (withImage) {
        addValue(command, "--image", flags.image,
                 "sandbox image (default agentrun-sandbox:latest or $AGENTRUN_IMAGE)", "REF")
            ->group(group);
    }
    addCeilingFlags(command, flags.ceilings);
}

bool applyRunDefaultFlags(const RunDefaultFlags& flags, model::RunSpec& defaults, run::Ceilings& ceilings)
{
    if (!applyLimitFlags(flags.limits, defaults.limits) || !applyCeilingFlags(flags.ceilings, ceilings)) {
        return false;
    }
    if (flags.policy) {
        defaults.policy = *flags.policy;
    }
    if (auto loaded = safety::Policy::load(defaults.policy); !loaded) {
        usageError(loaded.error().message);
        return false;
    }
    defaults.allow = flags.allow;
    return fitDefaultsToCeilings(defaults.limits, flags.limits, ceilings);
}

} // namespace agentrun::cli
