#include "run/sessions.h"

#include "agentrun/errorcodes.h"
#include "run/randomid.h"

#include <algorithm>
#include <chrono>

namespace agentrun::run {

using SystemClock = std::chrono::system_clock;

struct SessionRegistry::Slot
{
    model::SessionInfo info;
    std::optional<sandbox::WarmContainer> container; ///< empty while leased, or after a restart
    std::string leasedContainerId;                   ///< the sandbox a run holds (closing kills it)
    bool closed = false;
    std::optional<sandbox::EgressProxies::Lease> egress; ///< network allow: held while the session is open
};

namespace {

Error notFound(const std::string& id)
{
    return {
        errc::SessionNotFound,
        "No open session " + id +
            ": it was never opened, was closed, or ended after its idle time or lifetime. Open a new one."};
}

Error busy(const std::string& id)
{
    return {errc::SessionBusy, "Session " + id +
                                   " is running another run; a session runs one at a time. Wait for it to "
                                   "end (or cancel it), then send the next."};
}

double secondsSince(SystemClock::time_point when)
{
    return std::chrono::duration<double>(SystemClock::now() - when).count();
}

} // namespace

SessionRegistry::SessionRegistry(sandbox::SandboxEngine& engine, sandbox::ContainerPool& pool,
                                 model::SessionSettings settings, sandbox::EgressProxies& proxies)
    : m_engine(engine), m_pool(pool), m_settings(settings), m_proxies(proxies)
{
    m_reaper = std::thread([this] { expire(); });
}

SessionRegistry::~SessionRegistry()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        for (auto& [id, slot] : m_sessions) {
            slot->closed = true;
            drop(*slot);
        }
        m_sessions.clear();
    }
    m_wake.notify_all();
    m_reaper.join();
    for (auto& thread : m_joiners) {
        thread.join();
    }
}

model::SessionInfo SessionRegistry::snapshot(const Slot& slot) const
{
    return slot.info;
}

void SessionRegistry::drop(Slot& slot, std::thread companion)
{
    if (slot.container) {
        slot.container->stream.closeWrite(); // the agent ends at once (its owner is gone)
        m_pool.discard(slot.container->id, std::move(companion));
        slot.container.reset();
    } else if (companion.joinable()) {
        m_joiners.push_back(std::move(companion));
    }
}

Result<model::SessionInfo> SessionRegistry::open(const model::Limits& limits, const std::string& image)
{
    {
        std::lock_guard lock(m_mutex);
        if (static_cast<int>(m_sessions.size()) + m_opening >= m_settings.maxSessions) {
            return std::unexpected(
                Error{errc::SessionLimit, std::to_string(m_settings.maxSessions) +
                                              " sessions are open, as many as allowed. Close one you no "
                                              "longer need, or wait for an idle one to expire."});
        }
        ++m_opening;
    }
    auto slot = std::make_shared<Slot>();
    slot->info.limits = limits;
    slot->info.image = image;
    if (limits.network == "allow") {
        auto egress = m_proxies.acquire(limits.allowHosts);
        if (!egress) {
            std::lock_guard lock(m_mutex);
            --m_opening;
            return std::unexpected(egress.error());
        }
        slot->egress = std::move(*egress);
    }
    auto container = makeSandbox(*slot);
    std::lock_guard lock(m_mutex);
    --m_opening;
    if (!container) {
        if (slot->egress) {
            m_proxies.release(*slot->egress);
        }
        return std::unexpected(container.error());
    }
    slot->info.id = randomHex(8);
    slot->info.createdAt = slot->info.lastUsedAt = SystemClock::now();
    slot->info.idleSeconds = m_settings.idleSeconds;
    slot->info.maxLifetimeSeconds = m_settings.maxLifetimeSeconds;
    slot->container = std::move(*container);
    m_sessions.emplace(slot->info.id, slot);
    m_wake.notify_all();
    return slot->info;
}

Result<model::SessionInfo> SessionRegistry::restart(const std::string& id)
{
    std::shared_ptr<Slot> slot;
    {
        std::lock_guard lock(m_mutex);
        auto found = m_sessions.find(id);
        if (found == m_sessions.end()) {
            return std::unexpected(notFound(id));
        }
        slot = found->second;
        if (slot->info.busy) {
            return std::unexpected(busy(id));
        }
        drop(*slot);
        slot->info.busy = true; // no run may start while its new sandbox is made
        ++slot->info.restarts;
    }
    auto container = makeSandbox(*slot);
    std::lock_guard lock(m_mutex);
    slot->info.busy = false;
    slot->info.lastUsedAt = SystemClock::now();
    if (!container) {
        return std::unexpected(container.error()); // the next run tries again
    }
    if (slot->closed) {
        m_pool.discard(container->id);
        return std::unexpected(notFound(id));
    }
    slot->container = std::move(*container);
    return slot->info;
}

