#include "restcontext.h"

#include "agentrun/run/resultjson.h"

#include <cstdio>
#include <iostream>
#include <random>

namespace agentrun::cli {

namespace {

run::ExecutorConfig executorConfig(const ServeConfig& config)
{
    run::ExecutorConfig executor;
    executor.image = config.image;
    executor.poolSize = 2;
    executor.recycleRuns = config.recycleRuns;
    return executor;
}

} // namespace

RestContext::RestContext(ServeConfig serveConfig)
    : config(std::move(serveConfig)), executor(executorConfig(config)), runs(config.maxConcurrent)
{
    if (!config.recordHistory) {
        historyProblem = "The history is off (--no-history).";
        return;
    }
    auto store =
        history::HistoryStore::open(config.historyFile.empty() ? history::HistoryStore::defaultPath()
                                                               : std::filesystem::path(config.historyFile));
    if (store) {
        history.emplace(std::move(*store));
    } else {
        historyProblem = store.error().message;
    }
}

std::string RestContext::newRunId()
{
    static std::mutex mutex;
    static std::mt19937_64 generator(std::random_device{}());
    std::uint64_t value = 0;
    {
        std::lock_guard lock(mutex);
        value = generator();
    }
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
    return buffer;
}

run::RunResult RestContext::execute(const run::RunRequest& request, RunSession& session,
                                    const std::string& policyName)
{
    run::RunResult result = executor.run(request, session, session.cancelToken());
    result.runId = session.id();
    if (history && result.status != run::Status::InvalidRequest) {
        if (auto recorded = history->record(request, result, policyName, "rest"); !recorded) {
            std::fprintf(stderr, "agentrun: warning: %s\n", recorded.error().message.c_str());
        }
    }
    session.publishFinished(run::toJson(result));
    return result;
}

} // namespace agentrun::cli
