#pragma once

#include "agentrun/deps/installer.h"
#include "agentrun/engine/client.h"
#include "agentrun/run/dependencysettings.h"
#include "agentrun/run/executor.h"
#include "agentrun/sandbox/egressproxy.h"
#include "agentrun/sandbox/sandboxengine.h"
#include "agentrun/safety/finding.h"

#include <optional>
#include <string>
#include <vector>

namespace agentrun::run {

/// What the dependency phase of one run decided.
struct DependencyPlan
{
    std::optional<model::Status> failure; ///< DependencyRejected / InstallFailed / InvalidRequest / Cancelled
    std::string message;
    std::string code;
    std::vector<std::string> packages; ///< distributions the code needs (not in the image's stdlib)
    std::vector<sandbox::VolumeMount> mounts;
    std::vector<std::string> env;
    double installMs = 0;
    std::string image; ///< the baked image of the request's cached dependencies; empty: the base image
};

/// Resolves the code's imports against the image's own Python and the request's whitelist, and
/// installs what is needed into a cached volume (installer container; the run itself stays offline).
/// With an empty whitelist nothing is resolved or installed: the code runs as it is. Cached dependencies
/// (RunSpec::cached) must all be whitelisted; the run then uses their baked image (baked now when it
/// is not there yet), and what that image holds is never installed again.
/// An index is reached through `index` (its host only); the engine must have the proxies' egress network.
DependencyPlan prepareDependencies(engine::Client& client, deps::Installer& installer,
                                   const deps::IndexAccess& index, const std::string& image,
                                   const model::RunSpec& request, const safety::Report& report,
                                   RunObserver& observer, const CancelToken& cancel);

} // namespace agentrun::run