Result<model::SessionInfo> SessionRegistry::close(const std::string& id)
{
    std::string running;
    model::SessionInfo info;
    {
        std::lock_guard lock(m_mutex);
        auto found = m_sessions.find(id);
        if (found == m_sessions.end()) {
            return std::unexpected(notFound(id));
        }
        auto slot = found->second;
        m_sessions.erase(found);
        slot->closed = true;
        running = slot->info.busy ? slot->leasedContainerId : std::string();
        drop(*slot);
        info = slot->info;
        if (slot->egress) {
            m_proxies.release(*slot->egress);
        }
    }
    if (!running.empty()) {
        m_engine.kill(running); // the run ends as killed; giveBack() removes the sandbox
    }
    return info;
}

Result<model::SessionInfo> SessionRegistry::info(const std::string& id) const
{
    std::lock_guard lock(m_mutex);
    auto found = m_sessions.find(id);
    if (found == m_sessions.end()) {
        return std::unexpected(notFound(id));
    }
    return snapshot(*found->second);
}

std::vector<model::SessionInfo> SessionRegistry::list() const
{
    std::lock_guard lock(m_mutex);
    std::vector<model::SessionInfo> out;
    for (const auto& [id, slot] : m_sessions) {
        out.push_back(snapshot(*slot));
    }
    std::ranges::sort(out, {}, &model::SessionInfo::createdAt);
    return out;
}

Result<SessionRegistry::Lease> SessionRegistry::lease(const std::string& id)
{
    Lease lease;
    {
        std::lock_guard lock(m_mutex);
        auto found = m_sessions.find(id);
        if (found == m_sessions.end()) {
            return std::unexpected(notFound(id));
        }
        lease.slot = found->second;
        if (lease.slot->info.busy) {
            return std::unexpected(busy(id));
        }
        lease.slot->info.busy = true;
        lease.limits = lease.slot->info.limits;
        lease.image = lease.slot->info.image;
        lease.egress = lease.slot->egress;
        if (lease.slot->container) {
            lease.container = std::move(*lease.slot->container);
            lease.slot->container.reset();
            lease.slot->leasedContainerId = lease.container.id;
            return lease;
        }
    }
    // A restart after a failed run left no sandbox: the next run makes it.
    auto container = makeSandbox(*lease.slot);
    std::lock_guard lock(m_mutex);
    if (!container || lease.slot->closed) {
        lease.slot->info.busy = false;
        if (container) {
            m_pool.discard(container->id);
            return std::unexpected(notFound(id));
        }
        return std::unexpected(container.error());
    }
    lease.container = std::move(*container);
    lease.slot->leasedContainerId = lease.container.id;
    return lease;
}

Result<void> SessionRegistry::replace(Lease& lease)
{
    m_pool.discard(lease.container.id);
    auto container = makeSandbox(*lease.slot);
    if (!container) {
        return std::unexpected(container.error());
    }
    lease.container = std::move(*container);
    lease.replaced = true;
    std::lock_guard lock(m_mutex);
    lease.slot->leasedContainerId = lease.container.id;
    ++lease.slot->info.restarts;
    return {};
}

void SessionRegistry::giveBack(Lease lease, bool keep, std::thread stats)
{
    std::lock_guard lock(m_mutex);
    Slot& slot = *lease.slot;
    slot.info.busy = false;
    slot.info.lastUsedAt = SystemClock::now();
    slot.leasedContainerId.clear();
    ++slot.info.runs;
    const bool pastLifetime = secondsSince(slot.info.createdAt) >= m_settings.maxLifetimeSeconds;
    if (keep && !slot.closed && !pastLifetime) {
        slot.container = std::move(lease.container);
        if (stats.joinable()) {
            m_joiners.push_back(std::move(stats)); // ends within a second of its stop
        }
    } else {
        if (!keep) {
            ++slot.info.restarts;
        }
        slot.container = std::move(lease.container);
        drop(slot, std::move(stats));
    }
    m_wake.notify_all();
}

Result<sandbox::WarmContainer> SessionRegistry::makeSandbox(const Slot& slot)
{
    if (slot.egress) {
        return m_pool.makeSession(slot.info.limits, slot.info.image, slot.egress->env, slot.egress->network);
    }
    return m_pool.makeSession(slot.info.limits, slot.info.image);
}

void SessionRegistry::expire()
{
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        m_wake.wait_for(lock, std::chrono::seconds(1));
        for (auto it = m_sessions.begin(); it != m_sessions.end();) {
            Slot& slot = *it->second;
            const bool idle = !slot.info.busy && secondsSince(slot.info.lastUsedAt) >= m_settings.idleSeconds;
            const bool old =
                !slot.info.busy && secondsSince(slot.info.createdAt) >= m_settings.maxLifetimeSeconds;
            if (idle || old) {
                slot.closed = true;
                drop(slot);
                if (slot.egress) {
                    m_proxies.release(*slot.egress);
                }
                it = m_sessions.erase(it);
            } else {
                ++it;
            }
        }
        // Stats readers of finished runs: they end within a second of their stop; join them unlocked.
        std::deque<std::thread> joiners;
        joiners.swap(m_joiners);
        lock.unlock();
        for (auto& thread : joiners) {
            thread.join();
        }
        lock.lock();
    }
}

} // namespace agentrun::run
