#include "agentrun/safety/incremental.h"

#include "analysis.h"
#include "syntaxtree.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <vector>

#include <tree_sitter/api.h>

namespace agentrun::safety {

namespace {

/// Tree-sitter's point (row, byte column) of `offset` in `text`.
TSPoint pointAt(std::string_view text, std::size_t offset)
{
    const std::string_view before = text.substr(0, offset);
    const auto row = static_cast<std::uint32_t>(std::ranges::count(before, '\n'));
    const std::size_t lineStart = before.rfind('\n');
    const std::size_t column = lineStart == std::string_view::npos ? offset : offset - lineStart - 1;
    return {row, static_cast<std::uint32_t>(column)};
}

/// The point after `inserted` when it starts at `start`.
TSPoint pointAfter(TSPoint start, std::string_view inserted)
{
    const std::size_t lastNewline = inserted.rfind('\n');
    if (lastNewline == std::string_view::npos)
        return {start.row, start.column + static_cast<std::uint32_t>(inserted.size())};
    return {start.row + static_cast<std::uint32_t>(std::ranges::count(inserted, '\n')),
            static_cast<std::uint32_t>(inserted.size() - lastNewline - 1)};
}

constexpr std::size_t maxTreeSitterOffset = std::numeric_limits<std::uint32_t>::max();

} // namespace

struct IncrementalAnalyzer::State
{
    Policy policy;
    std::string source;
    ParserPtr parser = newPythonParser();
    /// The last parse, edited to match `source` from byte `treeOffset` on (3 after a byte-order mark);
    /// null when there is none to re-use.
    TreePtr tree;
    std::size_t treeOffset = 0;
    /// The flat tree of `tree` before the last edit (empty when it cannot be re-used: after a reset, a
    /// parse with a syntax error or too deep, a byte-order mark change) and that edit.
    std::vector<Node> flat;
    std::optional<TSInputEdit> lastEdit;
};

IncrementalAnalyzer::IncrementalAnalyzer(Policy policy) : m_state(std::make_unique<State>())
{
    m_state->policy = std::move(policy);
}

IncrementalAnalyzer::~IncrementalAnalyzer() = default;
IncrementalAnalyzer::IncrementalAnalyzer(IncrementalAnalyzer&& other) noexcept = default;
IncrementalAnalyzer& IncrementalAnalyzer::operator=(IncrementalAnalyzer&& other) noexcept = default;

const Policy& IncrementalAnalyzer::policy() const
{
    return m_state->policy;
}

void IncrementalAnalyzer::setPolicy(Policy policy)
{
    m_state->policy = std::move(policy);
}

const std::string& IncrementalAnalyzer::source() const
{
    return m_state->source;
}

Report IncrementalAnalyzer::reset(std::string source)
{
    m_state->tree.reset();
    m_state->flat.clear();
    m_state->lastEdit.reset();
    m_state->source = std::move(source);
    return check();
}

Report IncrementalAnalyzer::edit(const TextEdit& edit)
{
    State& s = *m_state;
    const std::size_t position = std::min(edit.position, s.source.size());
    const std::size_t removed = std::min(edit.removedLength, s.source.size() - position);
    const std::size_t newSize = s.source.size() - removed + edit.inserted.size();
    s.lastEdit.reset();
    if (s.tree && (position < s.treeOffset || std::max(s.source.size(), newSize) > maxTreeSitterOffset)) {
        s.tree.reset(); // the edit touches the byte-order mark, or offsets no longer fit tree-sitter's
    } else if (s.tree) {
        const std::string_view parsed = std::string_view(s.source).substr(s.treeOffset);
        const std::size_t start = position - s.treeOffset;
        TSInputEdit change{};
        change.start_byte = static_cast<std::uint32_t>(start);
        change.old_end_byte = static_cast<std::uint32_t>(start + removed);
        change.new_end_byte = static_cast<std::uint32_t>(start + edit.inserted.size());
        change.start_point = pointAt(parsed, start);
        change.old_end_point = pointAt(parsed, start + removed);
        change.new_end_point = pointAfter(change.start_point, edit.inserted);
        ts_tree_edit(s.tree.get(), &change);
        s.lastEdit = change;
    }
    s.source.replace(position, removed, edit.inserted);
    return check();
}

Report IncrementalAnalyzer::update(std::string_view source)
{
    return edit(difference(m_state->source, source));
}

TextEdit IncrementalAnalyzer::difference(std::string_view before, std::string_view after)
{
    const std::size_t limit = std::min(before.size(), after.size());
    std::size_t prefix = 0;
    while (prefix < limit && before[prefix] == after[prefix])
        ++prefix;
    std::size_t suffix = 0;
    while (suffix < limit - prefix && before[before.size() - 1 - suffix] == after[after.size() - 1 - suffix])
        ++suffix;
    return TextEdit{prefix, before.size() - prefix - suffix,
                    std::string(after.substr(prefix, after.size() - prefix - suffix))};
}

Report IncrementalAnalyzer::check()
{
    State& s = *m_state;
    bool parsed = false;
    Report report = analyzeWith(
        s.source, s.policy, [&](std::string_view text, std::uint64_t timeoutMicros, int maxDepth) {
            parsed = true;
            const auto offset = static_cast<std::size_t>(text.data() - s.source.data());
            if (offset != s.treeOffset) // a byte-order mark came or went: the old offsets are all wrong
                s.tree.reset();
            const TreePtr old = std::move(s.tree);
            s.treeOffset = offset;
            auto parse = [&](const TSTree* base) {
                ts_parser_reset(s.parser.get());
                ts_parser_set_timeout_micros(s.parser.get(), timeoutMicros);
                return TreePtr(ts_parser_parse_string(s.parser.get(), base, text.data(),
                                                      static_cast<std::uint32_t>(text.size())));
            };
            // Only an error-free result is certain to be the tree a fresh parse builds: error recovery can
            // settle differently around re-used nodes. Anything else is parsed again from scratch, and
            // while the buffer has a syntax error (the old tree has one) it is parsed from scratch at once.
            const bool reuse = old && !ts_node_has_error(ts_tree_root_node(old.get()));
            s.tree = parse(reuse ? old.get() : nullptr);
            bool incremental = reuse;
            if (reuse && (!s.tree || ts_node_has_error(ts_tree_root_node(s.tree.get())))) {
                s.tree = parse(nullptr);
                incremental = false;
            }
            if (!s.tree) {
                s.flat.clear();
                return SyntaxTree::timedOut(text);
            }
            // The statements the edit left alone are copied from the previous flat tree: flattening the
            // whole tree again through a cursor cost more than the incremental parse itself.
            std::optional<FlatReuse> flatReuse;
            if (incremental && s.lastEdit && !s.flat.empty())
                flatReuse = FlatReuse::after(s.flat, old.get(), s.tree.get(), s.lastEdit->start_byte,
                                             s.lastEdit->old_end_byte, s.lastEdit->new_end_byte,
                                             static_cast<std::int64_t>(s.lastEdit->new_end_point.row) -
                                                 static_cast<std::int64_t>(s.lastEdit->old_end_point.row));
            SyntaxTree tree =
                SyntaxTree::flatten(s.tree.get(), text, maxDepth, flatReuse ? &*flatReuse : nullptr);
            s.lastEdit.reset();
            if (tree.status() == SyntaxTree::Status::Ok &&
                !ts_node_has_error(ts_tree_root_node(s.tree.get())))
                s.flat = tree.nodes();
            else
                s.flat.clear();
            return tree;
        });
    if (!parsed) { // too large, not UTF-8, too deeply nested: nothing parsed matches this text
        s.tree.reset();
        s.flat.clear();
    }
    return report;
}

} // namespace agentrun::safety
