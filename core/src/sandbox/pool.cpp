#include "agentrun/sandbox/pool.h"

#include "agentrun/errorcodes.h"
#include "agentrun/sandbox/containerspec.h"

#include <algorithm>

namespace agentrun::sandbox {

namespace {
constexpr std::size_t MaxDeferredRemovals = 4; ///< used containers that may wait for runs to end
} // namespace

ContainerPool::ContainerPool(SandboxEngine& engine, int size, int recycleRuns)
    : m_engine(engine), m_size(size), m_recycle(std::max(1, recycleRuns))
{
    m_worker = std::thread([this] { work(); });
}

ContainerPool::~ContainerPool()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_worker.join();
}

Result<WarmContainer> ContainerPool::make(const model::Limits& limits, const std::string& image,
                                          const std::vector<VolumeMount>& volumes,
                                          const std::vector<std::string>& env, const std::string& network)
{
    return create(limits, image, volumes, env, false, false, network);
}

Result<WarmContainer> ContainerPool::create(const model::Limits& limits, const std::string& image,
                                            const std::vector<VolumeMount>& volumes,
                                            const std::vector<std::string>& env, bool recyclable,
                                            bool session, const std::string& network)
{
    SandboxRequest request{limits, image, {}, volumes, env, network, {}};
    const int runs = recyclable ? m_recycle : 1;
    if (session) {
        request.agentArguments = {"--session"};
        request.labels.emplace("org.agentrun.session", "1");
    } else if (runs > 1) {
        request.agentArguments = {"--recycle", std::to_string(runs)};
    }
    auto id = m_engine.create(request);
    if (!id) {
        return std::unexpected(id.error());
    }
    // Attach before start so that not a byte of output is missed.
    auto stream = m_engine.attach(*id);
    if (!stream) {
        removeOrRetry(*id);
        return std::unexpected(stream.error());
    }
    if (auto started = m_engine.start(*id); !started) {
        removeOrRetry(*id);
        return std::unexpected(started.error());
    }
    return WarmContainer{*id, std::move(*stream), false, runs,
                         recyclable ? poolKey(limits, image) : std::string()};
}

void ContainerPool::removeOrRetry(const std::string& id)
{
    const auto removed = m_engine.remove(id);
    if (!removed && errc::kindOf(removed.error().code) == errc::Kind::Unavailable) {
        // The engine went away between create and start: removed by the worker once it is back.
        {
            std::lock_guard lock(m_mutex);
            m_retry.push_back(id);
        }
        m_wake.notify_all();
    }
}

Result<WarmContainer> ContainerPool::makeSession(const model::Limits& limits, const std::string& image,
                                                 const std::vector<std::string>& env,
                                                 const std::string& network)
{
    return create(limits, image, {}, env, false, true, network);
}

Result<WarmContainer> ContainerPool::acquire(const model::Limits& limits, const std::string& image)
{
    const std::string key = poolKey(limits, image);
    {
        std::lock_guard lock(m_mutex);
        switchKey(key, limits, image);
        m_failing = false; // a refill that failed (the engine was away) is tried again now
        if (!m_ready.empty()) {
            WarmContainer container = std::move(m_ready.front());
            m_ready.pop_front();
            m_wake.notify_all();
            container.fromPool = true;
            return container;
        }
    }
    m_wake.notify_all();
    return create(limits, image, {}, {}, true);
}

void ContainerPool::switchKey(const std::string& key, const model::Limits& limits, const std::string& image)
{
    if (key == m_key) {
        return;
    }
    // Settings changed: containers made for the old ones go, the worker fills for the new ones.
    for (auto& old : m_ready) {
        m_trash.emplace_back(old.id, std::thread());
    }
    m_ready.clear();
    m_key = key;
    m_limits = limits;
    m_image = image;
    m_failing = false;
    m_wake.notify_all();
}

void ContainerPool::discard(std::string id, std::thread companion)
{
    {
        std::lock_guard lock(m_mutex);
        m_trash.emplace_back(std::move(id), std::move(companion));
    }
    m_wake.notify_all();
}

