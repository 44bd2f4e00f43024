#include "run/dependencies.h"

#include "agentrun/deps/imagestdlib.h"
#include "agentrun/deps/resolver.h"
#include "agentrun/deps/whitelist.h"

namespace agentrun::run {

DependencyPlan prepareDependencies(engine::Client& client, deps::Installer& installer,
                                   const std::string& image, const RunRequest& request,
                                   const safety::Report& report, RunObserver& observer,
                                   const CancelToken& cancel)
{
    DependencyPlan plan;
    if (request.allow.empty() || report.imports.empty()) {
        return plan;
    }
    const auto failWith = [&](Status status, const Error& error) {
        plan.failure = status;
        plan.message = error.message;
        plan.code = error.code;
        return plan;
    };
    auto whitelist = deps::Whitelist::parse(request.allow);
    if (!whitelist) {
        return failWith(Status::InvalidRequest, whitelist.error());
    }
    auto info = deps::imageStdlib(client, image);
    if (!info) {
        return failWith(Status::EngineError, info.error());
    }
    const deps::Resolution resolution = deps::resolve(report.imports, *info, *whitelist);
    plan.packages = resolution.packages;
    plan.packages.insert(plan.packages.end(), resolution.rejected.begin(), resolution.rejected.end());
    if (!resolution.rejected.empty()) {
        return failWith(Status::DependencyRejected, deps::rejectionError(resolution));
    }
    if (resolution.requirements.empty()) {
        return plan;
    }
    if (request.wheelhouse.empty() && request.indexUrl.empty()) {
        return failWith(Status::InstallFailed,
                        Error{"deps.no_source", "The code needs " + resolution.packages.front() +
                                                    (resolution.packages.size() > 1 ? " and more" : "") +
                                                    " but no package source is set: give a local wheelhouse "
                                                    "(--wheelhouse DIR) or an index URL (--index-url URL)."});
    }
    observer.stageChanged(Stage::Installing);
    deps::InstallSource source;
    source.wheelhouse = request.wheelhouse;
    source.indexUrl = request.wheelhouse.empty() ? request.indexUrl : std::string();
    const auto timeout = std::chrono::seconds(static_cast<long>(request.installTimeoutSeconds));
    auto installed = installer.install(
        resolution.requirements, source, timeout,
        [&](std::string_view line) { observer.installProgress(line); }, cancel.flag());
    if (!installed) {
        if (installed.error().code == "deps.cancelled") {
            return failWith(Status::Cancelled, installed.error());
        }
        const bool invalid = installed.error().code == "deps.spec";
        return failWith(invalid ? Status::InvalidRequest : Status::InstallFailed, installed.error());
    }
    plan.installMs = installed->ms;
    if (!installed->volume.empty()) {
        plan.mounts.push_back(deps::runMount(installed->volume));
        plan.env.emplace_back(deps::SiteEnv);
    }
    return plan;
}

} // namespace agentrun::run
