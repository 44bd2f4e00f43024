#pragma once

#include "agentrun/deps/requirement.h"
#include "agentrun/error.h"
#include "agentrun/model/network.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::engine {
class Client;
}
namespace agentrun::sandbox {
class EgressProxies;
}

namespace agentrun::deps {

/// Where a run container sees the installed packages (read-only) and the variable that puts them on
/// the import path. The integrator adds runMount() to HostConfig.Mounts and SiteEnv to Env.
inline constexpr const char* SitePath = "/opt/agentrun/site";
inline constexpr const char* SiteEnv = "PYTHONPATH=/opt/agentrun/site";
/// Label on every cache volume (value "cache") and installer container (value "installer").
inline constexpr const char* DepsLabel = "org.agentrun.deps";

/// Where pip gets packages from. Exactly one of the two is set.
struct InstallSource
{
    std::string indexUrl;   ///< http(s) index: for this phase only, the installer container reaches the
                            ///< index's host (and nothing else) through the egress proxy
    std::string wheelhouse; ///< host directory of wheels, copied in for the install: --no-index --find-links,
                            ///< no network
    bool onlyBinary = true; ///< --only-binary :all: (never run a package's setup.py)
};

struct InstallResult
{
    std::string volume;  ///< cache volume to mount with runMount(); empty when nothing to install
    bool cached = false; ///< an existing complete volume was reused
    double ms = 0;       ///< wall time of install()
    std::vector<std::string>
        installed; ///< "name==version" of everything in the volume, dependencies included
    /// What the install asked the egress proxy for (an index install; empty otherwise).
    std::vector<model::Connection> connections;
};

/// How an installer may reach an index: through `proxies` (the egress proxies of allowlisted runs), to
/// the index's host and `extraHosts` (AGENTRUN_INDEX_HOSTS). Without proxies an index install fails.
struct IndexAccess
{
    sandbox::EgressProxies* proxies = nullptr;
    std::vector<std::string> extraHosts;
};

/// How the installer container of an index install reaches its index: alone with the egress proxy on a
/// segment, with the proxy's address given to pip and in the environment.
struct IndexRoute
{
    std::string network;
    std::string proxyUrl;
    std::vector<std::string> env;
};

struct CacheEntry
{
    std::string volume;
    std::string requirements;    ///< "alpha,beta==2.0" as installed
    std::string image;           ///< image id the set was installed for
    std::string source;          ///< "wheelhouse" or "index <host>"
    std::string created;         ///< engine timestamp
    std::int64_t sizeBytes = -1; ///< -1 when the engine did not say
    bool inUse = false;          ///< mounted by a container right now (prune keeps it)
};

/// Installs requirement sets into cache volumes, in a short-lived installer container per set:
/// hardened like a run container (read-only root, no capabilities, user 65534, seccomp, limits), with
/// the volume read-write and, for a wheelhouse, a copy of the host directory read-only; no network
/// unless the source is an index, and then only the index's host (plus AGENTRUN_INDEX_HOSTS) through
/// the egress proxy of allowlisted runs: `access` must name the proxies for index installs
/// (network.proxy otherwise). Thread-safe; one install per set at a time within the process.
class Installer
{
public:
    Installer(engine::Client& client, std::string image, IndexAccess access = {});
    ~Installer();
    Installer(const Installer&) = delete;
    Installer& operator=(const Installer&) = delete;

    /// Reuses the complete cache volume for this set (image + source + requirements) or installs it.
    /// `progress` receives pip's output line by line (and a few lines of our own). Errors:
    /// deps.spec (bad requirement or source), deps.install_failed ("Failed to install dependency X:
    /// <pip's last error line>"), deps.install_timeout (the installer container was killed),
    /// deps.cancelled, deps.busy, network.proxy / network.egress (an index install whose proxy cannot
    /// start), engine errors. A failed install leaves no volume and no container.
    /// `image` overrides the installer's own image (a baked image derived from it); empty: its own.
    Result<InstallResult> install(const std::vector<Requirement>& requirements, const InstallSource& source,
                                  std::chrono::seconds timeout,
                                  const std::function<void(std::string_view line)>& progress,
                                  const std::atomic<bool>& cancel, const std::string& image = {});

    /// The project's cache volumes with their sizes.
    Result<std::vector<CacheEntry>> listCache();
    /// Removes every cache volume not in use; returns how many.
    Result<int> pruneCache();
    /// Removes one cache volume by name (only volumes labelled as the cache); deps.busy while in use.
    Result<void> removeCache(const std::string& volume);

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

/// The HostConfig "Mounts" entry of a run container: `volume` read-only at SitePath.
nlohmann::json runMount(const std::string& volume);

/// The cache volume's name for a set: "agentrun-deps-" + 16 hex digits of a hash over the image id,
/// the source and the normalised, sorted, de-duplicated requirements. Order-insensitive.
std::string cacheVolumeName(const std::vector<Requirement>& requirements, const std::string& imageId,
                            const InstallSource& source);

/// pip's arguments after `python3 -m pip` (shown to people, used by the installer); `proxyUrl`: pip's
/// --proxy for an index install.
std::vector<std::string> pipArguments(const std::vector<Requirement>& requirements,
                                      const InstallSource& source, const std::string& proxyUrl = {});

/// Exactly one of a wheelhouse (an existing folder given by its absolute path, one you can list) or an
/// http(s) index URL without spaces; deps.source saying what is wrong otherwise. Nothing is contacted.
Result<void> validateSource(const InstallSource& source);

/// The Engine API create body of the installer container (exposed for tests and `--dry-run` views). With
/// a wheelhouse source, `wheelhouseVolume` is the volume holding its copy (mounted read-only at
/// /wheelhouse): the host folder itself is never mounted, so its permissions do not matter. With an index,
/// `route` puts the container on its proxy segment (without one it has no network at all).
nlohmann::json installerSpec(const std::string& image, const std::string& volume,
                             const std::vector<Requirement>& requirements, const InstallSource& source,
                             const std::string& marker, const std::string& wheelhouseVolume = {},
                             const IndexRoute* route = nullptr);

/// "Failed to install dependency X: <reason>" from pip's output lines: the last `ERROR:` line is the
/// reason, X the requirements it names (all of them when it names none).
std::string installFailureMessage(const std::vector<std::string>& pipLines,
                                  const std::vector<Requirement>& requirements);

} // namespace agentrun::deps
