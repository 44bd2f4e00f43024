// A run in a session (run/stages.h): the stages after the check and the dependencies, on the session's
// sandbox instead of a pool container.
#include "agentrun/errorcodes.h"
#include "agentrun/run/collect.h"
#include "agentrun/jsonfield.h"
#include "run/livestream.h"
#include "run/networkmeter.h"
#include "run/sessions.h"
#include "run/stages.h"

namespace agentrun::run {

namespace {

constexpr std::size_t MaxVariables = 200;

std::string clipped(std::string text, std::size_t most)
{
    if (text.size() > most) {
        text.resize(most);
    }
    return text;
}

/// The variables view from the agent's report. Its content comes from the session's interpreter, where
/// the user's code runs: read defensively, capped.
std::vector<model::SessionVariable> variablesOf(const nlohmann::json& report)
{
    std::vector<model::SessionVariable> out;
    for (const auto& entry : json::arrayField(report, "variables")) {
        if (out.size() >= MaxVariables) {
            break;
        }
        if (!entry.is_object()) {
            continue;
        }
        out.push_back(
            {clipped(json::textField(entry, "name"), 120), clipped(json::textField(entry, "type"), 120),
             clipped(json::textField(entry, "repr"), 120), clipped(json::textField(entry, "size"), 40)});
    }
    return out;
}

} // namespace

RunEnd runInSession(sandbox::SandboxEngine& engine, SessionRegistry& sessions, const model::RunSpec& request,
                    const DependencyPlan& plan, const std::string& nonce, RunObserver& observer,
                    const CancelToken& cancel, model::RunResult& result)
{
    if (!plan.mounts.empty() || !plan.image.empty()) {
        return {model::Status::DependencyRejected,
                "The code needs packages that are not in the session's image (" + plan.packages.front() +
                    (plan.packages.size() > 1 ? " and more" : "") +
                    "); a session runs on its image as it is. Run it as a fresh run, which installs them, "
                    "or bake them into an image (agentrun deps bake) and open the session on it.",
                errc::SessionPackages};
    }
    auto lease = sessions.lease(request.sessionId);
    if (!lease) {
        const auto kind = errc::kindOf(lease.error().code);
        return {kind == errc::Kind::Unavailable || kind == errc::Kind::Internal
                    ? model::Status::EngineError
                    : model::Status::InvalidRequest,
                lease.error().message, lease.error().code};
    }
    result.image = lease->image;

    // The session's sandbox limits; this run's own clock and output limit.
    model::RunSpec effective;
    effective.limits = lease->limits;
    effective.limits.timeoutSeconds = request.limits.timeoutSeconds;
    effective.limits.outputLimitBytes = request.limits.outputLimitBytes;

    // A networked session counts this run's bytes against its cap, from before the code is sent.
    std::optional<NetworkMeter> meter;
    std::string sandboxAddress;
    const auto startMeter = [&] {
        meter.reset();
        if (lease->limits.network == "none") {
            return;
        }
        auto state = engine.state(lease->container.id);
        const int pid = state ? state->pid : 0;
        if (state && lease->egress) {
            sandboxAddress = addressOn(*state, lease->egress->network);
        }
        meter.emplace(engine, lease->container.id, pid, lease->limits.networkBytes, true);
    };
    startMeter();
    const std::string payload = runPayload(request, nonce, false);
    // Its sandbox may have ended while the session was idle (removed or killed from outside): the engine
    // then closed the attach connection, which a poll sees without a round trip.
    Result<void> sent = lease->container.stream.peerClosed()
                            ? Result<void>(std::unexpected(Error{errc::EngineStream, "closed"}))
                            : lease->container.stream.write(payload);
    if (!sent) {
        if (auto replaced = sessions.replace(*lease); !replaced) {
            sessions.giveBack(std::move(*lease), false, {});
            return engineFailure(replaced.error());
        }
        startMeter();
        sent = lease->container.stream.write(payload);
        if (!sent) {
            sessions.giveBack(std::move(*lease), false, {});
            return engineFailure(sent.error());
        }
    }

    observer.stageChanged(Stage::Running);
    LiveRun live(engine, lease->container, effective, nonce, observer);
    live.stream(cancel);
    result.durations.runMs = live.runMs();
    if (meter) {
        meter->stop();
        result.networkBytes = meter->bytes();
    }
    const EngineRecord record =
        live.needsEngineRecord() ? readEngineRecord(engine, lease->container.id) : EngineRecord{};

    model::SessionRun outcome;
    outcome.id = request.sessionId;
    const bool beforeRestart = lease->replaced;
    if (const auto& report = live.report()) {
        const auto& session = json::objectField(*report, "session");
        outcome.cell = static_cast<int>(json::integerField(session, "cell"));
        outcome.variables = variablesOf(*report);
    }
    const bool keep = live.report() && !live.killed() && !live.streamError() && !live.overCap() &&
                      live.atFrameBoundary() &&
                      json::boolField(json::objectField(*live.report(), "session"), "alive");
    outcome.restarted = !keep;
    if (!keep) {
        outcome.variables.clear(); // they went with the interpreter
    }
    if (!request.collect.paths.empty()) {
        // While the lease is held (no other run of the session can start): every process of the cell but
        // the session's interpreter is gone (its report says "clean"), the working directory is the
        // session's and stays.
        if (keep && json::boolField(*live.report(), "clean")) {
            result.files = collectFiles(engine, lease->container.id, request.collect);
        } else {
            result.files.requested = true;
            result.files.error = "No files were copied: " +
                                 std::string(keep ? "a process of the run could not be stopped"
                                                  : "the session restarted, and its working directory "
                                                    "went with its sandbox") +
                                 ".";
        }
    }
    const std::optional<sandbox::EgressProxies::Lease> egress = lease->egress;
    sessions.giveBack(std::move(*lease), keep, live.stopStats());
    if (egress) {
        // Connections this cell closed; one it leaves open (kept in the session's state) is recorded
        // with the run that closes it.
        result.connections = sessions.proxies().take(*egress, sandboxAddress);
    }

    RunEnd end = classifyRun(live, record, effective.limits, result);
    if (meter && meter->exceeded()) {
        end = networkLimitReached(meter->bytes(), effective.limits.networkBytes);
    }
    if (beforeRestart) {
        end.message = "The session's sandbox had ended since its last run and was replaced before this one: "
                      "state lost." +
                      (end.message.empty() ? std::string() : " " + end.message);
    }
    if (outcome.restarted) {
        end.message += std::string(end.message.empty() ? "" : " ") +
                       "Session restarted: state lost (the next run starts in a fresh interpreter).";
    }
    result.session = std::move(outcome);
    return end;
}

} // namespace agentrun::run