void ContainerPool::giveBack(WarmContainer container, std::thread companion)
{
    {
        std::lock_guard lock(m_mutex);
        // One more than the pool's size may wait: the recycled one goes first, fresh ones stay warm.
        if (container.runsLeft > 1 && !container.poolKey.empty() && container.poolKey == m_key &&
            !m_stopping && static_cast<int>(m_ready.size()) <= m_size) {
            --container.runsLeft;
            container.fromPool = false;
            m_ready.push_front(std::move(container));
            if (companion.joinable()) {
                m_joiners.push_back(std::move(companion));
            }
        } else {
            m_trash.emplace_back(container.id, std::move(companion));
        }
    }
    m_wake.notify_all();
    m_changed.notify_all();
}

ContainerPool::RunScope::RunScope(ContainerPool& pool) : m_pool(pool)
{
    std::lock_guard lock(m_pool.m_mutex);
    ++m_pool.m_inFlight;
}

ContainerPool::RunScope::~RunScope()
{
    {
        std::lock_guard lock(m_pool.m_mutex);
        --m_pool.m_inFlight;
    }
    m_pool.m_wake.notify_all();
}

int ContainerPool::readyCount() const
{
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_ready.size());
}

bool ContainerPool::waitUntilWarm(const model::Limits& limits, const std::string& image,
                                  std::chrono::milliseconds timeout)
{
    const std::string key = poolKey(limits, image);
    std::unique_lock lock(m_mutex);
    switchKey(key, limits, image);
    return m_changed.wait_for(lock, timeout,
                              [&] { return m_key == key && static_cast<int>(m_ready.size()) >= m_size; });
}

void ContainerPool::fill(std::unique_lock<std::mutex>& lock)
{
    const std::string key = m_key;
    const model::Limits limits = m_limits;
    const std::string image = m_image;
    lock.unlock();
    auto container = create(limits, image, {}, {}, true);
    lock.lock();
    if (!container) {
        m_failing = true; // retried on the next acquire(): no busy loop while the engine is down
    } else if (key == m_key && !m_stopping) {
        m_ready.push_back(std::move(*container));
    } else {
        m_trash.emplace_back(container->id, std::thread());
    }
    m_changed.notify_all();
}

void ContainerPool::work()
{
    std::unique_lock lock(m_mutex);
    while (true) {
        // Work that would compete with a run in flight waits for it to end, unless the next run would
        // find no warm container (then a refill is the most urgent thing) or removals pile up.
        const bool quiet = m_inFlight == 0 || m_stopping; // stopping: every used container goes now
        const bool refill = !m_key.empty() && !m_failing && static_cast<int>(m_ready.size()) < m_size;
        if (refill && m_ready.empty() && !m_stopping) {
            fill(lock);
            continue;
        }
        if (!m_trash.empty() && (quiet || m_trash.size() >= MaxDeferredRemovals)) {
            auto [id, companion] = std::move(m_trash.front());
            m_trash.pop_front();
            lock.unlock();
            const auto removed = m_engine.remove(id);
            if (companion.joinable()) {
                companion.join();
            }
            lock.lock();
            if (!removed && errc::kindOf(removed.error().code) == errc::Kind::Unavailable) {
                m_retry.push_back(id); // the engine is away (restarting?): try again when it is back
            }
            continue;
        }
        if (!m_joiners.empty()) {
            std::thread companion = std::move(m_joiners.front());
            m_joiners.pop_front();
            lock.unlock();
            companion.join();
            lock.lock();
            continue;
        }
        if (m_stopping) {
            break;
        }
        if (!m_retry.empty() && std::chrono::steady_clock::now() >= m_nextRetry) {
            for (auto& id : m_retry) {
                m_trash.emplace_back(std::move(id), std::thread());
            }
            m_retry.clear();
            m_nextRetry = std::chrono::steady_clock::now() + std::chrono::seconds(2);
            continue;
        }
        if (refill && quiet) {
            fill(lock);
            continue;
        }
        m_changed.notify_all();
        if (m_retry.empty()) {
            m_wake.wait(lock);
        } else {
            m_wake.wait_until(lock, m_nextRetry);
        }
    }
    // Drain: every warm container goes with us. What the engine cannot remove now keeps its labels, and
    // the next start removes it (its owner process is gone by then).
    for (auto& container : m_ready) {
        m_engine.remove(container.id);
    }
    m_ready.clear();
    for (const auto& id : m_retry) {
        m_engine.remove(id);
    }
    m_retry.clear();
}

} // namespace agentrun::sandbox
