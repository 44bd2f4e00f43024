#include "agentrun/sandbox/egressproxy.h"

#include "agentrun/engine/demuxer.h"
#include "agentrun/errorcodes.h"
#include "agentrun/jsonfield.h"
#include "agentrun/sandbox/containerspec.h"
#include "agentrun/sandbox/squidconfig.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <thread>

#include <unistd.h>

namespace agentrun::sandbox {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto ReadyTimeout = std::chrono::seconds(30);
constexpr std::size_t MaxLine = 4096;              ///< a longer line from the proxy is dropped
constexpr std::size_t MaxRecordsPerClient = 10000; ///< a run that opens more keeps the first ones

std::string keyOf(const std::vector<std::string>& hosts)
{
    std::string text;
    for (const auto& host : hosts) {
        text += host + '\n';
    }
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016zx", std::hash<std::string>{}(text));
    return std::string(buffer, 12);
}

Error proxyError(const std::string& why)
{
    return Error{errc::NetworkProxy, "The egress proxy for this allowlist could not be started: " + why};
}

} // namespace

struct EgressProxies::Proxy
{
    /// An internal network of one run (or session) at a time: the sandbox and the proxy alone on it.
    struct Segment
    {
        std::string network;
        std::string address; ///< the proxy's on it
        bool inUse = false;
    };

    std::string key;
    std::string containerId;
    std::vector<Segment> segments; ///< guarded by EgressProxies::m_mutex
    std::thread reader;
    std::atomic<bool> stop{false};

    std::mutex mutex;
    std::condition_variable changed;
    bool ready = false;
    bool ended = false;
    std::string stderrTail; ///< the proxy's own last words, for an error message
    std::map<std::string, std::vector<model::Connection>> records; ///< by client address
    std::map<std::string, Clock::time_point> lastRecord;
    int users = 0;
    Clock::time_point lastUsed = Clock::now();

    void line(engine::FrameDemuxer::Channel channel, std::string_view text)
    {
        std::lock_guard lock(mutex);
        if (channel == engine::FrameDemuxer::Channel::Stdout) {
            if (auto record = parseAccessLine(text)) {
                auto& list = records[record->client];
                if (list.size() < MaxRecordsPerClient) {
                    list.push_back(std::move(record->connection));
                }
                lastRecord[record->client] = Clock::now();
                changed.notify_all();
            }
            return;
        }
        if (text.find(ProxyReadyMarker) != std::string_view::npos) {
            ready = true;
            changed.notify_all();
        }
        stderrTail += std::string(text.substr(0, 300)) + "\n";
        if (stderrTail.size() > 2000) {
            stderrTail.erase(0, stderrTail.size() - 2000);
        }
    }

    void read(engine::AttachStream stream)
    {
        std::string pending[3];
        engine::FrameDemuxer demuxer([&](engine::FrameDemuxer::Channel channel, std::string_view bytes) {
            std::string& buffer = pending[static_cast<int>(channel) % 3];
            buffer += bytes;
            std::size_t newline;
            while ((newline = buffer.find('\n')) != std::string::npos) {
                line(channel, std::string_view(buffer).substr(0, newline));
                buffer.erase(0, newline + 1);
            }
            if (buffer.size() > MaxLine) {
                buffer.clear();
            }
        });
        bool eof = false;
        while (!stop && !eof) {
            auto bytes = stream.read(std::chrono::milliseconds(200), eof);
            if (!bytes || !demuxer.feed(*bytes)) {
                break;
            }
        }
        std::lock_guard lock(mutex);
        ended = true;
        changed.notify_all();
    }
};

EgressProxies::EgressProxies(engine::Client& client, model::ProxySettings settings)
    : m_client(client), m_settings(std::move(settings))
{}

EgressProxies::~EgressProxies()
{
    std::lock_guard lock(m_mutex);
    for (auto& [key, proxy] : m_proxies) {
        removeProxy(*proxy);
    }
    m_proxies.clear();
}

