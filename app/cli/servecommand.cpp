#include "args.h"
#include "limitflags.h"
#include "commands.h"
#include "resthttp.h"
#include "restserver.h"
#include "mcphttp.h"
#include "rundefaults.h"

#include "agentrun/engine/endpoint.h"
#include "agentrun/run/executorconfig.h"
#include "agentrun/safety/policy.h"
#include "agentrun/userfile.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <pthread.h>
#include <thread>

namespace agentrun::cli {

namespace {

constexpr const char* ServeDescription =
    R"(REST server: the AgentRun-compatible POST /v1/run/ and GET /v1/health/, and the native /v2 API (full
results, Server-Sent Events, check, history, sessions). GET /openapi.json describes every endpoint;
docs/rest.md has examples. Every run is recorded in the history (agentrun history). /mcp serves the MCP
tools of `agentrun mcp` over Streamable HTTP, under the same token, origin and bind rules and within the
same --max-concurrent (docs/agents.md).

The run defaults apply to every request; a /v2 request may set its own limits within the ceilings:
the most one request may ask for, in its own limits or through a saved profile. Above one it gets 422
naming the ceiling; the defaults are lowered to the ceilings when not given. --network bridge also lets
/v2 requests ask for bridge; --runtime runsc puts every run on gVisor (requests cannot ask for runc).

SIGINT or SIGTERM stop it gracefully: no new runs, running ones cancelled, no container left behind.)";

/// What `agentrun serve` was given, as typed.
struct ServeOptions
{
    RunDefaultFlags defaults;
    std::string listen = "127.0.0.1:8000";
    std::optional<std::string> tokenFile;
    std::optional<std::string> maxConcurrent;
    std::optional<std::string> maxBody;
    std::vector<std::string> allowOrigins;
    std::optional<std::string> headerTimeout;
    std::optional<std::string> maxClientConnections;
    std::optional<std::string> compatPolicy;
    bool noHistory = false;
    std::optional<std::string> historyFile;
    std::optional<std::string> recycle;
    std::optional<std::string> maxSessions;
    std::optional<std::string> sessionIdle;
    std::optional<std::string> sessionLifetime;
    std::optional<std::string> maxBlockedPerMinute;
    std::optional<std::string> wheelhouse;
    std::optional<std::string> indexUrl;
    std::vector<std::string> engines;
};

/// `text`, when given, as a whole number within [low, high] (checked before the conversion); false and
/// "OPTION needs a WHAT between LOW and HIGH" printed otherwise.
bool wholeNumber(const std::optional<std::string>& text, const char* option, int low, int high, int& into,
                 const std::string& what = "whole number")
{
    if (!text) {
        return true;
    }
    double number = 0;
    if (!parseNumber(*text, number) || number != std::floor(number) || number < low || number > high) {
        usageError(std::string(option) + " needs a " + what + " between " + std::to_string(low) + " and " +
                   std::to_string(high) + ", not \"" + *text + "\"");
        return false;
    }
    into = static_cast<int>(number);
    return true;
}

bool parseListen(const std::string& text, std::string& host, int& port)
{
    std::string portText;
    if (text.starts_with('[')) {
        const auto close = text.find("]:");
        if (close == std::string::npos) {
            return false;
        }
        host = text.substr(1, close - 1);
        portText = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string::npos || text.find(':') != colon) {
            return false;
        }
        host = text.substr(0, colon);
        portText = text.substr(colon + 1);
    }
    const auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    return !host.empty() && ec == std::errc() && end == portText.data() + portText.size() && port >= 0 &&
           port <= 65535;
}

std::optional<std::string> readToken(const std::string& path)
{
    auto read = readUserFile(path, 64 * 1024, "the token file");
    if (!read) {
        usageError(read.error().message);
        return std::nullopt;
    }
    std::string token = std::move(*read);
    const auto last = token.find_last_not_of(" \t\r\n");
    token.resize(last == std::string::npos ? 0 : last + 1);
    token.erase(0, token.find_first_not_of(" \t\r\n"));
    if (token.size() < 16) {
        usageError("the token in " + path +
                   " is shorter than 16 characters: use a long random one, e.g. "
                   "openssl rand -hex 32 > " +
                   path);
        return std::nullopt;
    }
    return token;
}

