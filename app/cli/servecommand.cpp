#include "args.h"
#include "limitoptions.h"
#include "commands.h"
#include "resthttp.h"
#include "restserver.h"

#include "agentrun/safety/policy.h"
#include "agentrun/userfile.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <pthread.h>
#include <thread>

namespace agentrun::cli {

namespace {

constexpr const char* ServeUsage = R"(Usage: agentrun serve [OPTIONS]

REST server: the AgentRun-compatible POST /v1/run/ and GET /v1/health/, and the native /v2 API (full
results, Server-Sent Events, check, history). GET /openapi.json describes every endpoint; docs/rest.md
has examples. Every run is recorded in the history (agentrun history).

Options:
  --listen HOST:PORT     address to listen on (default 127.0.0.1:8000; port 0 picks a free one).
                         A non-loopback address needs --token-file.
  --token-file FILE      every request must send "Authorization: Bearer <the file's content>"
  --max-concurrent N     runs at once, 1..256 (default 4); more get 429 with Retry-After
  --max-body SIZE        largest request body, 1k..256m (default 2m); larger gets 413
  --allow-origin ORIGIN  let web pages from ORIGIN (e.g. http://localhost:3000) call the server, with CORS
                         headers; repeatable. Requests from any other page (an Origin header that is not
                         the server's own) get 403. * (any page) needs --token-file. --cors is the same.
  --header-timeout S     a request's head must arrive within S seconds, 1..300 (default 10); slower
                         connections are closed and never hold a worker thread
  --max-client-connections N
                         connections one client address may keep open, 1..4096 (default 32); the one
                         that waited longest for its request makes room for a new one
  --compat-policy P      policy of /v1/run/ (default agentrun-compat: AgentRun's verdicts and messages)
  --no-history           do not record runs
  --history-file FILE    history file (default $XDG_DATA_HOME/agentrun/history.sqlite3)
  --recycle N            opt-in throughput mode: a container serves up to N runs, 1..1000 (default 1:
                         a fresh container per run). Between runs every process of the sandbox user is
                         killed and /tmp, /dev/shm and System V IPC are wiped (docs/security.md).
  --max-blocked-per-minute N
                         runs blocked by the safety check or the whitelist that one client may have
                         recorded in the history per minute (default 60; 0: no limit); beyond it 429
                         with Retry-After. Every loopback address counts as one client.
  Run defaults (a /v2 request may set its own, within the ceilings below):
  --timeout SECONDS, --memory SIZE, --memory-swap SIZE, --cpus N, --pids N, --output-limit SIZE,
  --tmpfs-size SIZE, --network none|bridge (bridge also lets /v2 requests ask for it), --runtime runc|runsc
  (runsc: every run on gVisor, requests cannot ask for runc), --policy P (standard | strict |
  agentrun-compat | FILE; default standard), --allow PKG (repeatable; a request's dependencies, and a
  profile's whitelist, must be within it), --image REF
  Ceilings: the most one request may ask for, whether in its own limits or through a saved profile;
  above one it gets 422 naming the ceiling. The defaults above are lowered to them when not given.
  --max-timeout SECONDS  default 600
  --max-memory SIZE      default half of this machine's memory
  --max-cpus N           default the number of online CPUs
  --max-pids N           default 1024
  --max-output-limit SIZE
                         per stream, default 16m (the server holds a streamed run's output in memory)
  --max-tmpfs-size SIZE  default half of the memory ceiling

SIGINT or SIGTERM stop it gracefully: no new runs, running ones cancelled, no container left behind.
)";

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

} // namespace

int serveCommand(std::span<char* const> rawArgs)
{
    Args args(rawArgs);
    ServeConfig config;
    config.maxConcurrent = 4;
    if (const char* image = std::getenv("AGENTRUN_IMAGE")) {
        config.image = image;
    }
    LimitOptionsSeen seen;
    std::string listen = "127.0.0.1:8000";
    std::string tokenFile;
    run::Limits& limits = config.defaults.limits;

    while (!args.done()) {
        std::optional<std::string> value;
        double number = 0;
        const auto size = [&](std::string_view option, std::int64_t& target) {
            auto parsed = run::parseSize(*value, option);
            if (!parsed) {
                usageError(parsed.error().message);
                return false;
            }
            target = *parsed;
            return true;
        };
        if (const OptionResult ceiling = parseCeilingOption(args, config.ceilings);
            ceiling != OptionResult::NotMine) {
            if (ceiling == OptionResult::Failed) {
                return 2;
            }
            continue;
        }
        const OptionResult limit = parseLimitOption(args, limits, seen);
        if (limit == OptionResult::Failed) {
            return 2;
        }
        if (limit == OptionResult::Taken) {
            continue;
        }
        if (args.is("--help") || args.is("-h")) {
            std::cout << ServeUsage;
            return 0;
        } else if (args.is("--listen")) {
            if (!(value = args.value())) {
                return 2;
            }
            listen = *value;
        } else if (args.is("--token-file")) {
            if (!(value = args.value())) {
                return 2;
            }
            tokenFile = *value;
        } else if (args.is("--max-concurrent")) {
            if (!(value = args.value()) || !parseNumber(*value, number) || number != std::floor(number) ||
                number < 1 || number > 256) {
                return usageError("--max-concurrent needs a whole number between 1 and 256");
            }
            config.maxConcurrent = static_cast<int>(number);
        } else if (args.is("--max-blocked-per-minute")) {
            if (!(value = args.value()) || !parseNumber(*value, number) || number < 0 || number > 100000) {
                return usageError("--max-blocked-per-minute needs a number between 0 (no limit) and 100000");
            }
            config.blockedPerMinute = number;
        } else if (args.is("--recycle")) {
            if (!(value = args.value()) || !parseNumber(*value, number) || number != std::floor(number) ||
                number < 1 || number > 1000) {
                return usageError("--recycle needs a whole number of runs per container between 1 and 1000");
            }
            config.recycleRuns = static_cast<int>(number);
        } else if (args.is("--max-body")) {
            std::int64_t bytes = 0;
            if (!(value = args.value()) || !size("--max-body", bytes)) {
                return 2;
            }
            if (bytes < 1024 || bytes > (256ll << 20)) {
                return usageError("--max-body must be between 1k and 256m");
            }
            config.maxBodyBytes = static_cast<std::size_t>(bytes);
        } else if (args.is("--allow-origin") || args.is("--cors")) {
            if (!(value = args.value())) {
                return 2;
            }
            if (!validOrigin(*value)) {
                return usageError("--allow-origin needs an origin like http://localhost:3000 (scheme://host[:port], "
                                  "no path) or *; got " +
                                  *value);
            }
            config.allowOrigins.push_back(*value);
        } else if (args.is("--header-timeout")) {
            if (!(value = args.value()) || !parseNumber(*value, number) || number != std::floor(number) ||
                number < 1 || number > 300) {
                return usageError("--header-timeout needs a whole number of seconds between 1 and 300");
            }
            config.headerTimeoutSeconds = static_cast<int>(number);
        } else if (args.is("--max-client-connections")) {
            if (!(value = args.value()) || !parseNumber(*value, number) || number != std::floor(number) ||
                number < 1 || number > 4096) {
                return usageError("--max-client-connections needs a whole number between 1 and 4096");
            }
            config.maxClientConnections = static_cast<int>(number);
        } else if (args.is("--compat-policy")) {
            if (!(value = args.value())) {
                return 2;
            }
            config.compatPolicy = *value;
        } else if (args.is("--no-history")) {
            args.take();
            config.recordHistory = false;
        } else if (args.is("--history-file")) {
            if (!(value = args.value())) {
                return 2;
            }
            config.historyFile = *value;
        } else if (args.is("--policy") || args.is("--image") || args.is("--allow")) {
            const std::string option(args.peek().substr(0, args.peek().find('=')));
            if (!(value = args.value())) {
                return 2;
            }
            if (option == "--policy") {
                config.defaults.policy = *value;
            } else if (option == "--image") {
                config.image = *value;
            } else {
                config.defaults.allow.push_back(*value);
            }
        } else {
            return usageError("unknown option " + std::string(args.peek()) + " (see agentrun serve --help)");
        }
    }
    if (!finishLimits(limits, seen)) {
        return 2;
    }
    if (!fitDefaultsToCeilings(limits, config.ceilings)) {
        return 2;
    }
    for (const auto& policy : {config.defaults.policy, config.compatPolicy}) {
        if (auto loaded = safety::Policy::load(policy); !loaded) {
            return usageError(loaded.error().message);
        }
    }
    if (!parseListen(listen, config.host, config.port)) {
        return usageError("--listen needs HOST:PORT, e.g. 127.0.0.1:8000 or [::1]:8000 (got " + listen + ")");
    }
    if (!tokenFile.empty()) {
        auto token = readToken(tokenFile);
        if (!token) {
            return 2;
        }
        config.token = *token;
    }
    if (std::ranges::find(config.allowOrigins, "*") != config.allowOrigins.end() && config.token.empty()) {
        return usageError("refusing --allow-origin * without a token: every web page the user opens could run "
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
    auto port = server.bind();
    if (!port) {
        std::cerr << "agentrun: " << port.error().message << "\n";
        return 3;
    }
    if (auto engine = server.context().executor.ping(); engine) {
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
    owner.reset(); // the executor removes its warm containers here
    std::cerr << "agentrun: stopped" << std::endl;
    return 0;
}

} // namespace agentrun::cli
