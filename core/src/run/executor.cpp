#include "agentrun/run/executor.h"
#include "agentrun/run/bridge.h"
#include "agentrun/run/syntaxerror.h"

#include "agentrun/engine/client.h"
#include "agentrun/engine/demuxer.h"
#include "agentrun/safety/analyzer.h"
#include "agentrun/safety/policy.h"
#include "agentrun/sandbox/outputcollector.h"
#include "agentrun/sandbox/pool.h"
#include "run/classify.h"
#include "run/dependencies.h"
#include "run/leftovers.h"
#include "run/statsreader.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

namespace agentrun::run {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string randomHex(int bytes)
{
    std::random_device device;
    std::string out;
    char buffer[3];
    for (int i = 0; i < bytes; ++i) {
        std::snprintf(buffer, sizeof buffer, "%02x", static_cast<unsigned>(device() & 0xff));
        out += buffer;
    }
    return out;
}

constexpr std::size_t MaxStdinBytes = 64u << 20;

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
            removeLeftovers(*m_client);
            m_pool =
                std::make_unique<sandbox::ContainerPool>(*m_client, m_config.poolSize, m_config.recycleRuns);
            m_installer = std::make_unique<deps::Installer>(*m_client, m_config.image);
        }
        return m_client.get();
    }

    sandbox::ContainerPool& pool() { return *m_pool; }
    deps::Installer& installer() { return *m_installer; }
    const engine::EngineInfo& info() const { return m_info; }
    ExecutorConfig m_config;

    ~Impl()
    {
        m_installer.reset();
        m_pool.reset(); // drains warm containers before the client goes
    }

private:
    std::mutex m_mutex;
    std::unique_ptr<engine::Client> m_client;
    std::unique_ptr<sandbox::ContainerPool> m_pool;
    std::unique_ptr<deps::Installer> m_installer;
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

bool Executor::waitUntilWarm(const Limits& limits, std::chrono::milliseconds timeout)
{
    if (m_impl->m_config.poolSize <= 0 || !m_impl->client()) {
        return false;
    }
    return m_impl->pool().waitUntilWarm(limits, m_impl->m_config.image, timeout);
}

