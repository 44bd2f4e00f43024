#include "args.h"
#include "commands.h"

#include "agentrun/errorcodes.h"
#include "agentrun/history/historystore.h"
#include "agentrun/history/historytext.h"
#include "agentrun/jsonfield.h"
#include "agentrun/model/limits.h"
#include "agentrun/run/resultjson.h"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <iostream>

namespace agentrun::cli {

namespace {

constexpr const char* HistoryDescription =
    R"(Lists the runs recorded by `agentrun run` and `agentrun serve`, newest first, or shows one run in full:
its code, policy, limits, findings, output and timings. ID may be a unique prefix (4+ characters).
Blocked runs are recorded too: `agentrun history --status blocked` lists the code the check stopped,
`agentrun history --overridden` the code run with the check overridden (marked "!" in the list), with
the reason given. Without a subcommand: list. The options may come before or after the subcommand.
Exit 0 done, 1 no such run (or an ambiguous prefix), 2 bad usage, 3 the history cannot be read.)";

struct HistoryOptions
{
    std::optional<std::string> status;
    bool overridden = false;
    std::optional<std::string> limit;
    std::optional<std::string> offset;
    bool json = false;
    std::string file;
    std::string runId;
};

std::string localTime(std::int64_t unixMs)
{
    const std::time_t seconds = static_cast<std::time_t>(unixMs / 1000);
    std::tm local{};
    localtime_r(&seconds, &local);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &local);
    return buffer;
}

bool parseInt(const std::string& text, int& out)
{
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

void printList(const std::vector<history::RunSummary>& runs)
{
    if (runs.empty()) {
        std::cout << "No runs recorded yet.\n";
        return;
    }
    std::printf("%-16s  %-19s  %-19s  %4s  %9s  %s\n", "ID", "WHEN", "STATUS", "EXIT", "TIME", "CODE");
    for (const auto& run : runs) {
        char time[32];
        std::snprintf(time, sizeof time, "%.0f ms", run.totalMs);
        // "!" marks a run whose check was overridden: the status alone would hide it.
        const std::string status = run.checkSkipped ? run.status + " !" : run.status;
        std::printf("%-16s  %-19s  %-19s  %4d  %9s  %s\n", run.runId.c_str(),
                    localTime(run.createdMs).c_str(), status.c_str(),
                    history::cliExitStatus(run.status, run.exitCode), time, run.codePreview.c_str());
        if (run.checkSkipped) {
            std::printf("%-16s  check overridden: %s\n", "",
                        run.overrideReason.empty() ? "(no reason given)" : run.overrideReason.c_str());
        }
    }
    std::fflush(stdout);
}

void printRecord(const history::RunRecord& r)
{
    std::cout << "Run " << r.runId << " (" << r.source << ")\n"
              << "  when:    " << localTime(r.createdMs) << "\n"
              << "  status:  " << r.status << " (exit " << history::cliExitStatus(r.status, r.exitCode)
              << ")\n";
    if (!r.message.empty()) {
        std::cout << "  message: " << r.message << "\n";
    }
    if (!r.profile.empty()) {
        std::cout << "  profile: " << r.profile << "\n";
    }
    if (r.checkSkipped) {
        std::cout << "  check:   overridden, reason: "
                  << (r.overrideReason.empty() ? "(none given)" : r.overrideReason) << "\n";
    }
    std::cout << "  policy:  " << r.policy << "\n"
              << "  image:   " << r.image << "\n"
              << "  limits:  " << r.limits.dump() << "\n";
    char timing[160];
    std::snprintf(timing, sizeof timing, "check %.1f ms, install %.1f ms, run %.1f ms, total %.1f ms",
                  r.durations.checkMs, r.durations.installMs, r.durations.runMs, r.durations.totalMs);
    std::cout << "  timing:  " << timing << "\n"
              << "  memory:  " << history::describePeakMemory(r.status, r.peakMemoryBytes) << "\n";
    if (!r.findings.empty()) {
        std::cout << "  findings:\n";
        for (const auto& finding : r.findings) {
            std::cout << "    " << json::integerField(finding, "line") << ":"
                      << json::integerField(finding, "column") << " " << json::textField(finding, "severity")
                      << " " << json::textField(finding, "rule") << ": "
                      << json::textField(finding, "message") << "\n";
        }
    }
    if (!r.figures.empty()) {
        std::cout << "  figures:\n";
        for (const auto& figure : r.figures) {
            std::cout << "    " << figure.index + 1 << ". " << figure.mime << " " << figure.width << "x"
                      << figure.height << ", " << model::formatSize(figure.bytes)
                      << (figure.stored ? " (image kept: history show --json)" : ", " + figure.note) << "\n";
        }
    }
    if (!r.collectedFiles.empty()) {
        std::cout << "  files:\n";
        for (const auto& file : r.collectedFiles) {
            std::cout << "    " << file.path << " (" << model::formatSize(file.size) << ")\n";
        }
        if (r.filesCapped) {
            std::cout << "    [more files were collected than the history lists]\n";
        }
    }
    if (!r.connections.empty() || r.networkBytes > 0) {
        std::cout << "  network: " << model::summary(r.connections, r.networkBytes) << "\n";
        for (const auto& connection : r.connections) {
            std::cout << "    " << model::describe(connection) << "\n";
        }
    }
    std::cout << "--- code ---\n" << r.code;
    if (!r.code.empty() && r.code.back() != '\n') {
        std::cout << "\n";
    }
    if (r.codeCapped) {
        std::cout << "[code cut at " << model::formatSize(history::MaxStoredCodeBytes)
                  << " in the history: " << model::formatSize(r.codeBytes) << " ran, sha256 " << r.codeSha256
                  << "]\n";
    }
    if (!r.stdinData.empty()) {
        std::cout << "--- stdin ---\n" << r.stdinData;
        if (r.stdinData.back() != '\n') {
            std::cout << "\n";
        }
        if (r.stdinCapped) {
            std::cout << "[stdin cut at " << model::formatSize(history::MaxStoredOutputBytes)
                      << " in the history]\n";
        }
    }
    std::cout << "--- output ---\n" << r.output;
    if (!r.output.empty() && r.output.back() != '\n') {
        std::cout << "\n";
    }
    if (r.outputCapped) {
        std::cout << "[output cut at " << model::formatSize(history::MaxStoredOutputBytes)
                  << " in the history]\n";
    }
}

int historyCommand(const HistoryOptions& options, bool show)
{
    history::HistoryFilter filter;
    filter.limit = 20;
    const bool json = options.json;
    const std::string& file = options.file;
    const std::string& runId = options.runId;
    if (options.status) {
        if (!history::isKnownStatus(*options.status)) {
            return usageError("--status " + *options.status +
                              " is not a run status: use ok, exception, blocked, dependency_rejected, "
                              "install_failed, timeout, out_of_memory, killed, output_limit, cancelled or "
                              "engine_error");
        }
        filter.status = *options.status;
    }
    filter.overriddenOnly = options.overridden;
    if (options.limit &&
        (!parseInt(*options.limit, filter.limit) || filter.limit < 1 || filter.limit > 1000)) {
        return usageError("--limit needs a whole number between 1 and 1000");
    }
    if (options.offset && (!parseInt(*options.offset, filter.offset) || filter.offset < 0)) {
        return usageError("--offset needs a whole number of 0 or more");
    }
    if (show && runId.empty()) {
        return usageError("history show needs a run ID (see agentrun history list)");
    }

    auto store = history::HistoryStore::open(file.empty() ? history::HistoryStore::defaultPath()
                                                          : std::filesystem::path(file));
    if (!store) {
        std::cerr << "agentrun: " << store.error().message << "\n";
        return 3;
    }
    if (show) {
        auto record = store->get(runId);
        if (!record) {
            std::cerr << "agentrun: " << record.error().message << "\n";
            return errc::kindOf(record.error().code) == errc::Kind::NotFound ? 1 : 3;
        }
        if (json) {
            std::cout << run::dumpJson(history::toJson(*record), 2) << "\n";
        } else {
            printRecord(*record);
        }
        return 0;
    }
    auto runs = store->list(filter);
    if (!runs) {
        std::cerr << "agentrun: " << runs.error().message << "\n";
        return 3;
    }
    if (json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& run : *runs) {
            list.push_back(history::toJson(run));
        }
        std::cout << run::dumpJson({{"runs", list}}, 2) << "\n";
    } else {
        printList(*runs);
    }
    return 0;
}

} // namespace

