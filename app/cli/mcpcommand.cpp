#include "args.h"
#include "commands.h"
#include "limitflags.h"
#include "mcpservice.h"
#include "restrules.h"
#include "rundefaults.h"

#include "sandboxtools.h"
#include "stdiotransport.h"

#include "agentrun/history/historystore.h"
#include "agentrun/run/executorconfig.h"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <pthread.h>
#include <thread>
#include <unistd.h>

namespace agentrun::cli {

namespace {

constexpr const char* McpDescription =
    R"(Model Context Protocol server over stdio, for agents that start it themselves (a desktop client's
configuration names the command `agentrun mcp`). Its tools: run_python (a run in the sandbox, with its
output, status, exit code, figures and the findings of blocked code), check_python (the static check
alone) and session_start, session_restart, session_close, session_list (state kept between runs). It
speaks MCP revision 2026-07-28 and the initialize handshake of 2024-11-05 to 2025-11-25; docs/agents.md
has the set-up and the tools. `agentrun serve` offers the same tools over Streamable HTTP at /mcp.

The run defaults apply to every call; a call may set its own limits within the ceilings, and only
packages of the --allow whitelist. Messages go to stdout, diagnostics to stderr. It stops when stdin
closes, or on SIGINT/SIGTERM, cancelling the runs in flight (no container is left behind).)";

struct McpOptions
{
    RunDefaultFlags defaults;
    std::optional<std::string> maxConcurrent;
    bool noHistory = false;
    std::optional<std::string> historyFile;
};

/// Writes one message line to stdout; false once the client stopped reading.
bool writeLine(const std::string& line)
{
    std::string data = line + "\n";
    std::string_view rest(data);
    while (!rest.empty()) {
        const ssize_t written = ::write(STDOUT_FILENO, rest.data(), rest.size());
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            return false;
        }
        rest.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
}

int runMcp(const McpOptions& options)
{
    mcp::SandboxConfig config;
    run::Ceilings ceilings = run::Ceilings::forHost();
    if (!applyRunDefaultFlags(options.defaults, config.defaults, ceilings)) {
        return 2;
    }
    int maxConcurrent = 2;
    if (options.maxConcurrent) {
        double number = 0;
        if (!parseNumber(*options.maxConcurrent, number) || number != static_cast<int>(number) ||
            number < 1 || number > 64) {
            return usageError("--max-concurrent needs a whole number between 1 and 64, not \"" +
                              *options.maxConcurrent + "\"");
        }
        maxConcurrent = static_cast<int>(number);
    }
    config.rules = serverRules(config.defaults, ceilings);

    run::ExecutorConfig executorConfig = run::configFromEnvironment();
    if (options.defaults.image) {
        executorConfig.image = *options.defaults.image;
    }
    executorConfig.poolSize = 1; // one warm container: removed in well under the 2 s clients wait at exit
    auto owner = std::make_unique<run::Executor>(executorConfig);
    run::Executor& executor = *owner;
    if (auto engine = executor.ping(); engine) {
        std::cerr << "agentrun mcp: engine: " << *engine << "\n";
    } else {
        std::cerr << "agentrun mcp: warning: " << engine.error().message
                  << " Calls of run_python fail until the engine is available.\n";
    }

    std::optional<history::HistoryStore> history;
    if (!options.noHistory) {
        auto store =
            history::HistoryStore::open(options.historyFile ? std::filesystem::path(*options.historyFile)
                                                            : history::HistoryStore::defaultPath());
        if (store) {
            history.emplace(std::move(*store));
        } else {
            std::cerr << "agentrun mcp: warning: runs are not recorded: " << store.error().message << "\n";
        }
    }

    mcp::SandboxTools tools(std::move(config), executor);
    tools.onFinished = mcpRunRecorder(history ? &*history : nullptr, "agentrun mcp");
    const mcp::ServerOptions serverOptions = mcpServerOptions(maxConcurrent);

    // Signals are taken by one thread with sigwait and turned into a byte on a pipe the reader polls.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    int stopPipe[2];
    if (::pipe(stopPipe) != 0) {
        std::cerr << "agentrun mcp: cannot create a pipe\n";
        return 3;
    }
    std::thread signalWaiter([signals, writeEnd = stopPipe[1]] {
        int received = 0;
        sigwait(&signals, &received);
        if (received != SIGUSR1) {
            std::cerr << "agentrun mcp: " << (received == SIGINT ? "SIGINT" : "SIGTERM")
                      << ": stopping (runs in flight are cancelled)" << std::endl;
        }
        [[maybe_unused]] const auto ignored = ::write(writeEnd, "x", 1);
    });

    {
        mcp::Server server(tools, serverOptions, [](const std::string& line) { writeLine(line); });
        mcp::serveLines(server, STDIN_FILENO, stopPipe[0]);
    }
    pthread_kill(signalWaiter.native_handle(), SIGUSR1); // ends the waiter when stdin closed first
    signalWaiter.join();
    ::close(stopPipe[0]);
    ::close(stopPipe[1]);
    owner.reset(); // the executor removes its warm container here
    std::cerr << "agentrun mcp: stopped" << std::endl;
    return 0;
}

} // namespace

void addMcpCommand(CLI::App& app, CommandStatus& status)
{
    auto options = std::make_shared<McpOptions>();
    CLI::App& command =
        addCommand(app, "mcp", "MCP server over stdio (run_python, check_python, sessions)", McpDescription);
    addValue(command, "--max-concurrent", options->maxConcurrent,
             "runs at once, 1..64 (default 2); more get a tool error saying to retry", "N");
    command.add_flag("--no-history", options->noHistory, "do not record runs");
    addValue(command, "--history-file", options->historyFile,
             "history file (default $XDG_DATA_HOME/agentrun/history.sqlite3)", "FILE");
    addRunDefaultFlags(command, options->defaults,
                       "whitelist a distribution (repeatable); a call's dependencies must be within it",
                       true);
    command.callback([options, &status] { status.value = runMcp(*options); });
}

} // namespace agentrun::cli
