#include "args.h"
#include "commands.h"
#include "consoleobserver.h"
#include "figureoutput.h"
#include "limitflags.h"

#include "agentrun/errorcodes.h"
#include "agentrun/history/historystore.h"
#include "agentrun/model/limits.h"
#include "agentrun/model/runspecjson.h"
#include "agentrun/profile/profile.h"
#include "agentrun/run/dependencysettings.h"
#include "agentrun/run/executor.h"
#include "agentrun/run/resultjson.h"
#include "agentrun/run/validate.h"

#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace agentrun::cli {

namespace {

constexpr const char* RunDescription =
    R"(Runs a Python file (or stdin with -) in a fresh hardened sandbox. The program's stdout and stderr go to
stdout and stderr byte for byte; messages of the runner go to stderr prefixed with "agentrun: ".
A --profile sets the starting values; the options given override them, wherever they stand.)";

constexpr const char* RunFooter =
    R"(Exit status: the program's own; 124 timeout; 125 blocked; 126 install failed; 137 out of memory, killed,
output limit or cancelled; 2 bad usage; 3 engine unavailable; 4 the program succeeded but its --collect files
were not (all) copied (the message says why; an aborted copy keeps nothing).)";

/// What `agentrun run` was given, as typed.
struct RunOptions
{
    LimitFlags limits;
    std::string file;
    std::optional<std::string> policy;
    std::optional<std::string> profile;
    std::vector<std::string> allow;
    std::optional<std::string> wheelhouse;
    std::optional<std::string> indexUrl;
    std::optional<std::string> installTimeout;
    std::optional<std::string> image;
    std::optional<std::string> stdinFile;
    std::vector<std::string> argv;
    std::vector<std::string> inputFiles;
    std::vector<std::string> collect;
    std::string collectTo = "agentrun-files";
    std::optional<std::string> figuresTo;
    std::optional<std::string> reason;
    bool collectKeepExec = false;
    bool noCheck = false;
    bool json = false;
    bool noHistory = false;
    bool dryRun = false;
};

run::CancelToken* g_cancel = nullptr;

int runFile(const RunOptions& options)
{
    int figureCount = 0;
    model::RunSpec request;
    run::ExecutorConfig config = run::configFromEnvironment();
    config.poolSize = 0; // one run per process: a warm pool would only cost a second container
    const std::string& file = options.file;
    const std::string& collectTo = options.collectTo;

    // A profile sets the starting values; the options given override them.
    if (options.profile) {
        const profile::ProfileStore store(profile::ProfileStore::defaultDirectory());
        auto loaded = store.load(*options.profile);
        if (!loaded) {
            return usageError(loaded.error().message);
        }
        profile::applyTo(*loaded, request);
    }
    if (!applyLimitFlags(options.limits, request.limits)) {
        return 2;
    }
    if (options.policy) {
        request.policy = *options.policy;
    }
    request.allow.insert(request.allow.end(), options.allow.begin(), options.allow.end());
    if (options.wheelhouse) {
        // Relative to where the command runs, as any path on a command line.
        request.wheelhouse = std::filesystem::absolute(*options.wheelhouse).lexically_normal().string();
    }
    if (options.indexUrl) {
        request.indexUrl = *options.indexUrl;
    }
    if (options.installTimeout) {
        double seconds = 0;
        if (!parseNumber(*options.installTimeout, seconds) || seconds < 1 || seconds > 3600) {
            return usageError("--install-timeout needs a number of seconds between 1 and 3600, not \"" +
                              *options.installTimeout + "\"");
        }
        request.installTimeoutSeconds = seconds;
    }
    if (options.image) {
        config.image = *options.image;
    }
    if (auto valid = run::validateDependencySettings(request); !valid) {
        return usageError(valid.error().message);
    }
    if (auto source = run::requireDependencySource(request); !source) {
        return usageError(source.error().message);
    }
    request.skipCheck = options.noCheck;
    request.argv = options.argv;
    request.collect.paths = options.collect;
    request.collect.keepExecutable = options.collectKeepExec;
    request.overrideReason = options.reason.value_or("");
    if (options.reason && !request.skipCheck) {
        return usageError("--reason says why the check is skipped: it goes with --no-check");
    }
    const bool json = options.json;
    const bool recordHistory = !options.noHistory;
    if (!request.collect.paths.empty()) {
        std::error_code error;
        if (!std::filesystem::exists(std::filesystem::symlink_status(collectTo, error))) {
            std::filesystem::create_directories(collectTo, error);
            if (error) {
                return usageError("cannot create --collect-to folder " + collectTo + ": " + error.message());
            }
        }
        request.collect.destination = collectTo;
        if (auto valid = model::validateCollect(request.collect); !valid) {
            return usageError(valid.error().message);
        }
    }
    auto code = readInput(file);
    if (!code) {
        return 2;
    }
    request.code = std::move(*code);
    if (options.stdinFile) {
        auto data = readInput(*options.stdinFile);
        if (!data) {
            return 2;
        }
        request.stdinData = std::move(*data);
    }
    if (!options.inputFiles.empty()) {
        auto files = readInputFiles(options.inputFiles);
        if (!files) {
            return 2;
        }
        request.files = std::move(*files);
    }
    if (options.dryRun) {
        if (auto valid = run::validate(request); !valid) {
            return usageError(valid.error().message);
        }
        // What would run, in the one JSON form every front end shares (docs/cli.md, "Dry run").
        std::cout << model::toJson(request).dump(2) << "\n";
        return 0;
    }

    run::Executor executor(config);
    run::CancelToken cancel;
    g_cancel = &cancel;
    std::signal(SIGINT, [](int) { g_cancel->cancel(); });
    std::signal(SIGTERM, [](int) { g_cancel->cancel(); });
    ConsoleObserver observer(!json);
    const model::RunResult result = executor.run(request, observer, cancel);
    if (recordHistory && history::isRecorded(result)) {
        // History is a convenience: failing to write it never changes what the run reports.
        auto store = history::HistoryStore::open(history::HistoryStore::defaultPath());
        const history::RecordContext context{request.policy, "cli"};
        auto recorded =
            store ? store->record(request, result, context) : Result<void>(std::unexpected(store.error()));
        if (!recorded) {
            std::cerr << "agentrun: warning: " << recorded.error().message << "\n";
        }
    }

    if (json) {
        std::cout << run::dumpJson(run::toJson(result)) << "\n";
        if (options.figuresTo) {
            reportFigures(result, options.figuresTo, figureCount);
        }
    } else {
        for (const auto& finding : result.findings) {
            // A syntax error's message quotes Python's own text: the analyzer's line would repeat it.
            if (result.status == model::Status::Blocked && result.errorCode != errc::SafetySyntaxError) {
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
            for (const auto& renamed : result.files.renamed) {
                std::cerr << "agentrun: copied as " << renamed.path << ": " << renamed.archivePath
                          << " has the same name as another file once sanitised\n";
            }
            if (!result.files.error.empty()) {
                std::cerr << "agentrun: " << result.files.error << "\n";
            }
        }
        reportFigures(result, options.figuresTo, figureCount);
        if (!result.connections.empty() || result.networkBytes > 0) {
            std::cerr << "agentrun: " << model::summary(result.connections, result.networkBytes) << "\n";
            for (const auto& connection : result.connections) {
                std::cerr << "agentrun:   " << model::describe(connection) << "\n";
            }
        }
        // An exception's traceback is already on stderr; say more only when a limit caused it.
        if (!result.message.empty() && (result.status != model::Status::Exception ||
                                        errc::kindOf(result.errorCode) == errc::Kind::Limit)) {
            std::cerr << "agentrun: " << result.message << "\n";
        }
    }
    const int status = model::cliExitStatus(result.status, result.exitCode);
    return status == 0 && result.files.requested && !result.files.error.empty() ? 4 : status;
}

} // namespace

