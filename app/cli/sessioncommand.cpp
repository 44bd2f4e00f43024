// `agentrun session FILE...`: runs files, and the `# %%` cells in them, one after another in one session,
// so that what one defines the next can use (docs/cli.md, "Sessions"). A session lives as long as this
// command: scripts that need one across processes use `agentrun serve` and /v2/sessions.
#include "args.h"
#include "commands.h"
#include "consoleobserver.h"
#include "figureoutput.h"
#include "limitflags.h"

#include "agentrun/errorcodes.h"
#include "agentrun/history/historystore.h"
#include "agentrun/model/cells.h"
#include "agentrun/run/executor.h"
#include "agentrun/run/resultjson.h"

#include <csignal>
#include <iostream>

namespace agentrun::cli {

namespace {

constexpr const char* SessionDescription =
    R"(Runs each FILE (- for stdin) in turn in ONE sandbox whose Python state survives from one run to the
next: variables, imports, open files and the working directory. With --cells every `# %%` line starts a
new run (the cell convention of VS Code and Spyder). Output streams live; a failing run ends the command
with its exit status unless --keep-going. A run that times out, is killed or runs out of memory restarts
the session (its state is lost) and says so. Memory, pids, cpus, tmpfs and network hold for the
session; --timeout applies to each run.)";

struct SessionOptions
{
    LimitFlags limits;
    std::vector<std::string> files;
    std::optional<std::string> policy;
    std::vector<std::string> inputFiles;
    std::optional<std::string> figuresTo;
    std::optional<std::string> image;
    bool cells = false;
    bool keepGoing = false;
    bool json = false;
    bool noHistory = false;
};

struct Piece
{
    std::string label; ///< file, or file:line of its cell
    std::string code;
};

run::CancelToken* g_cancel = nullptr;

int runSession(const SessionOptions& options)
{
    model::RunSpec base;
    if (!applyLimitFlags(options.limits, base.limits)) {
        return 2;
    }
    if (options.policy) {
        base.policy = *options.policy;
    }
    std::vector<Piece> pieces;
    for (const auto& file : options.files) {
        auto code = readInput(file);
        if (!code) {
            return 2; // readInput said why
        }
        if (!options.cells) {
            pieces.push_back({file, std::move(*code)});
            continue;
        }
        for (auto& cell : model::splitCells(*code)) {
            pieces.push_back({file + ":" + std::to_string(cell.firstLine), std::move(cell.code)});
        }
    }
    if (pieces.empty()) {
        return usageError("nothing to run: the files hold no code");
    }
    std::vector<model::InputFile> inputs;
    if (!options.inputFiles.empty()) {
        auto files = readInputFiles(options.inputFiles);
        if (!files) {
            return 2;
        }
        inputs = std::move(*files);
    }

    run::ExecutorConfig config = run::configFromEnvironment();
    config.poolSize = 0; // the session's sandbox is the only container this command needs
    if (options.image) {
        config.image = *options.image;
    }
    run::Executor executor(config);
    auto session = executor.openSession(base.limits);
    if (!session) {
        std::cerr << "agentrun: " << session.error().message << "\n";
        return errc::kindOf(session.error().code) == errc::Kind::Invalid ? 2 : 3;
    }
    run::CancelToken cancel;
    g_cancel = &cancel;
    std::signal(SIGINT, [](int) { g_cancel->cancel(); });
    std::signal(SIGTERM, [](int) { g_cancel->cancel(); });
    std::optional<history::HistoryStore> store;
    if (!options.noHistory) {
        if (auto opened = history::HistoryStore::open(history::HistoryStore::defaultPath())) {
            store.emplace(std::move(*opened));
        }
    }

    int status = 0;
    int figureCount = 0;
    for (const auto& piece : pieces) {
        model::RunSpec request = base;
        request.code = piece.code;
        request.sessionId = session->id;
        if (&piece == &pieces.front()) {
            request.files = inputs; // placed once, before the first run; they stay in the session
        }
        ConsoleObserver observer(!options.json);
        const model::RunResult result = executor.run(request, observer, cancel);
        if (store && history::isRecorded(result)) {
            store->record(request, result, {request.policy, "cli"});
        }
        if (options.json) {
            std::cout << run::dumpJson(run::toJson(result)) << std::endl;
        } else {
            for (const auto& finding : result.findings) {
                if (result.status == model::Status::Blocked) {
                    std::cerr << "agentrun: " << piece.label << ": line " << finding.line << ":"
                              << finding.column << ": " << finding.rule << ": " << finding.message << "\n";
                }
            }
            reportFigures(result, options.figuresTo, figureCount);
            if (!result.message.empty() && (result.status != model::Status::Exception ||
                                            errc::kindOf(result.errorCode) == errc::Kind::Limit)) {
                std::cerr << "agentrun: " << piece.label << ": " << result.message << "\n";
            }
        }
        const int own = model::cliExitStatus(result.status, result.exitCode);
        if (own != 0) {
            status = own;
            if (!options.keepGoing || cancel.cancelled()) {
                break;
            }
        }
    }
    executor.closeSession(session->id);
    return status;
}

} // namespace

void addSessionCommand(CLI::App& app, CommandStatus& status)
{
    auto options = std::make_shared<SessionOptions>();
    CLI::App& command =
        addCommand(app, "session", "run files or # %% cells one after another in one stateful sandbox",
                   SessionDescription);
    addLimitFlags(command, options->limits);
    addValue(command, "--policy", options->policy,
             "standard | strict | agentrun-compat | FILE (default standard)", "P");
    addRepeated(command, "--file", options->inputFiles,
                "place the host file PATH in the session's working directory (/tmp) before the first run, as "
                "NAME or its own name (repeatable; at most 64 files, 32 MiB together)",
                "PATH[:NAME]");
    addValue(command, "--figures", options->figuresTo,
             "write the runs' figures to DIR as figure-N.png, numbered across the session (created when "
             "missing; existing files are not overwritten); without it they are listed",
             "DIR");
    addValue(
        command, "--image", options->image,
        "sandbox image (default agentrun-sandbox:latest or $AGENTRUN_IMAGE; agentrun-sandbox:datascience "
        "has numpy, pandas, matplotlib and scipy)",
        "REF");
    command.add_flag("--cells", options->cells, "split each file at `# %%` lines: one run per cell");
    command.add_flag("--keep-going", options->keepGoing, "run the next file or cell after a failing one");
    command.add_flag("--json", options->json, "print one JSON object per run (one per line), no live output");
    command.add_flag("--no-history", options->noHistory, "do not record the runs in the history");
    command.add_option("FILE", options->files, "Python files to run in order (- for stdin)")
        ->type_name("")
        ->required();
    command.callback([options, &status] { status.value = runSession(*options); });
}

} // namespace agentrun::cli
