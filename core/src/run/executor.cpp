#include "agentrun/run/executor.h"
#include "agentrun/run/bridge.h"
#include "agentrun/run/syntaxerror.h"

#include "agentrun/engine/client.h"
#include "agentrun/engine/demuxer.h"
#include "agentrun/errorcodes.h"
#include "agentrun/jsonfield.h"
#include "agentrun/safety/analyzer.h"
#include "agentrun/safety/policy.h"
#include "agentrun/sandbox/dockersandboxes.h"
#include "agentrun/sandbox/outputcollector.h"
#include "agentrun/sandbox/pool.h"
#include "run/dependencies.h"
#include "run/leftovers.h"
#include "run/livestream.h"
#include "run/networkmeter.h"
#include "run/randomid.h"
#include "run/sessions.h"
#include "run/stages.h"

#include <chrono>
#include <mutex>
#include <optional>

namespace agentrun::run {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

} // namespace

class Executor::Impl
{
public:
    explicit Impl(ExecutorConfig config) : m_config(std::move(config)) {}

    Result<engine::Client*> client()
    {
        std::lock_guard lock(m_mutex);
        if (!m_client) {
            auto endpoint = engine::Endpoint::resolve(m_config.dockerHost);
            if (!endpoint) {
                return std::unexpected(endpoint.error());
            }
            m_client = std::make_unique<engine::Client>(*endpoint);
        }
        if (!m_negotiated) {
            auto info = m_client->info();
            if (!info) {
                return std::unexpected(info.error());
            }
            m_info = *info;
            m_negotiated = true;
            m_sandboxes = std::make_unique<sandbox::DockerSandboxes>(*m_client);
            removeLeftovers(*m_sandboxes, *m_client);
            m_pool = std::make_unique<sandbox::ContainerPool>(*m_sandboxes, m_config.poolSize,
                                                              m_config.recycleRuns);
            m_proxies = std::make_unique<sandbox::EgressProxies>(*m_client, m_config.proxy);
            m_installer = std::make_unique<deps::Installer>(*m_client, m_config.image, indexAccess());
            m_sessions =
                std::make_unique<SessionRegistry>(*m_sandboxes, *m_pool, m_config.sessions, *m_proxies);
        }
        return m_client.get();
    }

    sandbox::EgressProxies& proxies() { return *m_proxies; }
    /// How installs reach an index: this executor's proxies, the configuration's extra hosts.
    deps::IndexAccess indexAccess() { return {m_proxies.get(), m_config.indexHosts}; }

    sandbox::ContainerPool& pool() { return *m_pool; }
    /// The sandboxes' side of the engine (sandbox/sandboxengine.h): all a run's stages use of it.
    sandbox::SandboxEngine& sandboxes() { return *m_sandboxes; }
    deps::Installer& installer() { return *m_installer; }
    SessionRegistry& sessions() { return *m_sessions; }
    /// The registry when the engine was reached once (no session can exist before).
    SessionRegistry* sessionsIfAny()
    {
        std::lock_guard lock(m_mutex);
        return m_sessions.get();
    }
    const engine::EngineInfo& info() const { return m_info; }
    ExecutorConfig m_config;

    ~Impl()
    {
        m_sessions.reset(); // their sandboxes go through the pool's removals
        m_installer.reset();
        m_pool.reset();    // drains warm containers before the client goes
        m_proxies.reset(); // after the sandboxes on their networks
    }

private:
    std::mutex m_mutex;
    std::unique_ptr<engine::Client> m_client;
    std::unique_ptr<sandbox::DockerSandboxes> m_sandboxes;
    std::unique_ptr<sandbox::ContainerPool> m_pool;
    std::unique_ptr<deps::Installer> m_installer;
    std::unique_ptr<sandbox::EgressProxies> m_proxies;
    std::unique_ptr<SessionRegistry> m_sessions;
    engine::EngineInfo m_info;
    bool m_negotiated = false;
};

Executor::Executor(ExecutorConfig config) : m_impl(std::make_unique<Impl>(std::move(config))) {}
Executor::~Executor() = default;

const ExecutorConfig& Executor::config() const
{
    return m_impl->m_config;
}