RunResult Executor::run(const RunRequest& request, RunObserver& observer, const CancelToken& cancel)
{
    const auto started = Clock::now();
    RunResult result;
    result.runId = randomHex(8);
    result.image = m_impl->m_config.image;

    const auto finish = [&](Status status, std::string message, std::string code = {}) {
        result.status = status;
        result.message = std::move(message);
        result.errorCode = std::move(code);
        result.durations.totalMs = msSince(started);
        observer.stageChanged(Stage::Finished);
        observer.finished(result);
        // Every caller returns what this returns: the result (and its output) is moved, never copied.
        return std::move(result);
    };

    if (auto valid = validate(request.limits); !valid) {
        return finish(Status::InvalidRequest, valid.error().message, valid.error().code);
    }
    if (auto valid = validateCollect(request.collect); !valid) {
        return finish(Status::InvalidRequest, valid.error().message, valid.error().code);
    }
    if (auto valid = validateDependencySettings(request); !valid) { // before anything starts
        return finish(Status::InvalidRequest, valid.error().message, valid.error().code);
    }
    if (request.stdinData.size() > MaxStdinBytes) {
        return finish(Status::InvalidRequest, "The stdin data is larger than 64 MiB: pass less input.",
                      "request.stdin");
    }

    // 1. The static check: nothing starts when it blocks.
    observer.stageChanged(Stage::Checking);
    const auto checkStart = Clock::now();
    auto policy = safety::Policy::load(request.policy);
    if (!policy) {
        return finish(Status::InvalidRequest, policy.error().message, policy.error().code);
    }
    if (request.skipCheck && !policy->allowsOverride()) {
        return finish(Status::InvalidRequest,
                      "The " + policy->name() + " policy does not allow skipping the safety check.",
                      "policy.override");
    }
    const safety::Report report = safety::analyze(request.code, *policy);
    result.durations.checkMs = msSince(checkStart);
    result.findings = report.findings;
    observer.findings(report);
    if (!report.allowed && !request.skipCheck) {
        if (blockedForSyntax(report)) { // Python's own SyntaxError and caret, still a block
            return finish(Status::Blocked, syntaxErrorMessage(*this, request, report, cancel),
                          "safety.syntax_error");
        }
        return finish(Status::Blocked, blockedMessage(report), "safety.blocked");
    }
    if (cancel.cancelled()) {
        return finish(Status::Cancelled, "The run was cancelled before it started.");
    }

    auto client = m_impl->client();
    if (!client) {
        return finish(Status::EngineError, client.error().message, client.error().code);
    }
    engine::Client& engine = **client;
    const auto& runtimes = m_impl->info().runtimes;
    if (request.limits.runtime != "runc" &&
        std::ranges::find(runtimes, request.limits.runtime) == runtimes.end()) {
        // Fail closed: never fall back to a weaker runtime than the one asked for.
        return finish(
            Status::EngineError,
            "The " + request.limits.runtime +
                " runtime (gVisor) is not registered with this Docker engine, so nothing was run: install "
                "it (apt-get install runsc) and register it in /etc/docker/daemon.json, or choose the "
                "runc runtime.",
            "runtime.missing");
    }

    if (request.limits.network == "bridge") { // never a silent loopback-only run
        if (auto bridge = requireBridgeNetwork(engine, "--network bridge"); !bridge) {
            return finish(Status::EngineError, bridge.error().message, bridge.error().code);
        }
    }

    // 2. Dependencies: resolved against the image's Python and the whitelist, installed into a cached
    //    volume by a separate installer container; the run itself stays offline.
    observer.stageChanged(Stage::Resolving);
    const DependencyPlan plan = prepareDependencies(engine, m_impl->installer(), m_impl->m_config.image,
                                                    request, report, observer, cancel);
    result.packages = plan.packages;
    result.durations.installMs = plan.installMs;
    if (plan.failure) {
        return finish(*plan.failure, plan.message, plan.code);
    }
    const std::string& image = plan.image.empty() ? m_impl->m_config.image : plan.image; // baked?
    result.image = image;

    // 3. A hardened container with its agent waiting: from the warm pool unless it needs the packages'
    //    volume mounted.
    observer.stageChanged(Stage::Starting);
    auto& pool = m_impl->pool();
    // The pool's background work waits while this run is in flight (unless no warm container is left).
    std::optional<sandbox::ContainerPool::RunScope> inFlight(std::in_place, pool);
    // A run that keeps files is held after its report for the copy, so it never takes a recycled one.
    const bool collect = !request.collect.paths.empty();
    auto container = plan.mounts.empty() && !collect
                         ? pool.acquire(request.limits, image)
                         : pool.make(request.limits, image, plan.mounts, plan.env);
    if (!container) {
        return finish(Status::EngineError, container.error().message, container.error().code);
    }

    if (container->fromPool) {
        // A warm container may have been stopped or removed from outside while it waited: the engine
        // then closed its attach connection, which a poll sees without a round trip to the engine.
        if (container->stream.peerClosed()) {
            pool.discard(container->id);
            container = pool.make(request.limits, image, plan.mounts, plan.env);
            if (!container) {
                return finish(Status::EngineError, container.error().message, container.error().code);
            }
        }
    }

    const std::string nonce = randomHex(16);
    nlohmann::json header = {{"nonce", nonce},
                             {"code", request.code.size()},
                             {"stdin", request.stdinData.size()},
                             {"argv", request.argv},
                             {"hold", collect},
                             // The agent ends the run itself shortly after this, should the host not.
                             {"timeout", request.limits.timeoutSeconds}};
    const std::string payload = header.dump() + "\n" + request.code + request.stdinData;
    auto sent = container->stream.write(payload);
    if (!sent && container->fromPool) {
        // A warm container may have been removed from outside since it was made: one fresh try.
        pool.discard(container->id);
        container = pool.make(request.limits, image, plan.mounts, plan.env);
        if (!container) {
            return finish(Status::EngineError, container.error().message, container.error().code);
        }
        sent = container->stream.write(payload);
    }
    if (!sent) {
        pool.discard(container->id);
        return finish(Status::EngineError, sent.error().message, sent.error().code);
    }

    // 3. Live output until the stream ends, the clock runs out, a cap is hit or the user cancels.
    observer.stageChanged(Stage::Running);
    const auto runStart = Clock::now();
    StatsReader stats(engine, container->id, request.limits, observer);

    sandbox::OutputCollector collector(
        nonce, request.limits.outputLimitBytes,
        [&](Stream stream, std::string_view bytes) { observer.output(stream, bytes); });
    bool overCap = false;
    engine::FrameDemuxer demuxer([&](engine::FrameDemuxer::Channel channel, std::string_view bytes) {
        const Stream stream =
            channel == engine::FrameDemuxer::Channel::Stderr ? Stream::Stderr : Stream::Stdout;
        if (!collector.add(stream, bytes)) {
            overCap = true;
        }
    });

    const auto deadline = runStart + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(request.limits.timeoutSeconds));
    Ending ending = Ending::Exited;
    std::optional<Error> streamError;
    bool killed = false;
    std::optional<Clock::time_point> killedAt;
    // The kill runs beside the read loop: while output is flowing, the engine completes a kill only once
    // the attach stream is drained, so a kill made here would wait for its own 30 s request timeout.
    std::thread killer;
    while (true) {
        if (!killed) {
            if (cancel.cancelled()) {
                ending = Ending::Cancelled;
            } else if (overCap) {
                ending = Ending::OutputLimit;
            } else if (Clock::now() >= deadline) {
                ending = Ending::Timeout;
            }
            if (ending != Ending::Exited) {
                killer = std::thread([&engine, id = container->id] { engine.killContainer(id); });
                killed = true;
                killedAt = Clock::now();
            }
        } else if (Clock::now() - *killedAt > std::chrono::seconds(5)) {
            break; // the engine did not close the stream after the kill: stop waiting for it
        }
        bool eof = false;
        auto chunk = container->stream.read(std::chrono::milliseconds(20), eof);
        if (!chunk) {
            streamError = chunk.error();
            break;
        }
        if (!chunk->empty() && !demuxer.feed(*chunk)) {
            streamError = Error{"engine.protocol", "The engine sent a malformed output stream."};
            break;
        }
        if (eof || (!killed && collector.complete())) {
            break; // after the report the agent only exits: the container is removed in the background
        }
    }
    if (killer.joinable()) {
        killer.join();
    }
    collector.finish();
    result.durations.runMs = msSince(runStart);
    if (ending == Ending::Exited && collector.report() && collector.report()->value("deadline", false)) {
        ending = Ending::Timeout; // the agent's own clock ended it: the host's kill came too late
    }

    // 4. How did it end? The engine's own record, never the program's output alone.
    // Without a report (killed, crashed agent, engine trouble) the engine's record decides.
    const bool needState = !collector.report() || killed;
    Result<int> exitCode =
        needState ? engine.waitContainer(container->id, std::chrono::seconds(10)) : Result<int>(0);
    Result<nlohmann::json> state =
        needState ? engine.inspectContainer(container->id) : Result<nlohmann::json>(nlohmann::json());
    if (collect) {
        // The agent holds the container after its report, every process of the run killed (its report
        // says "clean"): copy the files now, then let it go by closing its stdin.
        const auto* agentReport = collector.report() ? &*collector.report() : nullptr;
        if (agentReport && !killed && agentReport->value("clean", false)) {
            result.files = collectFiles(engine, container->id, request.collect);
        } else {
            result.files.requested = true;
            result.files.error = "No files were copied: the run did not end on its own (" +
                                 std::string(killed ? "it was stopped" : "no report from the sandbox") +
                                 "), and its working directory went with its container.";
        }
        container->stream.closeWrite();
    }
    std::thread statsThread = stats.stop();
    // Recycle mode: a run that ended cleanly (its agent killed what the run left, wiped the writable
    // places and said so in its report) gives its container back for the next run.
    const bool recycled = container->runsLeft > 1 && !killed && !streamError && !overCap && !needState &&
                          demuxer.atFrameBoundary() && collector.report() &&
                          collector.report()->value("recycled", false);
    if (recycled) {
        pool.giveBack(std::move(*container), std::move(statsThread));
    } else {
        pool.discard(container->id, std::move(statsThread));
    }
    inFlight.reset();

    // Moved, not copied: a run's output may be its output limit per stream, twice (interleaved).
    result.stdoutData = collector.takeStdout();
    result.stderrData = collector.takeStderr();
    result.output = collector.takeCombined();
    result.stdoutTruncated = collector.stdoutTruncated();
    result.stderrTruncated = collector.stderrTruncated();
    if (const auto& agentReport = collector.report()) {
        result.peakMemoryBytes = agentReport->value("peak_memory", std::int64_t{0});
        result.cpuSeconds = agentReport->value("cpu", 0.0);
    }
    if (!killed && streamError) {
        if (!state && state.error().code == "container.gone") {
            return finish(Status::EngineError, state.error().message, state.error().code);
        }
        return finish(Status::EngineError, streamError->message, streamError->code);
    }
    if (!collector.report() && !state && state.error().code.starts_with("engine.")) {
        // The stream ended without the agent's report and the engine no longer answers: it went away
        // (restarted, stopped) during the run. The container is removed once it is back.
        return finish(Status::EngineError,
                      "The Docker engine went away during the run, so its outcome is unknown: " +
                          state.error().message,
                      "engine.lost_during_run");
    }
    const Classification verdict =
        classify(ending, collector.report(), state && needState ? &*state : nullptr,
                 exitCode ? *exitCode : -1, request.limits, result);
    result.exitCode = verdict.exitCode;
    return finish(verdict.status, verdict.message, verdict.code);
}

} // namespace agentrun::run
