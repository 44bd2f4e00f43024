#pragma once

// Shared state of one analysis: the tree, the policy, name bindings and the findings so far.

#include "agentrun/safety/finding.h"
#include "agentrun/safety/policy.h"
#include "syntaxtree.h"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace agentrun::safety {

/// A finding before positions are converted to lines and code-point columns.
struct RawFinding
{
    std::string rule;
    Severity severity = Severity::Block;
    std::uint32_t startByte = 0;
    std::uint32_t endByte = 0;
    std::string message;
    bool first = false; ///< AgentRun compat verdict: sorts before everything else
};

class Analysis
{
public:
    Analysis(const SyntaxTree& tree, const Policy& policy) : m_tree(tree), m_policy(policy) {}

    const SyntaxTree& tree() const { return m_tree; }
    const Policy& policy() const { return m_policy; }

    /// Records a finding at the policy's severity for the rule (nothing when the rule is off).
    void report(std::string_view rule, std::uint32_t startByte, std::uint32_t endByte, std::string message,
                bool first = false);
    void report(std::string_view rule, std::int32_t node, std::string message);
    std::vector<RawFinding>& findings() { return m_findings; }
    void addImport(std::string_view module);
    const std::set<std::string>& imports() const { return m_imports; }

    // --- name resolution (resolver.cpp) ---
    /// Collects imports, aliases and constants of the whole file (flow-insensitive).
    void collectBindings();
    /// The qualified names an expression may stand for: `o.system` after `import os as o` → "os.system".
    std::vector<std::string> resolve(std::int32_t node) const;
    /// The string value of an expression built from literals, chr(), +, join, b64decode, ..., if any.
    std::optional<std::string> constantString(std::int32_t node) const;
    /// A single plain string literal (no interpolation, no concatenation).
    bool isPlainStringLiteral(std::int32_t node) const;
    /// Identifier text after NFKC folding.
    std::string identifier(std::int32_t node) const;
    /// Dotted name from a dotted_name node ("os.path"), NFKC-folded.
    std::string dottedName(std::int32_t node) const;
    bool isImportBound(std::string_view name) const { return m_importBindings.contains(std::string(name)); }
    bool isLocallyBound(std::string_view name) const { return m_localNames.contains(std::string(name)); }
    /// The value node of `name = value` when the name is bound exactly once, else -1.
    std::int32_t singleValue(std::string_view name) const;

private:
    void bindTarget(std::int32_t target, std::int32_t value);
    void collectImport(std::int32_t node);
    std::vector<std::string> resolveImpl(std::int32_t node, int depth, int& budget) const;
    std::optional<std::string> foldImpl(std::int32_t node, int depth) const;

    const SyntaxTree& m_tree;
    const Policy& m_policy;
    std::vector<RawFinding> m_findings;
    std::set<std::string> m_imports;
    std::unordered_map<std::string, std::vector<std::string>> m_importBindings;
    std::unordered_map<std::string, std::vector<std::int32_t>> m_valueBindings;
    std::unordered_map<std::string, int> m_bindingCount;
    std::unordered_set<std::string> m_localNames;
    std::vector<std::string> m_starModules;
};

/// Rule checks over every node (checks.cpp).
void runChecks(Analysis& analysis);
/// AgentRun 0.2.5's own verdict on source that parses, reproduced (legacy.cpp). Adds at most one
/// finding, marked first. (Its syntax-error verdict is made by the analyzer, which owns syntax errors.)
void runAgentRunCompat(Analysis& analysis);
/// Python's repr() of a tuple of str, as AgentRun prints RestrictedPython's errors.
std::string pythonTupleRepr(const std::vector<std::string>& items);

/// Normalises a qualified name: "builtins.eval" → "eval", "posix.system" → "os.system".
std::string normalizeQualified(std::string name);

} // namespace agentrun::safety
