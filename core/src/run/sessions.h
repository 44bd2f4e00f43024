#pragma once

// The open sessions of one executor (run/executor.h): each holds one sandbox made by the pool in session
// mode, whose agent keeps one interpreter (resources/agent/kernel.py) across runs. A run leases its
// session for its whole duration (one at a time: a second gets session.busy) and gives it back with the
// verdict: keep the sandbox, or replace it (timeout, kill, OOM, a dead interpreter: state lost). A thread
// closes sessions past their idle time or lifetime.

#include "agentrun/sandbox/sandboxengine.h"
#include "agentrun/model/session.h"
#include "agentrun/sandbox/egressproxy.h"
#include "agentrun/sandbox/pool.h"

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace agentrun::run {

class SessionRegistry
{
public:
    SessionRegistry(sandbox::SandboxEngine& engine, sandbox::ContainerPool& pool,
                    model::SessionSettings settings, sandbox::EgressProxies& proxies);
    ~SessionRegistry(); ///< closes every session (their sandboxes go with the pool's removals)
    SessionRegistry(const SessionRegistry&) = delete;
    SessionRegistry& operator=(const SessionRegistry&) = delete;

    Result<model::SessionInfo> open(const model::Limits& limits, const std::string& image);
    Result<model::SessionInfo> restart(const std::string& id);
    Result<model::SessionInfo> close(const std::string& id);
    Result<model::SessionInfo> info(const std::string& id) const;
    std::vector<model::SessionInfo> list() const;

    struct Slot;
    /// A run's hold on its session: the sandbox is the run's until giveBack().
    struct Lease
    {
        std::shared_ptr<Slot> slot;
        sandbox::WarmContainer container;
        model::Limits limits; ///< the session's
        std::string image;
        bool replaced = false; ///< the sandbox was found dead before this run and replaced: state lost
        std::optional<sandbox::EgressProxies::Lease> egress; ///< network allow: the session's proxy
    };
    /// Takes the session for a run (making its sandbox when a restart left none); session.not_found,
    /// session.busy, or the engine's error when a sandbox cannot be made.
    Result<Lease> lease(const std::string& id);
    /// The sandbox died between runs (found when the run was sent): a fresh one, state lost.
    Result<void> replace(Lease& lease);
    /// Ends the run's hold: `keep` keeps the sandbox (and its state) for the next run, else it is removed
    /// and the next run gets a fresh one. `stats` (the run's stats reader) is joined in the background.
    void giveBack(Lease lease, bool keep, std::thread stats);

    sandbox::EgressProxies& proxies() { return m_proxies; }

private:
    void expire();
    /// A session sandbox on the slot's proxy network (network allow) or none.
    Result<sandbox::WarmContainer> makeSandbox(const Slot& slot);
    void drop(Slot& slot, std::thread companion = {}); ///< m_mutex held: removes the slot's sandbox
    model::SessionInfo snapshot(const Slot& slot) const;

    sandbox::SandboxEngine& m_engine;
    sandbox::ContainerPool& m_pool;
    const model::SessionSettings m_settings;
    sandbox::EgressProxies& m_proxies;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::map<std::string, std::shared_ptr<Slot>> m_sessions;
    int m_opening = 0; ///< sessions being opened (their sandbox is starting): they count against the cap
    std::deque<std::thread> m_joiners;
    bool m_stopping = false;
    std::thread m_reaper;
};

} // namespace agentrun::run
