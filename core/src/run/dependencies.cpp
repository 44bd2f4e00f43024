#include "run/dependencies.h"

#include "agentrun/deps/bake.h"
#include "agentrun/deps/imagestdlib.h"
#include "agentrun/deps/resolver.h"
#include "agentrun/deps/whitelist.h"
#include "agentrun/run/bridge.h"

namespace agentrun::run {

namespace {

/// The baked image of the request's cached dependencies (its tag) and the ms spent baking it (0 when
/// it was there already).
Result<std::pair<std::string, double>> useBakedImage(engine::Client& client, const std::string& image,
                                                     const RunRequest& request,
                                                     const deps::InstallSource& source,
                                                     std::chrono::seconds timeout, RunObserver& observer,
                                                     const CancelToken& cancel)
{
    auto whitelist = deps::Whitelist::parse(request.allow);
    if (!whitelist) {
        return std::unexpected(whitelist.error());
    }
    auto requirements = deps::cachedRequirements(request.cached, *whitelist);
    if (!requirements) {
        return std::unexpected(requirements.error());
    }
    auto found = deps::findBakedImage(client, image, *requirements);
    if (!found) {
        return std::unexpected(found.error());
    }
    if (*found) {
        return std::pair{**found, 0.0};
    }
    if (source.wheelhouse.empty() && source.indexUrl.empty()) {
        return fail("deps.no_source",
                    "The cached dependencies are not baked yet and no package source is set: "
                    "give a local wheelhouse (--wheelhouse DIR) or an index URL "
                    "(--index-url URL), or run `agentrun deps bake` first.");
    }
    if (source.wheelhouse.empty()) { // an index needs the network: say so now, not after pip's retries
        if (auto bridge = requireBridgeNetwork(client, "--index-url"); !bridge) {
            return std::unexpected(bridge.error());
        }
    }
    observer.stageChanged(Stage::Installing);
    auto baked = deps::bake(
        client, image, *requirements, source, timeout,
        [&](std::string_view line) { observer.installProgress(line); }, cancel.flag());
    if (!baked) {
        return std::unexpected(baked.error());
    }
    return std::pair{baked->image, baked->ms};
}

} // namespace

Result<void> validateDependencySettings(const RunRequest& request)
{
    auto whitelist = deps::Whitelist::parse(request.allow);
    if (!whitelist) {
        return std::unexpected(whitelist.error());
    }
    for (const auto& spec : request.cached) {
        if (auto parsed = deps::parseRequirement(spec); !parsed) {
            return std::unexpected(parsed.error());
        }
    }
    if (!request.wheelhouse.empty()) {
        return deps::validateSource({.indexUrl = {}, .wheelhouse = request.wheelhouse});
    }
    if (!request.indexUrl.empty()) {
        return deps::validateSource({.indexUrl = request.indexUrl, .wheelhouse = {}});
    }
    return {};
}

Result<void> requireDependencySource(const RunRequest& request)
{
    auto whitelist = deps::Whitelist::parse(request.allow);
    if (!whitelist) {
        return std::unexpected(whitelist.error());
    }
    if (whitelist->entries().empty() || !request.cached.empty() || !request.wheelhouse.empty() ||
        !request.indexUrl.empty()) {
        return {};
    }
    std::string names;
    for (const auto& [name, pin] : whitelist->entries()) {
        names += (names.empty() ? "" : ", ") + name + pin;
    }
    return fail("deps.no_source",
                "The whitelist names packages to install (" + names +
                    ") but no package source is set: give a local wheelhouse (--wheelhouse DIR) or an "
                    "index URL (--index-url URL). Packages already in the image need no --allow.");
}

DependencyPlan prepareDependencies(engine::Client& client, deps::Installer& installer,
                                   const std::string& image, const RunRequest& request,
                                   const safety::Report& report, RunObserver& observer,
                                   const CancelToken& cancel)
{
    DependencyPlan plan;
    const auto failWith = [&](Status status, const Error& error) {
        plan.failure = status;
        plan.message = error.message;
        plan.code = error.code;
        return plan;
    };
    deps::InstallSource source;
    source.wheelhouse = request.wheelhouse;
    source.indexUrl = request.wheelhouse.empty() ? request.indexUrl : std::string();
    const auto timeout = std::chrono::seconds(static_cast<long>(request.installTimeoutSeconds));
    if (!request.cached.empty()) {
        auto baked = useBakedImage(client, image, request, source, timeout, observer, cancel);
        if (!baked) {
            const std::string& code = baked.error().code;
            return failWith(code == "deps.cached_not_whitelisted" ? Status::DependencyRejected
                            : code == "deps.spec"                 ? Status::InvalidRequest
                            : code == "deps.cancelled"            ? Status::Cancelled
                            : code.starts_with("engine.")         ? Status::EngineError
                                                                  : Status::InstallFailed,
                            baked.error());
        }
        plan.image = baked->first;
        plan.installMs += baked->second;
    }
    if (request.allow.empty() || report.imports.empty()) {
        return plan;
    }
    auto whitelist = deps::Whitelist::parse(request.allow);
    if (!whitelist) {
        return failWith(Status::InvalidRequest, whitelist.error());
    }
    const std::string& runImage = plan.image.empty() ? image : plan.image;
    auto info = deps::imageStdlib(client, runImage);
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
    if (source.wheelhouse.empty()) { // an index needs the network: say so now, not after pip's retries
        if (auto bridge = requireBridgeNetwork(client, "--index-url"); !bridge) {
            return failWith(Status::EngineError, bridge.error());
        }
    }
    observer.stageChanged(Stage::Installing);
    auto installed = installer.install(
        resolution.requirements, source, timeout,
        [&](std::string_view line) { observer.installProgress(line); }, cancel.flag(), plan.image);
    if (!installed) {
        if (installed.error().code == "deps.cancelled") {
            return failWith(Status::Cancelled, installed.error());
        }
        const bool invalid = installed.error().code == "deps.spec";
        return failWith(invalid ? Status::InvalidRequest : Status::InstallFailed, installed.error());
    }
    plan.installMs += installed->ms;
    if (!installed->volume.empty()) {
        plan.mounts.push_back(deps::runMount(installed->volume));
        plan.env.emplace_back(deps::SiteEnv);
    }
    return plan;
}

} // namespace agentrun::run
