#pragma once

#include "clientbudget.h"
#include "restruns.h"

#include "agentrun/history/historystore.h"
#include "agentrun/run/admission.h"
#include "agentrun/run/fleet.h"

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace agentrun::cli {

/// What `agentrun serve` was started with.
struct ServeConfig
{
    std::string host = "127.0.0.1";
    int port = 8000;
    std::string token;                     ///< empty: no authentication (loopback only)
    int maxConcurrent = 4;                 ///< runs in flight; more get 429
    std::size_t maxBodyBytes = 2u << 20;   ///< larger request bodies get 413
    std::vector<std::string> allowOrigins; ///< browser origins besides the server's own (`*`: any)
    int headerTimeoutSeconds = 10;         ///< a request head must arrive within this (slow clients)
    int maxClientConnections = 32;         ///< connections one client address may keep open
    model::RunSpec defaults; ///< limits, policy and whitelist of /v2 runs unless the request says
    run::Ceilings ceilings = run::Ceilings::forHost(); ///< the most a request may ask for (serve --max-…)
    /// What finished streamed runs kept for late event readers may hold together.
    std::size_t recentRunBytes = 128u << 20;
    /// Blocked runs (check, whitelist) one client may have recorded per minute; 0: no limit.
    double blockedPerMinute = 60;
    std::string compatPolicy = "agentrun-compat"; ///< policy of /v1/run/ (AgentRun's verdicts and messages)
    std::string image = "agentrun-sandbox:latest";
    bool recordHistory = true;
    std::string historyFile; ///< empty: the default file
    int recycleRuns = 1;     ///< opt-in recycle mode: runs per container (1: a fresh container each)
    model::SessionSettings sessions{}; ///< idle time, lifetime, how many may be open (serve --max-sessions …)
    /// The engines runs go to (serve --engine, repeatable); empty: this process's engine alone.
    std::vector<run::FleetEngine> engines{};
};

/// Everything the handlers share: one runner for all requests (one engine and its warm pool, or a fleet of
/// them: serve --engine), the history, the runs.
class RestContext
{
public:
    explicit RestContext(ServeConfig config);

    const ServeConfig config;
    /// The server's rules for every run, from config: ceilings, network, whitelist, policies, runtime.
    const run::AdmissionRules rules;
    run::Fleet runner;
    std::optional<history::HistoryStore> history;
    std::string historyProblem; ///< why there is no history, when there is none
    RunRegistry runs;
    ClientBudget blockedRuns; ///< per client: blocked runs it may still have recorded
    std::atomic<bool> stopping{false};

    /// A fresh random run id (16 hex digits); the server's id replaces the executor's so that a streamed run
    /// has its id before it starts.
    static std::string newRunId();

    /// The one gate of every run, however its settings arrived (the request's fields, a profile it names,
    /// the server's defaults): `request` is the final run description. Errors name the field (→ 422).
    Result<void> admit(const model::RunSpec& request) const;

    /// Seconds `client` (ClientBudget::clientOf) must wait before its next run: it had its budget of
    /// blocked runs recorded (→ 429 with Retry-After). 0: it may run now.
    int retryAfter(const std::string& client) { return blockedRuns.retryAfter(client); }

    /// Runs `request` observed by `session`, records it in the history, then publishes "finished". A run
    /// blocked without running counts against `client`'s budget. A request that admit() refuses ends as
    /// InvalidRequest without starting anything.
    std::shared_ptr<const model::RunResult> execute(const model::RunSpec& request, RunSession& session,
                                                    const std::string& client);
};

} // namespace agentrun::cli
