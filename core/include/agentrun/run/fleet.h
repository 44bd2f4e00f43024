#pragma once

#include "agentrun/run/executor.h"
#include "agentrun/run/runner.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <condition_variable>
#include <string>
#include <vector>

namespace agentrun::run {

/// One engine of a fleet, as `serve --engine ADDRESS[,runs=N]` names it.
struct FleetEngine
{
    /// A docker context name, a unix:// or tcp:// address (TLS from DOCKER_TLS_VERIFY/DOCKER_CERT_PATH),
    /// or empty for this process's engine (DOCKER_HOST, else the docker CLI's current context).
    std::string address;
    int maxRuns = 0; ///< runs it takes at once; 0: no limit of its own (the server's --max-concurrent)
};

/// Most engines one fleet drives: each keeps a warm pool and a connection.
inline constexpr std::size_t MaxFleetEngines = 16;

/// `ADDRESS[,runs=N]` values (`serve --engine`, `agentrun-workbench --engine`) into a fleet's engines,
/// each address resolved now: a context that does not exist, plain TCP off loopback, missing
/// certificates, an engine named twice, more than MaxFleetEngines, runs outside 1–256 are refused with a
/// message naming `option` and the value, before anything starts.
Result<std::vector<FleetEngine>> parseFleetEngines(const std::vector<std::string>& values,
                                                   std::string_view option = "--engine");

/// How one engine of a fleet is doing, for /v2/health and `doctor`.
struct FleetEngineStatus
{
    std::string address;       ///< as given ("" shows as "default")
    bool ready = true;         ///< false: it stopped answering and is drained until a retry finds it back
    int activeRuns = 0;        ///< runs on it now
    int maxRuns = 0;           ///< 0: no limit of its own
    std::uint64_t runs = 0;    ///< runs it was given since the fleet started
    int failures = 0;          ///< consecutive times it did not answer
    std::string lastError;     ///< why it is drained (the engine error's message)
    double retryInSeconds = 0; ///< when it is tried again (0: now or ready)
};

/// Several engines behind one Runner (docs/scaling.md, "A fleet of engines"). Each engine has its own
/// Executor: its own warm pool, image check, sessions and leftover reaping. A run goes to the ready engine
/// with the most free capacity (ties in turn); a run in a session goes to the engine of its session. A
/// run that ends because its engine stopped answering (an engine.* error of kind Unavailable) drains that
/// engine: no new run goes there until a ping finds it back, tried after 1, 2, 4 … 60 s. When every
/// engine is drained a run still goes to the one retried soonest, so that it ends with that engine's own
/// message rather than a wait. With one engine it behaves exactly as its Executor.
class Fleet final : public Runner
{
public:
    /// `engines` empty: one engine, base.dockerHost. Constructing contacts no engine.
    explicit Fleet(ExecutorConfig base, std::vector<FleetEngine> engines = {});
    ~Fleet() override;
    Fleet(const Fleet&) = delete;
    Fleet& operator=(const Fleet&) = delete;

    model::RunResult run(const model::RunSpec& request, RunObserver& observer,
                         const CancelToken& cancel) override;
    /// The first engine that answers; an error only when none does, naming each one's problem.
    Result<std::string> ping() override;
    const ExecutorConfig& config() const override { return m_base; }

    /// Opens the session on the ready engine with the fewest sessions; it stays there.
    Result<model::SessionInfo> openSession(const model::Limits& limits) override;
    Result<model::SessionInfo> restartSession(const std::string& id) override;
    Result<model::SessionInfo> closeSession(const std::string& id) override;
    Result<model::SessionInfo> session(const std::string& id) const override;
    std::vector<model::SessionInfo> sessions() const override;

    std::size_t size() const { return m_members.size(); }
    /// The engines as given (empty: the one engine of base.dockerHost).
    std::vector<FleetEngine> engines() const;
    std::vector<FleetEngineStatus> status() const;
    /// The executor of engine `index` (in the order given), for warming and tests.
    Executor& engine(std::size_t index);

private:
    struct Member;
    using Clock = std::chrono::steady_clock;

    /// The engine for the next run (its activeRuns already counted), or nullptr when `cancel` was set
    /// while every engine was full.
    Member* pick(const CancelToken& cancel);
    /// Records how a run on `member` ended: drained on an engine failure, ready again otherwise.
    void release(Member& member, const model::RunResult& result);
    void markDown(Member& member, const std::string& why);
    /// It answered (a ping, or a run that was not an engine error): ready, its failures forgotten.
    void markUp(Member& member);
    /// Pings `member` with `lock` (on m_mutex) released meanwhile: ready and answered, or drained.
    void probe(Member& member, std::unique_lock<std::mutex>& lock);
    Member* memberOfSession(const std::string& id) const;

    ExecutorConfig m_base;
    std::vector<std::unique_ptr<Member>> m_members;
    mutable std::mutex m_mutex;
    std::condition_variable m_freed;
    std::size_t m_turn = 0; ///< where the next tie-break starts
};

} // namespace agentrun::run