/// scheme://host[:port] as a browser sends it in Origin, or *. "null" is refused: it is the origin of
/// sandboxed frames and local files, which any page can produce.
bool validOrigin(const std::string& origin)
{
    if (origin == "*") {
        return true;
    }
    const auto separator = origin.find("://");
    if (separator == std::string::npos || separator == 0 || separator + 3 >= origin.size()) {
        return false;
    }
    const std::string rest = origin.substr(separator + 3);
    return rest.find_first_of("/?#@ ") == std::string::npos;
}

int serve(const ServeOptions& options)
{
    ServeConfig config;
    config.maxConcurrent = 4;
    config.image = run::configFromEnvironment().image;
    const std::string& listen = options.listen;
    if (!applyRunDefaultFlags(options.defaults, config.defaults, config.ceilings)) {
        return 2;
    }
    if (!wholeNumber(options.maxConcurrent, "--max-concurrent", 1, 256, config.maxConcurrent) ||
        !wholeNumber(options.recycle, "--recycle", 1, 1000, config.recycleRuns,
                     "whole number of runs per container") ||
        !wholeNumber(options.headerTimeout, "--header-timeout", 1, 300, config.headerTimeoutSeconds) ||
        !wholeNumber(options.maxClientConnections, "--max-client-connections", 1, 4096,
                     config.maxClientConnections) ||
        !wholeNumber(options.maxSessions, "--max-sessions", 0, 256, config.sessions.maxSessions,
                     "whole number of open sessions")) {
        return 2;
    }
    int idle = static_cast<int>(config.sessions.idleSeconds);
    int lifetime = static_cast<int>(config.sessions.maxLifetimeSeconds);
    if (!wholeNumber(options.sessionIdle, "--session-idle", 5, 86400, idle, "whole number of seconds") ||
        !wholeNumber(options.sessionLifetime, "--session-lifetime", 5, 7 * 86400, lifetime,
                     "whole number of seconds")) {
        return 2;
    }
    config.sessions.idleSeconds = idle;
    config.sessions.maxLifetimeSeconds = lifetime;
    if (options.maxBlockedPerMinute) {
        double number = 0;
        if (!parseNumber(*options.maxBlockedPerMinute, number) || number < 0 || number > 100000) {
            return usageError("--max-blocked-per-minute needs a number between 0 (no limit) and 100000");
        }
        config.blockedPerMinute = number;
    }
    if (options.maxBody) {
        auto bytes = model::parseSize(*options.maxBody, "--max-body");
        if (!bytes) {
            return usageError(bytes.error().message);
        }
        if (*bytes < 1024 || *bytes > (256ll << 20)) {
            return usageError("--max-body must be between 1k and 256m");
        }
        config.maxBodyBytes = static_cast<std::size_t>(*bytes);
    }
    for (const auto& origin : options.allowOrigins) {
        if (!validOrigin(origin)) {
            return usageError(
                "--allow-origin needs an origin like http://localhost:3000 (scheme://host[:port], "
                "no path) or *; got " +
                origin);
        }
        config.allowOrigins.push_back(origin);
    }
    if (options.compatPolicy) {
        config.compatPolicy = *options.compatPolicy;
    }
    if (auto engines = run::parseFleetEngines(options.engines)) {
        config.engines = std::move(*engines);
    } else {
        usageError(engines.error().message);
        return 2;
    }
    config.recordHistory = !options.noHistory;
    if (options.historyFile) {
        config.historyFile = *options.historyFile;
    }
    if (options.defaults.image) {
        config.image = *options.defaults.image;
    }
    // Where the whitelisted packages come from, for every run that asks for one: the operator's choice,
    // never a client's (a REST body cannot name a host folder or an index).
    if (options.wheelhouse) {
        config.defaults.wheelhouse =
            std::filesystem::absolute(*options.wheelhouse).lexically_normal().string();
        std::error_code error;
        if (!std::filesystem::is_directory(config.defaults.wheelhouse, error)) {
            return usageError("--wheelhouse " + *options.wheelhouse +
                              ": not a folder; give the folder that holds the wheels (*.whl)");
        }
    }
    if (options.indexUrl) {
        config.defaults.indexUrl = *options.indexUrl;
    }
    if (auto loaded = safety::Policy::load(config.compatPolicy); !loaded) {
        return usageError(loaded.error().message);
    }
    if (!parseListen(listen, config.host, config.port)) {
        return usageError("--listen needs HOST:PORT, e.g. 127.0.0.1:8000 or [::1]:8000 (got " + listen + ")");
    }
    if (options.tokenFile) {
        auto token = readToken(*options.tokenFile);
        if (!token) {
            return 2;
        }
        config.token = *token;
    }
    if (std::ranges::find(config.allowOrigins, "*") != config.allowOrigins.end() && config.token.empty()) {
        return usageError(
            "refusing --allow-origin * without a token: every web page the user opens could run "
            "code on this machine. Name the pages' origins, or give --token-file FILE.");
    }
    if (!isLoopbackHost(config.host) && config.token.empty()) {
        return usageError("refusing to listen on " + listen +
                          " without a token: anyone who can reach it could run code on this machine. Give "
                          "--token-file FILE (a long random secret), or listen on 127.0.0.1.");
    }

    // Signals are taken by one thread with sigwait, never by a handler: shutdown needs locks and threads.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    const std::string displayHost =
        config.host.find(':') != std::string::npos ? "[" + config.host + "]" : config.host;
    auto owner = std::make_unique<RestServer>(std::move(config));
    RestServer& server = *owner;
    // MCP over Streamable HTTP beside REST: same executor, rules, history, run slots and front door.
    auto mcp = std::make_unique<McpHttpRoute>(server.context());
    mcp->install(server.http());
    server.onShutdown([route = mcp.get()] { route->shutdown(); });
    auto port = server.bind();
    if (!port) {
        std::cerr << "agentrun: " << port.error().message << "\n";
        return 3;
    }
    if (auto engine = server.context().runner.ping(); engine) {
        std::cerr << "agentrun: engine: " << *engine << "\n";
    } else {
        std::cerr << "agentrun: warning: " << engine.error().message
                  << " Runs get 503 until the engine is available.\n";
    }
    if (!server.context().history) {
        std::cerr << "agentrun: warning: runs are not recorded: " << server.context().historyProblem << "\n";
    }
    std::cerr << "agentrun: listening on http://" << displayHost << ":" << *port << " ("
              << server.context().runs.maxConcurrent() << " runs at once"
              << (server.context().config.token.empty() ? ", no token" : ", token required") << ")"
              << std::endl;

    std::thread signalWaiter([&server, signals] {
        int received = 0;
        sigwait(&signals, &received);
        if (received != SIGUSR1) {
            std::cerr << "agentrun: " << (received == SIGINT ? "SIGINT" : "SIGTERM")
                      << ": stopping (running runs are cancelled)" << std::endl;
        }
        server.shutdown();
    });
    server.serve();
    pthread_kill(signalWaiter.native_handle(), SIGUSR1); // ends the waiter when serve() ended on its own
    signalWaiter.join();
    mcp.reset();   // its tools use the server's executor
    owner.reset(); // the executor removes its warm containers here
    std::cerr << "agentrun: stopped" << std::endl;
    return 0;
}

} // namespace

