#include "args.h"
#include "commands.h"

#include "agentrun/run/resultjson.h"
#include "agentrun/run/syntaxerror.h"
#include "agentrun/safety/analyzer.h"
#include "agentrun/safety/policy.h"
#include "agentrun/safety/reportjson.h"

#include <iostream>

namespace agentrun::cli {

namespace {

constexpr const char* CheckDescription =
    R"(Static safety check of Python source; nothing is run. Prints one line per finding
(FILE:LINE:COLUMN: severity rule: message), or with --json one object (docs/cli.md describes it).)";

struct CheckOptions
{
    std::string policy = "standard";
    bool json = false;
    std::string file;
};

int check(const CheckOptions& options)
{
    const std::string& policyName = options.policy;
    const std::string& file = options.file;
    const bool json = options.json;
    auto policy = safety::Policy::load(policyName);
    if (!policy) {
        return usageError(policy.error().message);
    }
    auto code = readInput(file);
    if (!code) {
        return 2;
    }
    const safety::Report report = safety::analyze(*code, *policy);
    if (json) {
        std::cout << run::dumpJson(safety::toJson(report)) << "\n";
    } else {
        for (const auto& finding : report.findings) {
            std::cout << file << ":" << finding.line << ":" << finding.column << ": "
                      << safety::toString(finding.severity) << " " << finding.rule << ": " << finding.message
                      << "\n";
            if (finding.rule == "syntax-error") { // where, as Python shows it: the line and a caret
                std::cout << run::quoteWithCaret(*code, finding.line, finding.column);
            }
            if (!finding.hint.empty()) {
                std::cout << "    hint: " << finding.hint << "\n";
            }
        }
        std::cout << (report.allowed ? "allowed" : "blocked") << " (" << report.findings.size()
                  << (report.findings.size() == 1 ? " finding" : " findings") << ", policy " << policy->name()
                  << ")\n";
    }
    return report.allowed ? 0 : 1;
}

} // namespace

void addCheckCommand(CLI::App& app, CommandStatus& status)
{
    auto options = std::make_shared<CheckOptions>();
    CLI::App& command =
        addCommand(app, "check", "static safety check only; exit 0 allowed, 1 blocked", CheckDescription);
    appendFooter(command, "Exit status: 0 allowed, 1 blocked, 2 bad usage or unreadable input.");
    addValue(command, "--policy", options->policy,
             "standard | strict | agentrun-compat | FILE (default standard)", "P");
    command.add_flag("--json", options->json, "machine-readable output");
    command.add_option("FILE", options->file, "the Python file to check, or - for stdin")
        ->type_name("")
        ->required();
    command.callback([options, &status] { status.value = check(*options); });
}

} // namespace agentrun::cli
