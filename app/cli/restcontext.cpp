#include "restcontext.h"
#include "restrules.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <malloc.h>
#include <random>

namespace agentrun::cli {

namespace {

run::ExecutorConfig executorConfig(const ServeConfig& config)
{
    run::ExecutorConfig executor = run::configFromEnvironment(); // the egress proxy's settings
    executor.image = config.image;
    executor.poolSize = 2;
    executor.recycleRuns = config.recycleRuns;
    executor.sessions = config.sessions;
    return executor;
}

/// Output above which a finished run's freed buffers are returned to the system.
constexpr std::size_t TrimAfterOutput = 1u << 20;

} // namespace

RestContext::RestContext(ServeConfig serveConfig)
    : config(std::move(serveConfig)),
      rules(serverRules(config.defaults, config.ceilings, config.compatPolicy)),
      runner(executorConfig(config), config.engines), runs(config.maxConcurrent, config.recentRunBytes),
      blockedRuns(config.blockedPerMinute)
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

Result<void> RestContext::admit(const model::RunSpec& request) const
{
    return run::admit(request, rules);
}

std::shared_ptr<const model::RunResult> RestContext::execute(const model::RunSpec& request,
                                                             RunSession& session, const std::string& client)
{
    model::RunResult result;
    if (auto admitted = admit(request); !admitted) {
        // Every handler admits first and answers 422; this keeps a new way in from skipping the rules.
        result.status = model::Status::InvalidRequest;
        result.errorCode = admitted.error().code;
        result.message = admitted.error().message;
    } else {
        result = runner.run(request, session, session.cancelToken());
    }
    result.runId = session.id();
    if (result.status == model::Status::Blocked || result.status == model::Status::DependencyRejected) {
        blockedRuns.spend(client);
    }
    if (history) {
        if (auto recorded = history->record(request, result, request.policy, "rest"); !recorded) {
            std::fprintf(stderr, "agentrun: warning: %s\n", recorded.error().message.c_str());
        }
    }
    auto shared = session.publishFinished(std::move(result));
    if (shared->stdoutData.size() + shared->stderrData.size() > TrimAfterOutput) {
        // The run's buffers (collector, events) were freed in large blocks that glibc keeps unless asked:
        // give them back, so the server's resident size follows what it holds.
        ::malloc_trim(0);
    }
    return shared;
}

} // namespace agentrun::cli