void addServeCommand(CLI::App& app, CommandStatus& status)
{
    auto options = std::make_shared<ServeOptions>();
    CLI::App& command = addCommand(
        app, "serve", "REST server (AgentRun-compatible /v1/run/, /v2) and MCP at /mcp", ServeDescription);
    addValue(command, "--listen", options->listen,
             "address to listen on (default 127.0.0.1:8000; port 0 picks a free one). A non-loopback address "
             "needs --token-file",
             "HOST:PORT");
    addValue(command, "--token-file", options->tokenFile,
             "every request must send \"Authorization: Bearer <the file's content>\"", "FILE");
    addValue(command, "--max-concurrent", options->maxConcurrent,
             "runs at once, 1..256 (default 4); more get 429 with Retry-After", "N");
    addValue(command, "--max-body", options->maxBody,
             "largest request body, 1k..256m (default 2m); larger gets 413", "SIZE");
    addRepeated(
        command, "--allow-origin,--cors", options->allowOrigins,
        "let web pages from ORIGIN (e.g. http://localhost:3000) call the server, with CORS headers; "
        "repeatable. Requests from any other page (an Origin header that is not the server's own) get "
        "403. * (any page) needs --token-file",
        "ORIGIN");
    addValue(command, "--header-timeout", options->headerTimeout,
             "a request's head must arrive within S seconds, 1..300 (default 10); slower connections are "
             "closed and never hold a worker thread",
             "S");
    addValue(
        command, "--max-client-connections", options->maxClientConnections,
        "connections one client address may keep open, 1..4096 (default 32); the one that waited longest "
        "for its request makes room for a new one",
        "N");
    addValue(command, "--compat-policy", options->compatPolicy,
             "policy of /v1/run/ (default agentrun-compat: AgentRun's verdicts and messages)", "P");
    command.add_flag("--no-history", options->noHistory, "do not record runs");
    addValue(command, "--history-file", options->historyFile,
             "history file (default $XDG_DATA_HOME/agentrun/history.sqlite3)", "FILE");
    addRepeated(
        command, "--engine", options->engines,
        "run on this Docker engine: a docker context name, unix:///PATH or tcp://HOST:PORT (TLS as for "
        "DOCKER_HOST), with ,runs=N for the runs it takes at once; repeatable: a fleet, each engine "
        "with its own warm pool, runs sent to the one with room, one that stops answering drained "
        "and retried (docs/scaling.md). Default: DOCKER_HOST or the current docker context",
        "ADDRESS[,runs=N]");
    addValue(command, "--max-sessions", options->maxSessions,
             "sessions open at once, 0..256 (default 8; 0: none); one more gets 429 session.limit", "N");
    addValue(command, "--session-idle", options->sessionIdle,
             "a session without a run for S seconds is closed, 5..86400 (default 600)", "S");
    addValue(command, "--session-lifetime", options->sessionLifetime,
             "a session is closed S seconds after it was opened, 5..604800 (default 3600)", "S");
    addValue(command, "--recycle", options->recycle,
             "opt-in throughput mode: a container serves up to N runs, 1..1000 (default 1: a fresh container "
             "per run). Between runs every process of the sandbox user is killed and /tmp, /dev/shm and "
             "System V IPC are wiped (docs/security.md)",
             "N");
    addValue(command, "--max-blocked-per-minute", options->maxBlockedPerMinute,
             "runs blocked by the safety check or the whitelist that one client may have recorded in the "
             "history per minute (default 60; 0: no limit); beyond it 429 with Retry-After. Every loopback "
             "address counts as one client",
             "N");
    addRunDefaultFlags(command, options->defaults,
                       "whitelist a distribution (repeatable); a request's dependencies, and a profile's "
                       "whitelist, must be within it",
                       true);
    addValue(command, "--wheelhouse", options->wheelhouse,
             "install whitelisted packages offline from this folder of wheels", "DIR")
        ->group("Run defaults");
    addValue(command, "--index-url", options->indexUrl,
             "install whitelisted packages from this package index (network for the install only)", "URL")
        ->group("Run defaults");
    command.callback([options, &status] { status.value = serve(*options); });
}

} // namespace agentrun::cli
