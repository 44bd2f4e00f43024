// The check stage of a run (run/stages.h): the request, the policy and the static analysis of the code.
#include "run/stages.h"

#include "agentrun/run/dependencysettings.h"
#include "agentrun/errorcodes.h"
#include "agentrun/run/validate.h"
#include "agentrun/safety/analyzer.h"
#include "agentrun/safety/policy.h"
#include "run/classify.h"

#include <algorithm>
#include <chrono>

namespace agentrun::run {

std::optional<RunEnd> validateRequest(const model::RunSpec& request)
{
    // The one validation of a run description (run/validate.h), the same a front end may apply earlier.
    if (auto valid = validate(request); !valid) {
        return RunEnd{model::Status::InvalidRequest, valid.error().message, valid.error().code};
    }
    if (auto valid = validateDependencySettings(request); !valid) { // before anything starts
        return RunEnd{model::Status::InvalidRequest, valid.error().message, valid.error().code};
    }
    return std::nullopt;
}

std::expected<safety::Report, RunEnd> checkCode(const model::RunSpec& request, model::RunResult& result,
                                                RunObserver& observer)
{
    const auto checkStart = std::chrono::steady_clock::now();
    auto policy = safety::Policy::load(request.policy);
    if (!policy) {
        return std::unexpected(
            RunEnd{model::Status::InvalidRequest, policy.error().message, policy.error().code});
    }
    if (request.limits.network == "bridge" && policy->ruleLevel("network") == safety::Severity::Block) {
        // A policy that blocks network code does not open the whole network; an allowlist it may.
        return std::unexpected(
            RunEnd{model::Status::InvalidRequest,
                   "The " + policy->name() +
                       " policy does not allow network open (bridge): give the hosts the "
                       "code needs instead (--allow-host, limits.allow_hosts), or use another policy.",
                   errc::LimitsNetwork});
    }
    if (request.skipCheck && !policy->allowsOverride()) {
        return std::unexpected(
            RunEnd{model::Status::InvalidRequest,
                   "The " + policy->name() + " policy does not allow skipping the safety check.",
                   errc::PolicyOverride});
    }
    safety::Report report = safety::analyze(request.code, *policy);
    result.durations.checkMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - checkStart).count();
    result.findings = report.findings;
    observer.findings(report);
    if (!report.allowed && !request.skipCheck) {
        return std::unexpected(RunEnd{model::Status::Blocked, blockedMessage(report), errc::SafetyBlocked});
    }
    return report;
}

std::optional<RunEnd> requireRuntime(const std::string& runtime, const std::vector<std::string>& registered)
{
    if (runtime == "runc" || std::ranges::find(registered, runtime) != registered.end()) {
        return std::nullopt;
    }
    return RunEnd{
        model::Status::EngineError,
        "The " + runtime +
            " runtime (gVisor) is not registered with this Docker engine, so nothing was run: install "
            "it (apt-get install runsc) and register it in /etc/docker/daemon.json, or choose the "
            "runc runtime.",
        errc::RuntimeMissing};
}

} // namespace agentrun::run
