#pragma once

// The engine configuration the executor and its services (imageservice.h, cacheservice.h) share. Kept
// apart from executor.h so that a front end can hold one without the run types.

#include "agentrun/model/network.h"
#include "agentrun/model/session.h"

#include <string>

namespace agentrun::run {

/// The image runs use when nothing else is said.
inline constexpr const char* DefaultImage = "agentrun-sandbox:latest";

struct ExecutorConfig
{
    std::string image = DefaultImage;
    std::string dockerHost; ///< empty: DOCKER_HOST or the default unix socket
    int poolSize = 2;       ///< warm containers kept ready per limits key; 0 = no pool
    /// Opt-in recycle mode: a pool container serves up to this many runs (1: a fresh container per
    /// run, the default). Between runs its agent kills every process of the sandbox user, wipes /tmp,
    /// /dev/shm and System V IPC and starts a fresh interpreter; see docs/security.md for what that
    /// does and does not isolate.
    int recycleRuns = 1;
    model::SessionSettings sessions{}; ///< idle time, lifetime and number of open sessions
    model::ProxySettings proxy{};      ///< the egress proxy of allowlisted runs
    /// Names an install from an index may reach besides the index's own host (AGENTRUN_INDEX_HOSTS):
    /// an index that serves its files from another host (a CDN) needs that host here.
    std::vector<std::string> indexHosts{};
};

/// The engine settings of this process's environment, the one place every front end reads them:
/// `image` from AGENTRUN_IMAGE (when set and not empty, else DefaultImage), `dockerHost` from
/// DOCKER_HOST (empty: the default socket); the egress proxy's image from AGENTRUN_PROXY_IMAGE, its
/// egress network from AGENTRUN_EGRESS_NETWORK and its fixed names from AGENTRUN_PROXY_HOSTS
/// ("name=address,name=address": closed networks and tests; the proxy then resolves nothing else), and
/// the names an index install may reach besides the index from AGENTRUN_INDEX_HOSTS ("name,name").
/// The rest keeps its default.
ExecutorConfig configFromEnvironment();

} // namespace agentrun::run
