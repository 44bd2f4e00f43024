#include "restrules.h"

#include <algorithm>

namespace agentrun::cli {

run::AdmissionRules serverRules(const model::RunSpec& defaults, const run::Ceilings& ceilings,
                                const std::string& extraPolicy)
{
    run::AdmissionRules rules;
    rules.ceilings = ceilings;
    rules.networkAllowed = defaults.limits.network == "bridge";
    rules.allowHosts = defaults.limits.allowHosts; // serve --allow-host: the most a run may reach
    rules.allow = defaults.allow;
    for (const auto& policy : {defaults.policy, extraPolicy}) {
        if (!policy.empty() && std::ranges::find(rules.policies, policy) == rules.policies.end()) {
            rules.policies.push_back(policy);
        }
    }
    if (defaults.limits.runtime == "runsc") {
        rules.runtimes = {"runsc"};
    }
    rules.skipCheckAllowed = false;
    return rules;
}

} // namespace agentrun::cli
