#pragma once

#include "agentrun/deps/requirement.h"
#include "agentrun/deps/whitelist.h"
#include "agentrun/error.h"

#include <set>
#include <string>
#include <vector>

namespace agentrun::safety {
struct Report;
}

namespace agentrun::deps {

/// What the sandbox image already provides, read from the image itself (never from the host).
struct StdlibInfo
{
    std::string pythonVersion;           ///< e.g. "3.11.2"
    std::set<std::string> modules;       ///< stdlib + built-in top-level modules (sys.stdlib_module_names)
    std::set<std::string> distributions; ///< normalised names of the distributions installed in the image
    std::set<std::string>
        importable; ///< other top-level modules importable in the image (pip, setuptools, …)
};

/// The dependency decision for one run.
struct Resolution
{
    std::vector<std::string> packages;       ///< distributions to install, sorted, normalised
    std::vector<Requirement> requirements;   ///< the same, with the whitelist's pins: what the installer gets
    std::vector<std::string> rejected;       ///< distributions not whitelisted, sorted
    std::vector<std::string> alreadyInImage; ///< distributions the image provides: never installed or removed
};

/// Imports (top-level names as the analyzer reports them; relative and dotted names tolerated) →
/// what to install. Stdlib modules of the image's Python are dropped; modules importable in the image
/// and distributions in `info.distributions` or `inImage` count as already there.
Resolution resolve(const std::vector<std::string>& imports, const StdlibInfo& info,
                   const Whitelist& whitelist, const std::set<std::string>& inImage = {});

/// The distributions an import list needs (stdlib dropped, names mapped), sorted: AgentRun's
/// parse_dependencies and the `packages` field of a safety report.
std::vector<std::string> packagesFor(const std::vector<std::string>& imports, const StdlibInfo& info);

/// Fills `report.packages` from `report.imports`.
void fillPackages(safety::Report& report, const StdlibInfo& info);

/// deps.not_whitelisted with AgentRun's sentence per rejected distribution:
/// "Dependency: numpy is not in the whitelist."
Error rejectionError(const Resolution& resolution);

} // namespace agentrun::deps
