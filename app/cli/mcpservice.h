#pragma once

#include "sandboxtools.h"

#include "agentrun/history/historystore.h"

#include <functional>
#include <string>

namespace agentrun::cli {

/// What the MCP server is, for `agentrun mcp` (stdio) and serve's /mcp (Streamable HTTP) alike: its name,
/// version, instructions for the model and the calls it runs at once.
mcp::ServerOptions mcpServerOptions(int maxConcurrentCalls);

/// SandboxTools::onFinished for a server: one line per run on stderr (`logPrefix`, e.g. "agentrun mcp")
/// and the run recorded in `history` (when there is one) with source "mcp".
std::function<void(const model::RunSpec&, const model::RunResult&)>
mcpRunRecorder(history::HistoryStore* history, std::string logPrefix);

} // namespace agentrun::cli
