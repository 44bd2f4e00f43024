#include "run/dependencies.h"

#include "agentrun/deps/bake.h"
#include "agentrun/deps/imagestdlib.h"
#include "agentrun/deps/resolver.h"
#include "agentrun/deps/whitelist.h"
#include "agentrun/errorcodes.h"
#include "agentrun/run/bridge.h"

namespace agentrun::run {

namespace {

std::string egressNetworkOf(const deps::IndexAccess& index)
{
    return index.proxies != nullptr ? index.proxies->settings().egressNetwork : std::string("bridge");
}

/// The baked image of the request's cached dependencies (its tag) and the ms spent baking it (0 when
/// it was there already).
Result<std::pair<std::string, double>>
useBakedImage(engine::Client& client, const std::string& image, const model::RunSpec& request,
              const deps::InstallSource& source, std::chrono::seconds timeout, const deps::IndexAccess& index,
              RunObserver& observer, const CancelToken& cancel)
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
        return fail(errc::DepsNoSource,
                    "The cached dependencies are not baked yet and no package source is set: "
                    "give a local wheelhouse (--wheelhouse DIR) or an index URL "
                    "(--index-url URL), or run `agentrun deps bake` first.");
    }
    if (source.wheelhouse.empty()) { // an index needs the network: say so now, not after pip's retries
        if (auto egress = requireEgressNetwork(client, egressNetworkOf(index), "--index-url"); !egress) {
            return std::unexpected(egress.error());
        }
    }
    observer.stageChanged(Stage::Installing);
    auto baked = deps::bake(
        client, image, *requirements, source, timeout,
        [&](std::string_view line) { observer.installProgress(line); }, cancel.flag(), index);
    if (!baked) {
        return std::unexpected(baked.error());
    }
    return std::pair{baked->image, baked->ms};
}

/// The status of a run whose dependencies could not be prepared, from the kind of the error (the
/// catalogue's, not its code's text): a refused package, a malformed spec, a cancel and an engine that
/// cannot be used have statuses of their own; anything else (no source, pip failing) is a failed install.
model::Status failureStatus(const Error& error)
{
    switch (errc::kindOf(error.code)) {
    case errc::Kind::Rejected:
        return model::Status::DependencyRejected;
    case errc::Kind::Invalid:
        return model::Status::InvalidRequest;
    case errc::Kind::Cancelled:
        return model::Status::Cancelled;
    case errc::Kind::Unavailable:
    case errc::Kind::Internal:
        return model::Status::EngineError;
    default:
        return model::Status::InstallFailed;
    }
}

} // namespace

Result<void> validateDependencySettings(const model::RunSpec& request)
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

Result<void> requireDependencySource(const model::RunSpec& request)
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
    return fail(errc::DepsNoSource,
                "The whitelist names packages to install (" + names +
                    ") but no package source is set: give a local wheelhouse (--wheelhouse DIR) or an "
                    "index URL (--index-url URL). Packages already in the image need no --allow.");
}

DependencyPlan prepareDependencies(engine::Client& client, deps::Installer& installer,
                                   const deps::IndexAccess& index, const std::string& image,
                                   const model::RunSpec& request, const safety::Report& report,
                                   RunObserver& observer, const CancelToken& cancel)
{
    DependencyPlan plan;
    const auto failWith = [&](model::Status status, const Error& error) {
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
        auto baked = useBakedImage(client, image, request, source, timeout, index, observer, cancel);
        if (!baked) {
            return failWith(failureStatus(baked.error()), baked.error());
        }
        plan.image = baked->first;
        plan.installMs += baked->second;
    }
    if (request.allow.empty() || report.imports.empty()) {
        return plan;
    }
    auto whitelist = deps::Whitelist::parse(request.allow);
    if (!whitelist) {
        return failWith(model::Status::InvalidRequest, whitelist.error());
    }
    const std::string& runImage = plan.image.empty() ? image : plan.image;
    auto info = deps::imageStdlib(client, runImage);
    if (!info) {
        return failWith(model::Status::EngineError, info.error());
    }
    const deps::Resolution resolution = deps::resolve(report.imports, *info, *whitelist);
    plan.packages = resolution.packages;
    plan.packages.insert(plan.packages.end(), resolution.rejected.begin(), resolution.rejected.end());
    if (!resolution.rejected.empty()) {
        return failWith(model::Status::DependencyRejected, deps::rejectionError(resolution));
    }
    if (resolution.requirements.empty()) {
        return plan;
    }
    if (request.wheelhouse.empty() && request.indexUrl.empty()) {
        return failWith(
            model::Status::InstallFailed,
            Error{errc::DepsNoSource, "The code needs " + resolution.packages.front() +
                                          (resolution.packages.size() > 1 ? " and more" : "") +
                                          " but no package source is set: give a local wheelhouse "
                                          "(--wheelhouse DIR) or an index URL (--index-url URL)."});
    }
    if (source.wheelhouse.empty()) { // an index needs the network: say so now, not after pip's retries
        if (auto egress = requireEgressNetwork(client, egressNetworkOf(index), "--index-url"); !egress) {
            return failWith(model::Status::EngineError, egress.error());
        }
    }
    observer.stageChanged(Stage::Installing);
    auto installed = installer.install(
        resolution.requirements, source, timeout,
        [&](std::string_view line) { observer.installProgress(line); }, cancel.flag(), plan.image);
    if (!installed) {
        return failWith(failureStatus(installed.error()), installed.error());
    }
    plan.installMs += installed->ms;
    if (!installed->volume.empty()) {
        plan.mounts.push_back({installed->volume, deps::SitePath, true});
        plan.env.emplace_back(deps::SiteEnv);
    }
    return plan;
}

} // namespace agentrun::run
