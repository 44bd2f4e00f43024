#include "args.h"
#include "limitoptions.h"
#include "commands.h"

#include "agentrun/history/historystore.h"
#include "agentrun/profile/profile.h"
#include "agentrun/run/executor.h"
#include "agentrun/run/resultjson.h"

#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace agentrun::cli {

namespace {

constexpr const char* RunUsage = R"(Usage: agentrun run [OPTIONS] FILE|-

Runs a Python file (or stdin with -) in a fresh hardened sandbox. The program's stdout and stderr go to
stdout and stderr byte for byte; messages of the runner go to stderr prefixed with "agentrun: ".

Options:
  --timeout SECONDS      wall-clock limit, 0.1..3600 (default 30)
  --memory SIZE          memory limit, 16m..64g (default 256m)
  --memory-swap SIZE     memory + swap, memory..2x memory (default = memory: no swap)
  --cpus N               CPUs, fractional, 0.05..64 (default 1)
  --pids N               process/thread limit, 8..32768 (default 128)
  --output-limit SIZE    per stream, 1k..256m (default 1m)
  --tmpfs-size SIZE      size of /tmp, 1m..below memory (default 64m)
  --network none|bridge  (default none)
  --runtime runc|runsc   (default runc)
  --policy P             standard | strict | agentrun-compat | FILE (default standard)
  --profile NAME         start from a saved profile (see agentrun profile list)
  --allow PKG            whitelist a distribution, optionally pinned (repeatable; * = any; none given:
                         nothing is installed and the code runs as it is)
  --wheelhouse DIR       install whitelisted packages from local wheels, offline
  --index-url URL        install from a package index (network for the install phase only)
  --install-timeout S    kill a hung install after S seconds, 1..3600 (default 300)
  --image REF            sandbox image (default agentrun-sandbox:latest or $AGENTRUN_IMAGE)
  --stdin FILE           feed FILE to the program's stdin (default: empty, input() gets EOF)
  --arg VALUE            append VALUE to sys.argv (repeatable)
  --collect PATH         after the run, copy PATH of the working directory (file or folder) to the
                         host (repeatable); links, devices and FIFOs are refused, names sanitised
  --collect-to DIR       where collected files go (default ./agentrun-files, created when missing)
  --no-check             skip the static check (refused by the strict policy)
  --reason TEXT          with --no-check: why the code is safe to run, kept in the history
  --json                 print one JSON object instead of the program's output
  --no-history           do not record the run in the history (agentrun history)

Exit status: the program's own; 124 timeout; 125 blocked; 126 install failed; 137 out of memory or
killed; 2 bad usage; 3 engine unavailable.
)";

/// Streams program output as it arrives (plain mode) and says what the runner is doing on stderr.
class ConsoleObserver : public run::RunObserver
{
public:
    explicit ConsoleObserver(bool live) : m_live(live) {}

    void output(run::Stream stream, std::string_view bytes) override
    {
        if (!m_live) {
            return;
        }
        const int fd = stream == run::Stream::Stdout ? STDOUT_FILENO : STDERR_FILENO;
        while (!bytes.empty()) {
            const ssize_t written = ::write(fd, bytes.data(), bytes.size());
            if (written <= 0) {
                return;
            }
            bytes.remove_prefix(static_cast<std::size_t>(written));
        }
    }

    void installProgress(std::string_view line) override
    {
        // pip's progress is for a person watching: only on a terminal, never mixed into program output.
        if (m_terminal) {
            std::cerr << "agentrun: install: " << line << "\n";
        }
    }

    void stageChanged(run::Stage stage) override
    {
        if (m_terminal && stage == run::Stage::Installing) {
            std::cerr << "agentrun: installing dependencies (cached after the first time)\n";
        }
    }

private:
    bool m_live;
    bool m_terminal = ::isatty(STDERR_FILENO) != 0;
};

run::CancelToken* g_cancel = nullptr;

} // namespace

