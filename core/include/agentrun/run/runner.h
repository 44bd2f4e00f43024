#pragma once

#include "agentrun/error.h"
#include "agentrun/model/runresult.h"
#include "agentrun/model/runspec.h"
#include "agentrun/model/session.h"
#include "agentrun/run/executorconfig.h"
#include "agentrun/run/observer.h"

#include <string>
#include <vector>

namespace agentrun::run {

/// What a front end needs from whatever runs its code: one engine (Executor) or several (Fleet). The REST
/// server and the MCP tools hold a Runner, so that `serve --engine A --engine B` changes what they are
/// given, not how they use it. Every method is thread-safe and never throws.
class Runner
{
public:
    virtual ~Runner() = default;

    /// Checks, resolves, runs; observer.finished() is the last event, with the same result returned.
    virtual model::RunResult run(const model::RunSpec& request, RunObserver& observer,
                                 const CancelToken& cancel) = 0;
    /// Can a run start? The text names the engine; the error says what to do.
    virtual Result<std::string> ping() = 0;
    virtual const ExecutorConfig& config() const = 0;

    virtual Result<model::SessionInfo> openSession(const model::Limits& limits) = 0;
    virtual Result<model::SessionInfo> restartSession(const std::string& id) = 0;
    virtual Result<model::SessionInfo> closeSession(const std::string& id) = 0;
    virtual Result<model::SessionInfo> session(const std::string& id) const = 0;
    virtual std::vector<model::SessionInfo> sessions() const = 0;

protected:
    Runner() = default;
    Runner(const Runner&) = default;
    Runner& operator=(const Runner&) = default;
};

} // namespace agentrun::run
