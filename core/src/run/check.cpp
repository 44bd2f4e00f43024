// The check stage of a run (run/stages.h): the request, the policy and the static analysis of the code.
#include "run/stages.h"

#include "agentrun/safety/analyzer.h"
#include "agentrun/safety/policy.h"
#include "run/classify.h"

#include <algorithm>
#include <chrono>

namespace agentrun::run {

namespace {

constexpr std::size_t MaxStdinBytes = 64u << 20;

} // namespace

std::optional<RunEnd> validateRequest(const RunRequest& request)
{
    if (auto valid = validate(request.limits); !valid) {
        return RunEnd{Status::InvalidRequest, valid.error().message, valid.error().code};
    }
    if (auto valid = validateCollect(request.collect); !valid) {
        return RunEnd{Status::InvalidRequest, valid.error().message, valid.error().code};
    }
    if (request.stdinData.size() > MaxStdinBytes) {
        return RunEnd{Status::InvalidRequest, "The stdin data is larger than 64 MiB: pass less input.",
                      "request.stdin"};
    }
    return std::nullopt;
}

std::expected<safety::Report, RunEnd> checkCode(const RunRequest& request, RunResult& result,
                                                RunObserver& observer)
{
    const auto checkStart = std::chrono::steady_clock::now();
    auto policy = safety::Policy::load(request.policy);
    if (!policy) {
        return std::unexpected(RunEnd{Status::InvalidRequest, policy.error().message, policy.error().code});
    }
    if (request.skipCheck && !policy->allowsOverride()) {
        return std::unexpected(
            RunEnd{Status::InvalidRequest,
                   "The " + policy->name() + " policy does not allow skipping the safety check.",
                   "policy.override"});
    }
    safety::Report report = safety::analyze(request.code, *policy);
    result.durations.checkMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - checkStart).count();
    result.findings = report.findings;
    observer.findings(report);
    if (!report.allowed && !request.skipCheck) {
        return std::unexpected(RunEnd{Status::Blocked, blockedMessage(report), "safety.blocked"});
    }
    return report;
}

std::optional<RunEnd> requireRuntime(const std::string& runtime, const std::vector<std::string>& registered)
{
    if (runtime == "runc" || std::ranges::find(registered, runtime) != registered.end()) {
        return std::nullopt;
    }
    return RunEnd{
        Status::EngineError,
        "The " + runtime +
            " runtime (gVisor) is not registered with this Docker engine, so nothing was run: install "
            "it (apt-get install runsc) and register it in /etc/docker/daemon.json, or choose the "
            "runc runtime.",
        "runtime.missing"};
}

} // namespace agentrun::run