void addRunCommand(CLI::App& app, CommandStatus& status)
{
    auto options = std::make_shared<RunOptions>();
    CLI::App& command =
        addCommand(app, "run", "run a Python file (or stdin) in a fresh sandbox", RunDescription);
    appendFooter(command, RunFooter);
    addLimitFlags(command, options->limits);
    addValue(command, "--policy", options->policy,
             "standard | strict | agentrun-compat | FILE (default standard)", "P");
    addValue(command, "--profile", options->profile, "start from a saved profile (see agentrun profile list)",
             "NAME");
    const std::string deps = "Dependencies";
    addRepeated(command, "--allow", options->allow,
                "whitelist a distribution, optionally pinned (repeatable; * = any; none given: nothing is "
                "installed and the code runs as it is)",
                "PKG")
        ->group(deps);
    addValue(command, "--wheelhouse", options->wheelhouse,
             "install whitelisted packages from local wheels, offline", "DIR")
        ->group(deps);
    addValue(command, "--index-url", options->indexUrl,
             "install from a package index (network for the install phase only)", "URL")
        ->group(deps);
    addValue(command, "--install-timeout", options->installTimeout,
             "kill a hung install after S seconds, 1..3600 (default 300)", "S")
        ->group(deps);
    addValue(command, "--image", options->image,
             "sandbox image (default agentrun-sandbox:latest or $AGENTRUN_IMAGE)", "REF");
    addValue(command, "--stdin", options->stdinFile,
             "feed FILE to the program's stdin (default: empty, input() "
             "gets EOF)",
             "FILE");
    addRepeated(command, "--arg", options->argv, "append VALUE to sys.argv (repeatable)", "VALUE");
    addRepeated(command, "--file", options->inputFiles,
                "place the host file PATH in the working directory (/tmp) before the code runs, as NAME or "
                "its own name (repeatable; at most 64 files, 32 MiB together)",
                "PATH[:NAME]");
    addRepeated(
        command, "--collect", options->collect,
        "after the run, copy PATH of the working directory (file or folder) to the host (repeatable); "
        "links, devices and FIFOs are refused, names sanitised",
        "PATH");
    addValue(
        command, "--collect-to", options->collectTo,
        "where collected files go (default ./agentrun-files, created when missing); it must be empty: files "
        "never merge into a folder's contents",
        "DIR");
    addValue(command, "--figures", options->figuresTo,
             "write the run's figures (matplotlib, PNG images saved under /tmp/outputs/) to DIR as "
             "figure-N.png (created when missing; existing files are not overwritten); without it they are "
             "only listed",
             "DIR");
    command.add_flag("--collect-keep-exec", options->collectKeepExec,
                     "keep collected files' execute bits (by default every file arrives 0644)");
    command.add_flag("--no-check", options->noCheck, "skip the static check (refused by the strict policy)");
    addValue(command, "--reason", options->reason,
             "with --no-check: why the code is safe to run, kept in the history", "TEXT");
    command.add_flag("--json", options->json, "print one JSON object instead of the program's output");
    command.add_flag("--dry-run", options->dryRun,
                     "print the run this command describes as JSON (code, limits, policy, dependencies, "
                     "…) and exit without running it");
    command.add_flag("--no-history", options->noHistory,
                     "do not record the run in the history (agentrun history)");
    command.add_option("FILE", options->file, "the Python file to run, or - for stdin")
        ->type_name("")
        ->required();
    command.callback([options, &status] { status.value = runFile(*options); });
}

} // namespace agentrun::cli