Result<std::string> Executor::ping()
{
    auto client = m_impl->client();
    if (!client) {
        return std::unexpected(client.error());
    }
    auto image = (*client)->inspectImage(m_impl->m_config.image);
    if (!image) {
        return std::unexpected(image.error());
    }
    return "Docker " + m_impl->info().version + " (API " + m_impl->info().apiVersion + "), image " +
           m_impl->m_config.image;
}

bool Executor::waitUntilWarm(const model::Limits& limits, std::chrono::milliseconds timeout)
{
    if (m_impl->m_config.poolSize <= 0 || !m_impl->client()) {
        return false;
    }
    return m_impl->pool().waitUntilWarm(limits, m_impl->m_config.image, timeout);
}

Result<model::SessionInfo> Executor::openSession(const model::Limits& limits)
{
    if (auto valid = model::validate(limits); !valid) {
        return std::unexpected(valid.error());
    }
    auto client = m_impl->client();
    if (!client) {
        return std::unexpected(client.error());
    }
    if (auto missing = requireRuntime(limits.runtime, m_impl->info().runtimes)) {
        return std::unexpected(Error{missing->code, missing->message});
    }
    if (limits.network == "bridge") {
        if (auto bridge = requireBridgeNetwork(**client, "--network bridge"); !bridge) {
            return std::unexpected(bridge.error());
        }
    }
    return m_impl->sessions().open(limits, m_impl->m_config.image);
}

namespace {
Error noSession(const std::string& id)
{
    return {errc::SessionNotFound, "No open session " + id + ": no session was opened in this process."};
}
} // namespace

Result<model::SessionInfo> Executor::restartSession(const std::string& id)
{
    auto* sessions = m_impl->sessionsIfAny();
    return sessions ? sessions->restart(id) : std::unexpected(noSession(id));
}

Result<model::SessionInfo> Executor::closeSession(const std::string& id)
{
    auto* sessions = m_impl->sessionsIfAny();
    return sessions ? sessions->close(id) : std::unexpected(noSession(id));
}

Result<model::SessionInfo> Executor::session(const std::string& id) const
{
    auto* sessions = m_impl->sessionsIfAny();
    return sessions ? sessions->info(id) : std::unexpected(noSession(id));
}

std::vector<model::SessionInfo> Executor::sessions() const
{
    auto* sessions = m_impl->sessionsIfAny();
    return sessions ? sessions->list() : std::vector<model::SessionInfo>{};
}

