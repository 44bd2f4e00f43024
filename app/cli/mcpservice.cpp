#include "mcpservice.h"

#include <iostream>

namespace agentrun::cli {

mcp::ServerOptions mcpServerOptions(int maxConcurrentCalls)
{
    mcp::ServerOptions options;
    options.version = AGENTRUN_VERSION_STRING;
    options.maxConcurrentCalls = maxConcurrentCalls;
    options.instructions =
        "Runs Python code in a hardened sandbox (run_python) and checks code without running it "
        "(check_python). Print what you want to see; each call starts from a clean sandbox unless it names "
        "a session (session_start), which keeps variables between calls.";
    return options;
}

std::function<void(const model::RunSpec&, const model::RunResult&)>
mcpRunRecorder(history::HistoryStore* history, std::string logPrefix)
{
    return [history, logPrefix = std::move(logPrefix)](const model::RunSpec& request,
                                                       const model::RunResult& result) {
        std::cerr << logPrefix << ": run " << result.runId << ": " << model::toString(result.status)
                  << " after " << static_cast<long long>(result.durations.totalMs) << " ms" << std::endl;
        if (history != nullptr && result.status != model::Status::InvalidRequest) {
            if (auto recorded = history->record(request, result, request.policy, "mcp"); !recorded) {
                std::cerr << logPrefix << ": warning: " << recorded.error().message << "\n";
            }
        }
    };
}

} // namespace agentrun::cli