void EgressProxies::removeProxy(Proxy& proxy)
{
    proxy.stop = true;
    if (!proxy.containerId.empty()) {
        m_client.removeContainer(proxy.containerId);
    }
    if (proxy.reader.joinable()) {
        proxy.reader.join();
    }
    // Sandboxes of its last runs may still be being removed in the background: a network goes once they
    // are (the leftover reaper takes it otherwise).
    for (const auto& segment : proxy.segments) {
        for (int attempt = 0; attempt < 50; ++attempt) {
            auto removed = m_client.removeNetwork(segment.network);
            if (!removed || *removed != engine::Client::Removal::InUse) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    proxy.segments.clear();
}

Result<std::size_t> EgressProxies::segmentFor(Proxy& proxy)
{
    // A free segment whose last sandbox is gone (the pool removes used ones in the background): the
    // engine lists the proxy alone on it.
    for (std::size_t i = 0; i < proxy.segments.size(); ++i) {
        auto& segment = proxy.segments[i];
        if (segment.inUse) {
            continue;
        }
        auto network = m_client.inspectNetwork(segment.network);
        if (network && *network && json::objectField(**network, "Containers").size() == 1) {
            segment.inUse = true;
            return i;
        }
    }
    const std::string owner = std::to_string(::getpid());
    Proxy::Segment segment;
    segment.network = "agentrun-egress-" + owner + "-" + proxy.key + "-" + std::to_string(m_segments++);
    engine::Client::NetworkOptions options;
    options.internal = true;
    options.labels = {{ManagedLabel, "1"}, {"org.agentrun.owner-pid", owner}, {ProxyLabel, proxy.key}};
    // No address of the host on the bridge: a sandbox's packets for anything but the proxy find no
    // gateway (an engine without iptables, as the tests run it, would otherwise route them between its
    // bridges and to the host; with iptables an internal network drops them anyway).
    options.driverOptions = {{"com.docker.network.bridge.inhibit_ipv4", "true"}};
    if (auto created = m_client.createNetwork(segment.network, options); !created) {
        return std::unexpected(proxyError("the engine refused its network: " + created.error().message));
    }
    proxy.segments.push_back(segment);
    if (auto joined = m_client.connectNetwork(segment.network, proxy.containerId); !joined) {
        return std::unexpected(proxyError("it could not join its network: " + joined.error().message));
    }
    auto state = m_client.inspectContainer(proxy.containerId);
    if (!state) {
        return std::unexpected(state.error());
    }
    proxy.segments.back().address = addressOn(*state, segment.network);
    if (proxy.segments.back().address.empty()) {
        return std::unexpected(proxyError("the engine gave it no address on its network."));
    }
    proxy.segments.back().inUse = true;
    return proxy.segments.size() - 1;
}

int EgressProxies::count() const
{
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_proxies.size());
}

Result<EgressProxies::Lease> EgressProxies::acquire(const std::vector<std::string>& allowHosts)
{
    std::vector<model::AllowEntry> entries;
    for (const auto& text : allowHosts) {
        auto entry = model::parseAllowEntry(text);
        if (!entry) {
            return std::unexpected(entry.error());
        }
        entries.push_back(std::move(*entry));
    }
    return acquire(entries);
}

Result<EgressProxies::Lease> EgressProxies::acquire(const std::vector<model::AllowEntry>& entries)
{
    std::vector<std::string> texts;
    for (const auto& entry : entries) {
        texts.push_back(entry.text());
    }
    const std::string key = keyOf(texts);
    // A segment of the proxy for this run alone, and the lease that names it.
    const auto leaseOn = [this](Proxy& proxy) -> Result<Lease> {
        auto index = segmentFor(proxy);
        if (!index) {
            return std::unexpected(index.error());
        }
        const auto& segment = proxy.segments[*index];
        const std::string url = "http://" + segment.address + ":" + std::to_string(ProxyPort);
        {
            std::lock_guard proxyLock(proxy.mutex);
            ++proxy.users;
        }
        return Lease{proxy.key,
                     segment.network,
                     url,
                     {"HTTP_PROXY=" + url, "HTTPS_PROXY=" + url, "http_proxy=" + url, "https_proxy=" + url,
                      "NO_PROXY=", "no_proxy="}};
    };

    std::lock_guard lock(m_mutex);
    if (auto found = m_proxies.find(key); found != m_proxies.end()) {
        Proxy& proxy = *found->second;
        bool ended = false;
        {
            std::lock_guard proxyLock(proxy.mutex);
            ended = proxy.ended;
        }
        if (!ended) {
            return leaseOn(proxy);
        }
        removeProxy(proxy); // it died (removed from outside?): start a new one
        m_proxies.erase(found);
    }

    auto egress = m_client.inspectNetwork(m_settings.egressNetwork);
    if (!egress) {
        return std::unexpected(egress.error());
    }
    if (!*egress) {
        return fail(
            errc::NetworkEgress,
            "An allowlisted run reaches out through the engine network \"" + m_settings.egressNetwork +
                "\", and this engine has no such network" +
                (m_settings.egressNetwork == "bridge" ? " (it was started with --bridge=none?)" : "") +
                ". Start the engine with its bridge network, or set AGENTRUN_EGRESS_NETWORK to a "
                "network it has (docker network ls).");
    }
    if (auto image = m_client.findImage(m_settings.image); !image || !*image) {
        return image ? std::unexpected(proxyError(
                           "its image " + m_settings.image +
                           " is not in the engine. Build it with ./packaging/quickstart.sh image (or "
                           "packaging/sandbox/build-base.sh --variant proxy), then run again."))
                     : std::unexpected(image.error());
    }

    auto proxy = std::make_shared<Proxy>();
    proxy->key = key;
    const std::string owner = std::to_string(::getpid());
    const std::map<std::string, std::string> labels = {
        {ManagedLabel, "1"}, {"org.agentrun.owner-pid", owner}, {ProxyLabel, key}};
    const auto undo = [&](const Error& error) {
        removeProxy(*proxy);
        return std::unexpected(error);
    };

    nlohmann::json extraHosts = nlohmann::json::array();
    for (const auto& [name, address] : m_settings.hosts) {
        extraHosts.push_back(name + ":" + address);
    }
    const std::string config = squidConfig(entries, !m_settings.hosts.empty());
    const nlohmann::json spec = {
        {"Image", m_settings.image},
        {"User", "proxy:proxy"},
        {"Entrypoint",
         {"/bin/sh", "-c",
          "printf '%s' \"$AGENTRUN_SQUID_CONF\" > /tmp/squid.conf && exec squid -N -f "
          "/tmp/squid.conf"}},
        {"Cmd", nlohmann::json::array()},
        {"Env", {"AGENTRUN_SQUID_CONF=" + config}},
        {"AttachStdout", true},
        {"AttachStderr", true},
        {"Tty", false},
        {"StopSignal", "SIGKILL"},
        {"Labels", labels},
        {"HostConfig",
         {{"NetworkMode", m_settings.egressNetwork},
          {"ReadonlyRootfs", true},
          {"Tmpfs",
           {{"/tmp", "rw,nosuid,nodev,noexec,size=16m"},
            {"/run", "rw,nosuid,nodev,noexec,size=1m"},
            {"/var/run/squid", "rw,nosuid,nodev,noexec,size=1m,uid=13,gid=13"},
            {"/var/spool/squid", "rw,nosuid,nodev,noexec,size=1m,uid=13,gid=13"},
            {"/var/log/squid", "rw,nosuid,nodev,noexec,size=1m,uid=13,gid=13"}}},
          {"CapDrop", {"ALL"}},
          {"SecurityOpt", {"no-new-privileges"}},
          {"Memory", 256ll << 20},
          {"MemorySwap", 256ll << 20},
          {"PidsLimit", 64},
          // It sits on two networks: it must not route a sandbox's packets from one to the other.
          {"Sysctls", {{"net.ipv4.ip_forward", "0"}}},
          {"ExtraHosts", extraHosts},
          {"LogConfig", {{"Type", "none"}, {"Config", nlohmann::json::object()}}},
          {"AutoRemove", false},
          {"Privileged", false}}},
    };
    auto id = m_client.createContainer(spec);
    if (!id) {
        return undo(proxyError("the engine refused its container: " + id.error().message));
    }
    proxy->containerId = *id;
    auto stream = m_client.attach(*id);
    if (!stream) {
        return undo(proxyError(stream.error().message));
    }
    if (auto started = m_client.startContainer(*id); !started) {
        return undo(proxyError(started.error().message));
    }
    proxy->reader =
        std::thread([raw = proxy.get(), s = std::move(*stream)]() mutable { raw->read(std::move(s)); });
    {
        std::unique_lock proxyLock(proxy->mutex);
        proxy->changed.wait_for(proxyLock, ReadyTimeout, [&] { return proxy->ready || proxy->ended; });
        if (!proxy->ready) {
            const std::string tail = proxy->stderrTail.empty() ? "(it said nothing)" : proxy->stderrTail;
            proxyLock.unlock();
            return undo(proxyError(std::string(proxy->ended ? "it stopped at start. "
                                                            : "it did not start listening within 30 s. ") +
                                   "Its last words: " + tail));
        }
    }
    auto lease = leaseOn(*proxy);
    if (!lease) {
        return undo(lease.error());
    }
    m_proxies.emplace(key, std::move(proxy));
    return lease;
}

void EgressProxies::release(const Lease& lease)
{
    std::lock_guard lock(m_mutex);
    if (auto found = m_proxies.find(lease.key); found != m_proxies.end()) {
        for (auto& segment : found->second->segments) {
            if (segment.network == lease.network) {
                segment.inUse = false;
            }
        }
        std::lock_guard proxyLock(found->second->mutex);
        found->second->users = std::max(0, found->second->users - 1);
        found->second->lastUsed = Clock::now();
    }
    // Too many idle proxies: the one unused the longest goes.
    std::vector<std::shared_ptr<Proxy>> idle;
    for (auto& [key, proxy] : m_proxies) {
        std::lock_guard proxyLock(proxy->mutex);
        if (proxy->users == 0) {
            idle.push_back(proxy);
        }
    }
    if (static_cast<int>(idle.size()) > MaxIdle) {
        auto oldest = std::ranges::min_element(idle, {}, [](const auto& p) { return p->lastUsed; });
        removeProxy(**oldest);
        m_proxies.erase((*oldest)->key);
    }
}

std::vector<model::Connection> EgressProxies::take(const Lease& lease, const std::string& clientAddress,
                                                   std::chrono::milliseconds quiet)
{
    std::shared_ptr<Proxy> proxy;
    {
        std::lock_guard lock(m_mutex);
        if (auto found = m_proxies.find(lease.key); found != m_proxies.end()) {
            proxy = found->second;
        }
    }
    if (!proxy || clientAddress.empty()) {
        return {};
    }
    const auto asked = Clock::now();
    const auto deadline = asked + std::chrono::seconds(2);
    std::unique_lock lock(proxy->mutex);
    // Wait for `quiet` after the later of the question and the client's last record.
    while (!proxy->ended) {
        auto last = asked;
        if (auto found = proxy->lastRecord.find(clientAddress); found != proxy->lastRecord.end()) {
            last = std::max(last, found->second);
        }
        const auto until = std::min(last + quiet, deadline);
        if (Clock::now() >= until) {
            break;
        }
        proxy->changed.wait_until(lock, until);
    }
    std::vector<model::Connection> out;
    if (auto found = proxy->records.find(clientAddress); found != proxy->records.end()) {
        out = std::move(found->second);
        proxy->records.erase(found);
    }
    proxy->lastRecord.erase(clientAddress);
    return out;
}

std::string addressOn(const nlohmann::json& container, const std::string& network)
{
    const auto& networks = json::objectField(json::objectField(container, "NetworkSettings"), "Networks");
    return json::textField(json::objectField(networks, network), "IPAddress");
}

} // namespace agentrun::sandbox
