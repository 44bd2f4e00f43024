#pragma once

// Shared state of one analysis: the tree, the policy, name bindings and the findings so far.

#include "agentrun/safety/finding.h"
#include "agentrun/safety/policy.h"
#include "syntaxtree.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
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

/// Hashes std::string keys so lookups by std::string_view allocate nothing.
struct StringHash
{
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
template <class Value> using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

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
    /// Memoised per node (the bindings do not change once collected).
    const std::vector<std::string>& resolve(std::int32_t node) const;
    /// The string value of an expression built from literals, chr(), +, join, b64decode, ..., if any.
    std::optional<std::string> constantString(std::int32_t node) const;
    /// A single plain string literal (no interpolation, no concatenation).
    bool isPlainStringLiteral(std::int32_t node) const;
    /// Identifier text after NFKC folding: a view of the source for ASCII names, else of a folded copy
    /// kept by the analysis.
    std::string_view name(std::int32_t node) const;
    std::string identifier(std::int32_t node) const { return std::string(name(node)); }
    /// Dotted name from a dotted_name node ("os.path"), NFKC-folded.
    std::string dottedName(std::int32_t node) const;
    /// Is the name this identifier uses bound by an import in the scope the use sees?
    bool isImportBound(std::int32_t identifierNode) const;
    /// Is it bound by an assignment, parameter, loop, definition, `as` or capture in that scope?
    bool isLocallyBound(std::int32_t identifierNode) const;
    /// The value node of `name = value` when the name this identifier uses is bound exactly once in the
    /// scope the use sees, else -1.
    std::int32_t singleValue(std::int32_t identifierNode) const;
    /// The scope a node is evaluated in: the module (node 0) or a function, lambda, class or
    /// comprehension node. Default values, decorators and a comprehension's first iterable belong to the
    /// enclosing scope, as in Python.
    std::int32_t scopeOf(std::int32_t node) const
    {
        return m_scopeOf.empty() ? 0 : m_scopeOf[static_cast<std::size_t>(node)];
    }
    /// The scope whose binding of `name` a use at `node` sees: the innermost enclosing scope that binds
    /// it, skipping class bodies for code nested in them (global/nonlocal declarations followed), or -1
    /// when no scope of the file binds it (a builtin, a star import or an undefined name).
    std::int32_t lookupScope(std::string_view name, std::int32_t node) const;

private:
    // Scopes (scopes.cpp). Every binding table is keyed by scopedKey(name, scope).
    void collectScopes();
    /// The scope a binding of `name` made at `node` goes to (global/nonlocal declarations followed;
    /// `walrus`: an assignment expression in a comprehension binds in the enclosing function).
    std::int32_t bindingScope(std::string_view name, std::int32_t node, bool walrus = false) const;
    /// Records that `scope` binds `name` and returns the key of that binding.
    std::string bind(std::string_view name, std::int32_t scope);
    /// The key of `name` as the use at `node` sees it, or an empty string when no scope binds it.
    std::string useKey(std::string_view name, std::int32_t node) const;
    static std::string scopedKey(std::string_view name, std::int32_t scope);

    void bindTarget(std::int32_t target, std::int32_t value, bool walrus = false);
    void collectImport(std::int32_t node);
    // Bindings that follow values into functions, loops and patterns (bindings.cpp).
    void bindValue(std::int32_t nameNode, std::int32_t value);
    void bindParameters(std::int32_t parameters, std::int32_t call, std::int32_t firstArgument);
    void bindMatch(std::int32_t match);
    void bindPattern(std::int32_t pattern, std::int32_t subject, const std::string& suffix);
    void collectFlowBindings(const std::vector<std::int32_t>& calls, const std::vector<std::int32_t>& loops,
                             const std::vector<std::int32_t>& matches);
    /// A binding to "what `node` resolves to" + suffix: match captures (`case object(system=s)`).
    struct DerivedBinding
    {
        std::int32_t node;
        std::string suffix;
    };
    /// What one resolveImpl call (and the calls below it) used of the depth and budget limits.
    struct ResolveTrace
    {
        bool limited = false; ///< a limit cut the resolution short somewhere below
        int maxDepth = 0;
    };
    struct ResolveMemo
    {
        std::vector<std::string> names;
        int budgetUsed = 0;
        int depthSpan = 0;
    };
    std::vector<std::string> resolveImpl(std::int32_t node, int depth, int& budget,
                                         ResolveTrace& trace) const;
    std::vector<std::string> resolveUncached(std::int32_t node, int depth, int& budget,
                                             ResolveTrace& trace) const;
    std::optional<std::string> foldImpl(std::int32_t node, int depth) const;

    const SyntaxTree& m_tree;
    const Policy& m_policy;
    std::vector<RawFinding> m_findings;
    std::set<std::string> m_imports;
    StringMap<std::vector<std::string>> m_importBindings;
    StringMap<std::vector<std::int32_t>> m_valueBindings;
    StringMap<int> m_bindingCount;
    StringSet m_localNames;
    std::vector<std::string> m_starModules;
    StringMap<std::vector<DerivedBinding>> m_derivedBindings;
    StringMap<std::int32_t> m_functions; ///< def name → function_definition node
    StringSet m_flowNames;               ///< parameters bound to an import by bindParameters
    /// `*args` parameters: the arguments (bound like bindParameters' values) and their positions in args.
    struct SplatValue
    {
        std::int32_t node;
        std::int32_t position;
    };
    StringMap<std::vector<SplatValue>> m_splatValues;
    std::vector<std::int32_t> m_scopeOf;                  ///< per node: the scope it is evaluated in
    StringMap<std::vector<std::int32_t>> m_bindingScopes; ///< name → the scopes that bind it
    /// name → (scope, target): `global name` / `nonlocal name` in scope sends its bindings to target.
    StringMap<std::vector<std::pair<std::int32_t, std::int32_t>>> m_declared;
    // Caches: NFKC-folded names of non-ASCII identifiers, and resolutions.
    mutable std::unordered_map<std::int32_t, std::string> m_foldedNames;
    // Per node: index into the stores below, or -1. The deque keeps resolve()'s references stable.
    mutable std::vector<std::int32_t> m_resolvedIndex;
    mutable std::deque<std::vector<std::string>> m_resolved;
    mutable std::vector<std::int32_t> m_memoIndex;
    mutable std::vector<ResolveMemo> m_memos;
};

/// Rule checks over every node (checks.cpp).
void runChecks(Analysis& analysis);
/// AgentRun 0.2.5's own verdict on source that parses, reproduced (legacy.cpp). Adds at most one
/// finding, marked first. (Its syntax-error verdict is made by the analyzer, which owns syntax errors.)
void runAgentRunCompat(Analysis& analysis);
/// Python's repr() of a tuple of str, as AgentRun prints RestrictedPython's errors.
std::string pythonTupleRepr(const std::vector<std::string>& items);

inline constexpr std::uint64_t parseTimeoutMicros = 2'000'000;
inline constexpr int maxTreeDepth = 1000;

/// Parses the text the analysis reads (the source without a byte-order mark).
using ParseFunction =
    std::function<SyntaxTree(std::string_view text, std::uint64_t timeoutMicros, int maxDepth)>;

/// analyze() with the parse supplied: the incremental analyzer passes one that re-uses its previous
/// tree. `parse` is called at most once, and not at all when the source fails a check before parsing.
Report analyzeWith(std::string_view source, const Policy& policy, const ParseFunction& parse);

/// Normalises a qualified name: "builtins.eval" → "eval", "posix.system" → "os.system".
std::string normalizeQualified(std::string name);

} // namespace agentrun::safety
