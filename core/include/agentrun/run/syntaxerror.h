#pragma once

#include "agentrun/run/executor.h"
#include "agentrun/safety/finding.h"

#include <string>
#include <string_view>

namespace agentrun::run {

/// Whether the check blocked the code because it cannot parse it (a `syntax-error` finding at block).
bool blockedForSyntax(const safety::Report& report);

/// What a run blocked for a syntax error says (docs/safety.md, "Syntax errors"). It is a block (exit 125):
/// the check cannot vouch for code it cannot parse, and where its parser and CPython disagree running it
/// would run unchecked code. But the person needs Python's own SyntaxError with its caret, not a safety
/// verdict: the code is compiled, never run, in a sandbox (our own fixed program runs unchecked, the code
/// arrives as its stdin) and Python's text is quoted. When the sandbox cannot be had (no engine), the
/// analyzer's position and reason are quoted with the line and a caret drawn from them.
std::string syntaxErrorMessage(Executor& executor, const model::RunSpec& request,
                               const safety::Report& report, const CancelToken& cancel);

/// "    print(x +)\n             ^\n": line `line` of `code` (1-based) and a caret under `column` (1-based,
/// in code points), as Python quotes a syntax error; empty when the line is not there or too long to quote.
std::string quoteWithCaret(std::string_view code, int line, int column);

} // namespace agentrun::run
