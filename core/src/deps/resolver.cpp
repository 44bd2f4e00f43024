#include "agentrun/deps/resolver.h"

#include "agentrun/deps/importnames.h"
#include "agentrun/errorcodes.h"
#include "agentrun/safety/finding.h"

#include <algorithm>
#include <set>

namespace agentrun::deps {

namespace {

/// "pkg.sub" → "pkg"; relative (".x", "") → empty.
std::string topLevel(std::string_view module)
{
    while (!module.empty() && (module.front() == ' ' || module.front() == '\t')) {
        module.remove_prefix(1);
    }
    if (module.empty() || module.front() == '.') {
        return {};
    }
    return std::string(module.substr(0, module.find('.')));
}

} // namespace

Resolution resolve(const std::vector<std::string>& imports, const StdlibInfo& info,
                   const Whitelist& whitelist, const std::set<std::string>& inImage)
{
    std::set<std::string> packages;
    std::set<std::string> rejected;
    std::set<std::string> present;
    for (const auto& module : imports) {
        const std::string name = topLevel(module);
        if (name.empty() || info.modules.contains(name)) {
            continue;
        }
        const std::string distribution = distributionFor(name);
        if (distribution.empty()) {
            continue;
        }
        if (info.importable.contains(name) || info.distributions.contains(distribution) ||
            inImage.contains(distribution)) {
            present.insert(distribution);
        } else if (whitelist.allows(distribution)) {
            packages.insert(distribution);
        } else {
            rejected.insert(distribution);
        }
    }
    Resolution resolution;
    resolution.packages.assign(packages.begin(), packages.end());
    resolution.rejected.assign(rejected.begin(), rejected.end());
    resolution.alreadyInImage.assign(present.begin(), present.end());
    for (const auto& distribution : resolution.packages) {
        resolution.requirements.push_back(whitelist.requirementFor(distribution));
    }
    return resolution;
}

std::vector<std::string> packagesFor(const std::vector<std::string>& imports, const StdlibInfo& info)
{
    std::set<std::string> packages;
    for (const auto& module : imports) {
        const std::string name = topLevel(module);
        if (!name.empty() && !info.modules.contains(name)) {
            packages.insert(distributionFor(name));
        }
    }
    packages.erase(std::string());
    return {packages.begin(), packages.end()};
}

void fillPackages(safety::Report& report, const StdlibInfo& info)
{
    report.packages = packagesFor(report.imports, info);
}

Error rejectionError(const Resolution& resolution)
{
    std::string message;
    for (const auto& distribution : resolution.rejected) {
        message +=
            (message.empty() ? "" : " ") + ("Dependency: " + distribution + " is not in the whitelist.");
    }
    return Error{errc::DepsNotWhitelisted, message};
}

} // namespace agentrun::deps
