#pragma once

#include "agentrun/error.h"
#include "agentrun/run/executor.h"
#include "agentrun/model/limits.h"
#include "agentrun/safety/policy.h"

#include <cstdint>
#include <string>
#include <vector>

namespace agentrun::run {

/// The most one run may ask of a server, under the absolute ranges of validate(Limits). The operator
/// sets them (`serve --max-memory …`); a request above one is refused before anything starts.
struct Ceilings
{
    double timeoutSeconds = 600;
    std::int64_t memoryBytes = 4ll << 30;
    double cpus = 1;
    std::int64_t pids = 1024;
    std::int64_t outputLimitBytes = 16ll << 20; ///< per stream; the server holds a run's output in memory
    std::int64_t tmpfsBytes = 2ll << 30;

    /// Defaults for this machine: memory half of its RAM, /tmp half of that, every online CPU, 1024
    /// processes, 600 s, 16 MiB of output per stream. Never above the absolute ranges.
    static Ceilings forHost();
};

/// Every ceiling within the absolute range of its limit; the error names the serve option.
Result<void> validate(const Ceilings& ceilings);

/// The first limit above its ceiling: code `limits.<field>`, message like "limits.memory: 64 GiB is above
/// this server's ceiling of 2 GiB (serve --max-memory)."
Result<void> checkCeilings(const model::Limits& limits, const Ceilings& ceilings);

/// `limits` lowered to the ceilings, still valid: swap follows memory down, /tmp stays below memory.
/// For a server's own defaults, which were not chosen against the ceilings.
model::Limits clampToCeilings(model::Limits limits, const Ceilings& ceilings);

/// What a server accepts in a run, whichever way each setting arrived (the request's own fields, a
/// saved profile it names, the server's defaults). Applied to the final run description.
struct AdmissionRules
{
    Ceilings ceilings;
    bool networkAllowed = false; ///< limits.network "bridge" (serve --network bridge): any network
    /// limits.network "allow": the hosts a request's allowlist may name, each of its entries covered by
    /// one of these (serve --allow-host; empty: no allowlist unless networkAllowed).
    std::vector<std::string> allowHosts;
    std::int64_t maxNetworkBytes = 1ll << 30; ///< limits.network_bytes at most
    std::vector<std::string> allow;           ///< the server's whitelist: a run's is a subset ("*": anything)
    /// Policies a run may use: the presets, plus the operator's own policy files.
    std::vector<std::string> policies = safety::Policy::presetNames();
    /// Runtimes a run may use: only runsc when the server's runs use gVisor.
    std::vector<std::string> runtimes = {"runc", "runsc"};
    bool skipCheckAllowed = false; ///< a run may skip the static check
};

/// The first rule `request` breaks, or nothing. Codes name the field: limits.<field> (ceilings, network,
/// runtime), dependencies (whitelist, cached), policy, skip_check.
Result<void> admit(const model::RunSpec& request, const AdmissionRules& rules);

} // namespace agentrun::run
