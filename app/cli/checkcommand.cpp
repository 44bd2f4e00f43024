#include "args.h"
#include "commands.h"

#include "agentrun/run/resultjson.h"
#include "agentrun/safety/analyzer.h"
#include "agentrun/safety/policy.h"
#include "agentrun/safety/reportjson.h"

#include <iostream>

namespace agentrun::cli {

namespace {
constexpr const char* CheckUsage = R"(Usage: agentrun check [--policy P] [--json] FILE|-

Static safety check of Python source; nothing is run. Prints one line per finding
(FILE:LINE:COLUMN: severity rule: message), or with --json the object of CONTRACTS.md.

  --policy P   standard | strict | agentrun-compat | FILE (default standard)
  --json       machine-readable output

Exit status: 0 allowed, 1 blocked, 2 bad usage or unreadable input.
)";
}

int checkCommand(std::span<char* const> rawArgs)
{
    Args args(rawArgs);
    std::string policyName = "standard";
    bool json = false;
    std::string file;
    while (!args.done()) {
        if (args.is("--help") || args.is("-h")) {
            std::cout << CheckUsage;
            return 0;
        } else if (args.is("--json")) {
            args.take();
            json = true;
        } else if (args.is("--policy")) {
            auto value = args.value();
            if (!value) {
                return 2;
            }
            policyName = *value;
        } else if (args.peek().starts_with("--")) {
            return usageError("unknown option " + std::string(args.peek()) + " (see agentrun check --help)");
        } else if (file.empty()) {
            file = args.take();
        } else {
            return usageError("check takes one FILE (or -)");
        }
    }
    if (file.empty()) {
        return usageError("check needs a FILE (or - for stdin); see agentrun check --help");
    }
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

} // namespace agentrun::cli