// The stages are in run/stages.h, each in a file of its own; this reads as the list of them.
model::RunResult Executor::run(const model::RunSpec& request, RunObserver& observer,
                               const CancelToken& cancel)
{
    const auto started = Clock::now();
    model::RunResult result;
    result.runId = randomHex(8);
    result.image = m_impl->m_config.image;

    const auto finish = [&](RunEnd end) {
        result.status = end.status;
        result.message = std::move(end.message);
        result.errorCode = std::move(end.code);
        result.durations.totalMs = msSince(started);
        observer.stageChanged(Stage::Finished);
        observer.finished(result);
        // Every caller returns what this returns: the result (and its output) is moved, never copied.
        return std::move(result);
    };

    // 1. Check: the request, then the static check of the code; nothing starts when it blocks.
    if (auto invalid = validateRequest(request)) {
        return finish(std::move(*invalid));
    }
    observer.stageChanged(Stage::Checking);
    const auto report = checkCode(request, result, observer);
    if (!report) {
        safety::Report blocked;
        blocked.allowed = false;
        blocked.findings = result.findings;
        if (report.error().status == model::Status::Blocked && blockedForSyntax(blocked)) {
            // Python's own SyntaxError and caret (compiled, never run, in a sandbox): still a block.
            return finish({model::Status::Blocked, syntaxErrorMessage(*this, request, blocked, cancel),
                           errc::SafetySyntaxError});
        }
        return finish(report.error());
    }
    if (cancel.cancelled()) {
        return finish({model::Status::Cancelled, "The run was cancelled before it started.", {}});
    }
    auto client = m_impl->client();
    if (!client) {
        return finish(engineFailure(client.error()));
    }
    engine::Client& engine = **client;
    if (auto missing = requireRuntime(request.limits.runtime, m_impl->info().runtimes)) {
        return finish(std::move(*missing));
    }
    if (request.limits.network == "bridge") { // never a silent loopback-only run
        if (auto bridge = requireBridgeNetwork(engine, "--network bridge"); !bridge) {
            return finish(engineFailure(bridge.error()));
        }
    }

    // 2. Resolve and install: the code's imports against the image's Python and the whitelist, installed
    //    into a cached volume by a separate installer container; the run itself stays offline.
    observer.stageChanged(Stage::Resolving);
    const DependencyPlan plan =
        prepareDependencies(engine, m_impl->installer(), m_impl->indexAccess(), m_impl->m_config.image,
                            request, *report, observer, cancel);
    result.packages = plan.packages;
    result.durations.installMs = plan.installMs;
    if (plan.failure) {
        return finish({*plan.failure, plan.message, plan.code});
    }
    const std::string& image = plan.image.empty() ? m_impl->m_config.image : plan.image; // baked?
    result.image = image;

    // 3. Acquire a hardened container with its agent waiting, and send it the run.
    observer.stageChanged(Stage::Starting);
    if (!request.sessionId.empty()) { // 3-8 in the session's sandbox instead (sessionrun.cpp)
        // The pool's background work (a container made or removed costs the engine ~100 ms of CPU) waits
        // for this run too, as for a fresh one.
        const sandbox::ContainerPool::RunScope inFlight(m_impl->pool());
        return finish(runInSession(m_impl->sandboxes(), m_impl->sessions(), request, plan, randomHex(16),
                                   observer, cancel, result));
    }
    // Network allow: the proxy for this allowlist (started on first use, shared by later runs).
    std::optional<sandbox::EgressProxies::Lease> egress;
    if (request.limits.network == "allow") {
        auto lease = m_impl->proxies().acquire(request.limits.allowHosts);
        if (!lease) {
            return finish(engineFailure(lease.error()));
        }
        egress = std::move(*lease);
    }
    const struct ReleaseLease
    {
        sandbox::EgressProxies& proxies;
        std::optional<sandbox::EgressProxies::Lease>& lease;
        ~ReleaseLease()
        {
            if (lease) {
                proxies.release(*lease);
            }
        }
    } releaseLease{m_impl->proxies(), egress};
    auto& pool = m_impl->pool();
    // The pool's background work waits while this run is in flight (unless no warm container is left).
    std::optional<sandbox::ContainerPool::RunScope> inFlight(std::in_place, pool);
    const std::string nonce = randomHex(16);
    auto container = acquireContainer(pool, request, image, plan, nonce, egress ? &*egress : nullptr);
    if (!container) {
        return finish(container.error());
    }
    // A networked run's bytes are counted from outside, and its cap ends it (status network_limit).
    std::optional<NetworkMeter> meter;
    std::string sandboxAddress;
    sandbox::SandboxEngine& sandboxes = m_impl->sandboxes();
    if (request.limits.network != "none") {
        auto state = sandboxes.state(container->id);
        const int pid = state ? state->pid : 0;
        if (state && egress) {
            sandboxAddress = sandbox::addressOn(*state, egress->network);
        }
        meter.emplace(sandboxes, container->id, pid, request.limits.networkBytes);
    }

    // 4. Stream: live output until the stream ends, the clock runs out, a cap is hit or the user cancels.
    observer.stageChanged(Stage::Running);
    LiveRun live(sandboxes, *container, request, nonce, observer);
    live.stream(cancel);
    result.durations.runMs = live.runMs();
    if (meter) {
        meter->stop();
        result.networkBytes = meter->bytes();
    }

    // 5. The engine's record of how it ended, when the agent's report does not say (or the host killed).
    const EngineRecord record =
        live.needsEngineRecord() ? readEngineRecord(sandboxes, container->id) : EngineRecord{};

    // 6. Collect the files the run keeps, from its held container.
    if (!request.collect.paths.empty()) {
        collectStage(sandboxes, *container, live, request.collect, result.files);
    }

    // 7. Release the container: back to the pool (recycle mode) or discarded.
    releaseContainer(pool, std::move(*container), live);
    inFlight.reset();

    // What the proxy saw of this run: each request, allowed or refused, with its bytes.
    if (egress) {
        result.connections = m_impl->proxies().take(*egress, sandboxAddress);
    }

    // 8. Classify: the output into the result, and the status.
    RunEnd end = classifyRun(live, record, request.limits, result);
    if (meter && meter->exceeded()) {
        end = networkLimitReached(meter->bytes(), request.limits.networkBytes);
    }
    return finish(std::move(end));
}

} // namespace agentrun::run
