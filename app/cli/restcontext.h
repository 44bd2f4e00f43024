#pragma once

#include "restruns.h"

#include "agentrun/history/historystore.h"
#include "agentrun/run/executor.h"

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
    std::string token;                   ///< empty: no authentication (loopback only)
    int maxConcurrent = 4;               ///< runs in flight; more get 429
    std::size_t maxBodyBytes = 2u << 20; ///< larger request bodies get 413
    std::vector<std::string> allowOrigins; ///< browser origins besides the server's own (`*`: any)
    int headerTimeoutSeconds = 10;         ///< a request head must arrive within this (slow clients)
    int maxClientConnections = 32;         ///< connections one client address may keep open
    run::RunRequest defaults;            ///< limits, policy and whitelist of /v2 runs unless the request says
    std::string compatPolicy = "agentrun-compat"; ///< policy of /v1/run/ (AgentRun's verdicts and messages)
    std::string image = "agentrun-sandbox:latest";
    bool recordHistory = true;
    std::string historyFile; ///< empty: the default file
    int recycleRuns = 1;     ///< opt-in recycle mode: runs per container (1: a fresh container each)
};

/// Everything the handlers share: one executor (one warm pool) for all requests, the history, the runs.
class RestContext
{
public:
    explicit RestContext(ServeConfig config);

    const ServeConfig config;
    run::Executor executor;
    std::optional<history::HistoryStore> history;
    std::string historyProblem; ///< why there is no history, when there is none
    RunRegistry runs;
    std::atomic<bool> stopping{false};

    /// A fresh random run id (16 hex digits); the server's id replaces the executor's so that a streamed run
    /// has its id before it starts.
    static std::string newRunId();

    /// Runs `request` observed by `session`, records it in the history, then publishes "finished".
    run::RunResult execute(const run::RunRequest& request, RunSession& session,
                           const std::string& policyName);
};

} // namespace agentrun::cli
