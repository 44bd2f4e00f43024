#pragma once

#include "agentrun/engine/client.h"
#include "agentrun/model/network.h"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace agentrun::sandbox {

/// The egress proxies of allowlisted runs (docs/security.md, "Network by allowlist"). One proxy per
/// distinct allowlist, started when first needed and shared by every run with that list: a Squid
/// container (hardened: read-only, no capabilities, an unprivileged user) on the engine's egress network.
/// Each run gets a segment of its own: an internal network on which its sandbox and the proxy are alone
/// (a segment is reused by a later run once its sandbox is gone). The host has no address on a segment,
/// so a sandbox has no gateway, no route out and no resolver: only the proxy, which lets through the
/// names on its list, refuses everything else, and records each request by the client's address. Runs
/// never share a segment, so they cannot reach each other or another list's proxy. Containers and
/// networks carry the owner's pid (the leftover reaper removes them when the owner died) and are removed
/// by the destructor.
class EgressProxies
{
public:
    EgressProxies(engine::Client& client, model::ProxySettings settings);
    ~EgressProxies();
    EgressProxies(const EgressProxies&) = delete;
    EgressProxies& operator=(const EgressProxies&) = delete;

    /// What a sandbox needs to use a proxy: the network to create it on and its environment.
    struct Lease
    {
        std::string key;              ///< the allowlist's proxy
        std::string network;          ///< the run's segment: an internal network's name
        std::string proxyUrl;         ///< http://ADDRESS:3128
        std::vector<std::string> env; ///< HTTP(S)_PROXY in both spellings, NO_PROXY empty
    };
    /// The proxy for this (normalised) allowlist, started if needed (network.proxy, network.egress on
    /// failure, saying what to do).
    Result<Lease> acquire(const std::vector<std::string>& allowHosts);
    /// The same for entries already parsed. An entry may name an address here (a package index given by
    /// its IP): only the program builds such entries, a person's list never holds one.
    Result<Lease> acquire(const std::vector<model::AllowEntry>& entries);
    /// The run that held the lease ended; the proxy stays for the next run with the same list (at most
    /// `MaxIdle` idle ones are kept).
    void release(const Lease& lease);

    /// The connections the proxy recorded for a client address, taken out of its record once no new
    /// one came for `quiet` (a tunnel is logged when it closes, which its sandbox's end does: Squid logs
    /// it within a few milliseconds of that; the sandbox's processes are gone when this is asked).
    std::vector<model::Connection> take(const Lease& lease, const std::string& clientAddress,
                                        std::chrono::milliseconds quiet = std::chrono::milliseconds(50));

    const model::ProxySettings& settings() const { return m_settings; }

    /// How many proxies run now (tests).
    int count() const;

    static constexpr int MaxIdle = 4;
    static constexpr const char* ProxyLabel = "org.agentrun.egress-proxy";

private:
    struct Proxy;
    void removeProxy(Proxy& proxy);
    Result<std::size_t> segmentFor(Proxy& proxy); ///< a free segment, made when none is; m_mutex held

    engine::Client& m_client;
    const model::ProxySettings m_settings;
    mutable std::mutex m_mutex;
    std::map<std::string, std::shared_ptr<Proxy>> m_proxies;
    int m_segments = 0; ///< names new segments
};

/// The sandbox's address on `network`, from the engine's description of the container.
std::string addressOn(const nlohmann::json& container, const std::string& network);

} // namespace agentrun::sandbox