void addHistoryCommand(CLI::App& app, CommandStatus& status)
{
    auto options = std::make_shared<HistoryOptions>();
    CLI::App& command =
        addCommand(app, "history", "runs recorded by run and serve (blocked ones too)", HistoryDescription);
    command.require_subcommand(0, 1);
    addValue(command, "--status", options->status,
             "only runs with this status (ok, exception, blocked, timeout, out_of_memory, …)", "S");
    command.add_flag("--overridden", options->overridden,
                     "only runs whose check was overridden (run --no-check, the workbench's Run Anyway)");
    addValue(command, "--limit", options->limit, "at most N runs, 1..1000 (default 20)", "N");
    addValue(command, "--offset", options->offset, "skip the N newest matching runs (default 0)", "N");
    command.add_flag("--json", options->json,
                     "one JSON object ({\"runs\": […]} for list, the stored run for show)");
    addValue(command, "--file", options->file,
             "history file (default $XDG_DATA_HOME/agentrun/history.sqlite3)", "PATH");
    command.callback([&command, options, &status] {
        if (command.get_subcommands().empty()) {
            status.value = historyCommand(*options, false);
        }
    });

    // The options above belong to `history` and are taken after the subcommand too (fallthrough).
    CLI::App& list = addCommand(command, "list", "the recorded runs, newest first (the default)", "");
    list.fallthrough();
    list.callback([options, &status] { status.value = historyCommand(*options, false); });

    CLI::App& show = addCommand(command, "show", "one run in full: code, policy, limits, findings, output",
                                "The options of agentrun history (--json, --file) apply.");
    show.fallthrough();
    show.add_option("ID", options->runId, "a run ID or a unique prefix of it (4+ characters)")->type_name("");
    show.callback([options, &status] { status.value = historyCommand(*options, true); });
}

} // namespace agentrun::cli