int runCommand(std::span<char* const> rawArgs)
{
    Args args(rawArgs);
    run::RunRequest request;
    run::ExecutorConfig config;
    if (const char* image = std::getenv("AGENTRUN_IMAGE")) {
        config.image = image;
    }
    config.poolSize = 0; // one run per process: a warm pool would only cost a second container
    bool json = false;
    bool recordHistory = true;
    LimitOptionsSeen seen;
    std::string file;
    std::string stdinFile;
    std::string reason;
    std::string profileName;
    std::string collectTo = "agentrun-files";

    // A profile sets the starting values; options after it override them, wherever they stand.
    for (std::size_t i = 0; i + 1 < rawArgs.size(); ++i) {
        if (std::string_view(rawArgs[i]) == "--profile") {
            const profile::ProfileStore store(profile::ProfileStore::defaultDirectory());
            auto loaded = store.load(rawArgs[i + 1]);
            if (!loaded) {
                return usageError(loaded.error().message);
            }
            request.limits = loaded->limits;
            request.policy = loaded->policy;
            request.allow = loaded->allow;
            request.wheelhouse = loaded->wheelhouse;
            request.indexUrl = loaded->indexUrl;
            request.cached = loaded->cached;
            profileName = loaded->name;
        }
    }

    while (!args.done()) {
        std::optional<std::string> value;
        const OptionResult limit = parseLimitOption(args, request.limits, seen);
        if (limit == OptionResult::Failed) {
            return 2;
        }
        if (limit == OptionResult::Taken) {
            continue;
        }
        if (args.is("--help") || args.is("-h")) {
            std::cout << RunUsage;
            return 0;
        } else if (args.is("--json")) {
            args.take();
            json = true;
        } else if (args.is("--no-history")) {
            args.take();
            recordHistory = false;
        } else if (args.is("--no-check")) {
            args.take();
            request.skipCheck = true;
        } else if (args.is("--reason")) {
            if (!(value = args.value())) {
                return 2;
            }
            reason = *value;
        } else if (args.is("--policy")) {
            if (!(value = args.value())) {
                return 2;
            }
            request.policy = *value;
        } else if (args.is("--allow")) {
            if (!(value = args.value())) {
                return 2;
            }
            request.allow.push_back(*value);
        } else if (args.is("--wheelhouse")) {
            if (!(value = args.value())) {
                return 2;
            }
            // Relative to where the command runs, as any path on a command line.
            request.wheelhouse = std::filesystem::absolute(*value).lexically_normal().string();
        } else if (args.is("--index-url")) {
            if (!(value = args.value())) {
                return 2;
            }
            request.indexUrl = *value;
        } else if (args.is("--install-timeout")) {
            if (!(value = args.value()) || !parseNumber(*value, request.installTimeoutSeconds) ||
                request.installTimeoutSeconds < 1 || request.installTimeoutSeconds > 3600) {
                return usageError("--install-timeout needs a number of seconds between 1 and 3600");
            }
        } else if (args.is("--profile")) {
            args.value(); // applied above
        } else if (args.is("--image")) {
            if (!(value = args.value())) {
                return 2;
            }
            config.image = *value;
        } else if (args.is("--stdin")) {
            if (!(value = args.value())) {
                return 2;
            }
            stdinFile = *value;
        } else if (args.is("--collect")) {
            if (!(value = args.value())) {
                return 2;
            }
            request.collect.paths.push_back(*value);
        } else if (args.is("--collect-to")) {
            if (!(value = args.value())) {
                return 2;
            }
            collectTo = *value;
        } else if (args.is("--arg")) {
            if (!(value = args.value())) {
                return 2;
            }
            request.argv.push_back(*value);
        } else if (args.peek().starts_with("--")) {
            return usageError("unknown option " + std::string(args.peek()) + " (see agentrun run --help)");
        } else if (file.empty()) {
            file = args.take();
        } else {
            return usageError("run takes one FILE (or -), got a second: " + args.take());
        }
    }
    if (file.empty()) {
        return usageError("run needs a FILE (or - for stdin); see agentrun run --help");
    }
    if (!reason.empty() && !request.skipCheck) {
        return usageError("--reason says why the check is skipped: it goes with --no-check");
    }
    if (!finishLimits(request.limits, seen)) {
        return 2;
    }
    if (!request.collect.paths.empty()) {
        std::error_code error;
        if (!std::filesystem::exists(std::filesystem::symlink_status(collectTo, error))) {
            std::filesystem::create_directories(collectTo, error);
            if (error) {
                return usageError("cannot create --collect-to folder " + collectTo + ": " + error.message());
            }
        }
        request.collect.destination = collectTo;
        if (auto valid = run::validateCollect(request.collect); !valid) {
            return usageError(valid.error().message);
        }
    }
    auto code = readInput(file);
    if (!code) {
        return 2;
    }
    request.code = std::move(*code);
    if (!stdinFile.empty()) {
        auto data = readInput(stdinFile);
        if (!data) {
            return 2;
        }
        request.stdinData = std::move(*data);
    }

    run::Executor executor(config);
    run::CancelToken cancel;
    g_cancel = &cancel;
    std::signal(SIGINT, [](int) { g_cancel->cancel(); });
    std::signal(SIGTERM, [](int) { g_cancel->cancel(); });
    ConsoleObserver observer(!json);
    const run::RunResult result = executor.run(request, observer, cancel);
    if (recordHistory && result.status != run::Status::InvalidRequest) {
        // History is a convenience: failing to write it never changes what the run reports.
        auto store = history::HistoryStore::open(history::HistoryStore::defaultPath());
        const history::RecordContext context{request.policy, "cli", profileName, reason};
        auto recorded =
            store ? store->record(request, result, context) : Result<void>(std::unexpected(store.error()));
        if (!recorded) {
            std::cerr << "agentrun: warning: " << recorded.error().message << "\n";
        }
    }

    if (json) {
        std::cout << run::dumpJson(run::toJson(result)) << "\n";
    } else {
        for (const auto& finding : result.findings) {
            if (result.status == run::Status::Blocked) {
                std::cerr << "agentrun: " << file << ":" << finding.line << ":" << finding.column << ": "
                          << finding.rule << ": " << finding.message << "\n";
            }
        }
        if (result.files.requested) {
            std::cerr << "agentrun: copied " << result.files.copied.size() << " file(s) to " << collectTo
                      << "\n";
            for (const auto& rejected : result.files.rejected) {
                std::cerr << "agentrun: not copied: " << rejected.archivePath << ": " << rejected.reason
                          << "\n";
            }
            if (!result.files.error.empty()) {
                std::cerr << "agentrun: " << result.files.error << "\n";
            }
        }
        // An exception's traceback is already on stderr; say more only when a limit caused it.
        if (!result.message.empty() &&
            (result.status != run::Status::Exception || result.errorCode == "run.pids_limit")) {
            std::cerr << "agentrun: " << result.message << "\n";
        }
    }
    return run::cliExitStatus(result.status, result.exitCode);
}

} // namespace agentrun::cli
