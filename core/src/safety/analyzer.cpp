#include "agentrun/safety/analyzer.h"

#include "analysis.h"
#include "prescan.h"
#include "sourcetricks.h"
#include "rules.h"
#include "syntaxtree.h"
#include "unicode.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>

namespace agentrun::safety {

namespace {

/// Byte offsets → 1-based lines and code-point columns.
class Positions
{
public:
    explicit Positions(std::string_view source) : m_source(source)
    {
        m_lineStarts.push_back(0);
        for (std::size_t i = 0; i < source.size(); ++i)
            if (source[i] == '\n')
                m_lineStarts.push_back(i + 1);
    }

    std::pair<int, int> at(std::size_t offset) const
    {
        offset = std::min(offset, m_source.size());
        const auto it = std::ranges::upper_bound(m_lineStarts, offset);
        const auto line = static_cast<std::size_t>(it - m_lineStarts.begin()) - 1;
        const std::size_t start = m_lineStarts[line];
        const auto column = unicode::codePointCount(m_source.substr(start, offset - start));
        return {static_cast<int>(line + 1), static_cast<int>(column + 1)};
    }

    int lineOf(std::size_t offset) const { return at(offset).first; }

private:
    std::string_view m_source;
    std::vector<std::size_t> m_lineStarts;
};

Finding makeFinding(const Policy& policy, std::string_view rule, const Positions& positions,
                    std::size_t start, std::size_t end, std::string message)
{
    Finding f;
    f.rule = std::string(rule);
    f.severity = policy.ruleLevel(rule).value_or(Severity::Block);
    std::tie(f.line, f.column) = positions.at(start);
    std::tie(f.endLine, f.endColumn) = positions.at(end);
    f.message = std::move(message);
    f.hint = std::string(rules::hintFor(rule));
    return f;
}

Report failClosed(const Policy& policy, std::string_view rule, std::string_view source, std::size_t start,
                  std::size_t end, std::string message)
{
    Report report;
    if (policy.ruleLevel(rule)) {
        const Positions positions(source);
        report.findings.push_back(makeFinding(policy, rule, positions, start, end, std::move(message)));
    }
    report.allowed =
        std::ranges::none_of(report.findings, [](const Finding& f) { return f.severity == Severity::Block; });
    return report;
}

/// The first syntax error: position and CPython-like reason.
std::optional<std::pair<std::uint32_t, std::string>> firstSyntaxError(const SyntaxTree& tree,
                                                                      const PrescanResult& scan)
{
    std::int32_t first = -1;
    for (std::int32_t i = 0; i < static_cast<std::int32_t>(tree.size()); ++i) {
        const Node& n = tree.node(i);
        if (n.kind == Kind::Error || n.missing || n.kind == Kind::PrintStatement ||
            n.kind == Kind::ExecStatement) {
            first = i;
            break;
        }
    }
    if (first < 0)
        return std::nullopt;
    const Node& n = tree.node(first);
    if (n.kind == Kind::PrintStatement || n.kind == Kind::ExecStatement) { // Python 2 statements
        const std::string word = n.kind == Kind::PrintStatement ? "print" : "exec";
        return std::pair{n.startByte,
                         "Missing parentheses in call to '" + word + "'. Did you mean " + word + "(...)?"};
    }
    if (scan.syntax) // the tokenizer-level reason is more precise than "invalid syntax"
        return std::pair{static_cast<std::uint32_t>(scan.syntax->offset), scan.syntax->message};
    if (n.missing)
        return std::pair{n.startByte, "expected '" + std::string(tree.typeName(first)) + "'"};
    return std::pair{n.startByte, std::string("invalid syntax")};
}

Report analyzeChecked(std::string_view source, const Policy& policy, const ParseFunction& parse)
{
    if (source.size() > maxSourceBytes)
        return failClosed(policy, rules::tooLarge, {}, 0, 0,
                          "The source is " + std::to_string(source.size()) +
                              " bytes; the check reads at most " + std::to_string(maxSourceBytes) +
                              " bytes (1 MiB)");
    if (const auto bad = unicode::firstInvalidUtf8(source))
        return failClosed(policy, rules::encoding, source.substr(0, *bad), *bad, *bad,
                          "The source is not valid UTF-8 (byte " + std::to_string(*bad + 1) + ")");
    if (const auto nul = source.find('\0'); nul != std::string_view::npos)
        return failClosed(policy, rules::encoding, source, nul, nul + 1, "The source contains a NUL byte");
    if (source.starts_with("\xEF\xBB\xBF"))
        source.remove_prefix(3);

    // Read the source the way the interpreter does: a lone carriage return ends a line. The copy has
    // the same length, so every offset stays valid for the original.
    const auto tricks = findSourceTricks(source);
    std::string normalized;
    const bool renormalized = normalizeLineEnds(source, normalized);
    if (renormalized)
        source = normalized;

    const PrescanResult scan = prescan(source);
    if (scan.tooDeep)
        return failClosed(policy, rules::tooComplex, source, scan.tooDeep->offset, scan.tooDeep->offset + 1,
                          "Brackets nested more than " + std::to_string(maxBracketDepth) +
                              " deep (too many nested parentheses)");

    // A tree the incremental analyzer re-used was built for the text as typed, not for the normalised
    // copy: parse that copy afresh.
    const SyntaxTree tree = renormalized ? SyntaxTree::parse(source, parseTimeoutMicros, maxTreeDepth)
                                         : parse(source, parseTimeoutMicros, maxTreeDepth);
    if (tree.status() == SyntaxTree::Status::TimedOut)
        return failClosed(policy, rules::tooComplex, source, 0, 0,
                          "Parsing took longer than its time budget");

    Analysis analysis(tree, policy);
    analysis.collectBindings();
    for (const auto& trick : tricks)
        analysis.report(rules::sourceHiding, static_cast<std::uint32_t>(trick.start),
                        static_cast<std::uint32_t>(trick.end), trick.message);
    runChecks(analysis);
    if (tree.status() == SyntaxTree::Status::TooDeep)
        analysis.report(rules::tooComplex, tree.deepNode(),
                        "Expressions nested more than " + std::to_string(maxTreeDepth) + " levels deep");

    const Positions positions(source);
    const auto syntax = firstSyntaxError(tree, scan);
    if (syntax) {
        const std::string message = "Syntax error: " + syntax->second;
        const std::uint32_t end =
            std::min<std::uint32_t>(syntax->first + 1, static_cast<std::uint32_t>(source.size()));
        if (policy.agentrunCompat())
            analysis.report(
                rules::syntaxError, syntax->first, end,
                message + " (<unknown>, line " + std::to_string(positions.lineOf(syntax->first)) + ")", true);
        else
            analysis.report(rules::syntaxError, syntax->first, end, message);
    } else if (policy.agentrunCompat()) {
        runAgentRunCompat(analysis);
    }

    auto& raw = analysis.findings();
    std::ranges::stable_sort(raw, [](const RawFinding& x, const RawFinding& y) {
        return std::tuple(!x.first, x.startByte, x.endByte, x.rule) <
               std::tuple(!y.first, y.startByte, y.endByte, y.rule);
    });
    Report report;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const RawFinding& r = raw[i];
        const bool duplicate =
            std::any_of(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(i), [&](const RawFinding& o) {
                return o.rule == r.rule && o.startByte == r.startByte && o.endByte == r.endByte;
            });
        if (duplicate)
            continue;
        Finding f = makeFinding(policy, r.rule, positions, r.startByte, r.endByte, r.message);
        f.severity = r.severity;
        report.findings.push_back(std::move(f));
    }
    report.allowed =
        std::ranges::none_of(report.findings, [](const Finding& f) { return f.severity == Severity::Block; });
    report.imports.assign(analysis.imports().begin(), analysis.imports().end());
    return report;
}

} // namespace

