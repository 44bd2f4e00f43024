#include "agentrun/run/syntaxerror.h"

#include "run/classify.h"

#include <algorithm>

namespace agentrun::run {

namespace {

/// Compiles stdin as the sandbox would run it and prints only the exception, as Python does for a file
/// with a syntax error. Exit 0: Python compiles it. The source goes to /tmp/main.py first (where this
/// program's own text was): Python quotes the line from the file it names, as in a run's traceback.
constexpr const char* CompileOnly = R"(import sys, traceback
source = sys.stdin.buffer.read()
with open("/tmp/main.py", "wb") as f:
    f.write(source)
try:
    compile(source, "/tmp/main.py", "exec", dont_inherit=True)
except (SyntaxError, ValueError) as error:
    sys.stderr.write("".join(traceback.format_exception_only(type(error), error)))
    sys.exit(1)
)";

const safety::Finding* syntaxFinding(const safety::Report& report)
{
    const auto found = std::ranges::find_if(report.findings, [](const safety::Finding& finding) {
        return finding.severity == safety::Severity::Block && finding.rule == "syntax-error";
    });
    return found == report.findings.end() ? nullptr : &*found;
}

} // namespace

std::string quoteWithCaret(std::string_view code, int line, int column)
{
    std::size_t start = 0;
    for (int at = 1; at < line && start != std::string_view::npos; ++at) {
        start = code.find('\n', start);
        start = start == std::string_view::npos ? start : start + 1;
    }
    if (line < 1 || start == std::string_view::npos || start > code.size()) {
        return {};
    }
    const std::size_t end = code.find('\n', start);
    const std::string_view text =
        code.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (text.size() > 200) {
        return {};
    }
    // Columns count code points: one space each, so the caret lines up wherever each takes one cell.
    return "    " + std::string(text) + "\n    " +
           std::string(static_cast<std::size_t>(std::max(0, column - 1)), ' ') + "^\n";
}

bool blockedForSyntax(const safety::Report& report)
{
    return syntaxFinding(report) != nullptr;
}

std::string syntaxErrorMessage(Executor& executor, const model::RunSpec& request,
                               const safety::Report& report, const CancelToken& cancel)
{
    const safety::Finding* finding = syntaxFinding(report);
    if (!finding) {
        return blockedMessage(report);
    }
    const std::string lead = "The code has a syntax error, so nothing was run (the safety check blocks code "
                             "it cannot parse). ";
    model::RunSpec compile;
    compile.code = CompileOnly;
    compile.policy = "standard";
    compile.skipCheck = true; // our own program, above: the code under test is only its input
    compile.stdinData = request.code;
    compile.limits = request.limits;
    compile.limits.network = "none";
    compile.limits.timeoutSeconds = std::min(compile.limits.timeoutSeconds, 30.0);
    RunObserver quiet;
    const model::RunResult compiled = executor.run(compile, quiet, cancel);
    if (compiled.status == model::Status::Exception && compiled.exitCode == 1 &&
        !compiled.stderrData.empty()) {
        std::string text = compiled.stderrData;
        while (!text.empty() && text.back() == '\n') {
            text.pop_back();
        }
        return lead + "Python says:\n" + text;
    }
    if (compiled.status == model::Status::Ok) {
        // The analyzer's parser and CPython disagree: Python would run it, unchecked. Still a block.
        return "Blocked by the safety check: it cannot parse line " + std::to_string(finding->line) + " (" +
               finding->message +
               "), though Python can; code the check cannot read is never run. Nothing was run.";
    }
    return lead + finding->message + " (line " + std::to_string(finding->line) + ", column " +
           std::to_string(finding->column) + "):\n" +
           quoteWithCaret(request.code, finding->line, finding->column);
}

} // namespace agentrun::run