void Analysis::report(std::string_view rule, std::uint32_t startByte, std::uint32_t endByte,
                      std::string message, bool first)
{
    const auto level = m_policy.ruleLevel(rule);
    if (!level)
        return;
    m_findings.push_back(
        RawFinding{std::string(rule), *level, startByte, endByte, std::move(message), first});
}

void Analysis::report(std::string_view rule, std::int32_t node, std::string message)
{
    const Node& n = m_tree.node(node);
    report(rule, n.startByte, n.endByte, std::move(message));
}

void Analysis::addImport(std::string_view module)
{
    if (!module.empty() && !module.starts_with("."))
        m_imports.emplace(module);
}

Report analyze(std::string_view source, const Policy& policy)
{
    return analyzeWith(source, policy, [](std::string_view text, std::uint64_t timeoutMicros, int maxDepth) {
        return SyntaxTree::parse(text, timeoutMicros, maxDepth);
    });
}

Report analyzeWith(std::string_view source, const Policy& policy, const ParseFunction& parse)
{
    try {
        return analyzeChecked(source, policy, parse);
    } catch (...) { // bad_alloc and the like: fail closed, never throw across the API
        Report report;
        report.allowed = false;
        Finding f;
        f.rule = std::string(rules::tooComplex);
        f.message = "The check could not finish (out of memory)";
        f.hint = std::string(rules::hintFor(rules::tooComplex));
        report.findings.push_back(std::move(f));
        return report;
    }
}

} // namespace agentrun::safety
