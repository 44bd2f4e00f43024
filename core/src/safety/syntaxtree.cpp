#include "syntaxtree.h"

#include <array>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <tree_sitter/api.h>

extern "C" const TSLanguage* tree_sitter_python(void);

namespace agentrun::safety {

namespace {

class Cursor
{
public:
    explicit Cursor(TSNode root) : m_cursor(ts_tree_cursor_new(root)) {}
    ~Cursor() { ts_tree_cursor_delete(&m_cursor); }
    Cursor(const Cursor&) = delete;
    Cursor& operator=(const Cursor&) = delete;
    TSTreeCursor* get() { return &m_cursor; }

private:
    TSTreeCursor m_cursor;
};

// Node types of tree-sitter-python 0.21.0 the analyzer has rules for. Anything else is "unknown-syntax":
// a grammar upgrade that adds syntax fails closed until the analyzer learns it.
constexpr std::array knownTypes{"aliased_import",
                                "argument_list",
                                "as_pattern",
                                "as_pattern_target",
                                "assert_statement",
                                "assignment",
                                "attribute",
                                "augmented_assignment",
                                "await",
                                "binary_operator",
                                "block",
                                "boolean_operator",
                                "break_statement",
                                "call",
                                "case_clause",
                                "case_pattern",
                                "class_definition",
                                "class_pattern",
                                "comment",
                                "comparison_operator",
                                "complex_pattern",
                                "concatenated_string",
                                "conditional_expression",
                                "constrained_type",
                                "continue_statement",
                                "decorated_definition",
                                "decorator",
                                "default_parameter",
                                "delete_statement",
                                "dict_pattern",
                                "dictionary",
                                "dictionary_comprehension",
                                "dictionary_splat",
                                "dictionary_splat_pattern",
                                "dotted_name",
                                "elif_clause",
                                "ellipsis",
                                "else_clause",
                                "escape_interpolation",
                                "escape_sequence",
                                "except_clause",
                                "except_group_clause",
                                "expression_list",
                                "expression_statement",
                                "false",
                                "finally_clause",
                                "float",
                                "for_in_clause",
                                "for_statement",
                                "format_expression",
                                "format_specifier",
                                "function_definition",
                                "future_import_statement",
                                "generator_expression",
                                "generic_type",
                                "global_statement",
                                "identifier",
                                "if_clause",
                                "if_statement",
                                "import_from_statement",
                                "import_prefix",
                                "import_statement",
                                "integer",
                                "interpolation",
                                "keyword_argument",
                                "keyword_pattern",
                                "keyword_separator",
                                "lambda",
                                "lambda_parameters",
                                "line_continuation",
                                "list",
                                "list_comprehension",
                                "list_pattern",
                                "list_splat",
                                "list_splat_pattern",
                                "match_statement",
                                "member_type",
                                "module",
                                "named_expression",
                                "none",
                                "nonlocal_statement",
                                "not_operator",
                                "pair",
                                "parameters",
                                "parenthesized_expression",
                                "parenthesized_list_splat",
                                "pass_statement",
                                "pattern_list",
                                "positional_separator",
                                "raise_statement",
                                "relative_import",
                                "return_statement",
                                "set",
                                "set_comprehension",
                                "slice",
                                "splat_pattern",
                                "splat_type",
                                "string",
                                "string_content",
                                "string_end",
                                "string_start",
                                "subscript",
                                "true",
                                "try_statement",
                                "tuple",
                                "tuple_pattern",
                                "type",
                                "type_alias_statement",
                                "type_conversion",
                                "type_parameter",
                                "typed_default_parameter",
                                "typed_parameter",
                                "unary_operator",
                                "union_pattern",
                                "union_type",
                                "while_statement",
                                "wildcard_import",
                                "with_clause",
                                "with_item",
                                "with_statement",
                                "yield",
                                "ERROR"};

const std::unordered_map<std::string_view, Kind>& kindsByName()
{
    static const std::unordered_map<std::string_view, Kind> kinds{
        {"module", Kind::Module},
        {"ERROR", Kind::Error},
        {"identifier", Kind::Identifier},
        {"attribute", Kind::Attribute},
        {"call", Kind::Call},
        {"argument_list", Kind::ArgumentList},
        {"keyword_argument", Kind::KeywordArgument},
        {"string", Kind::String},
        {"string_start", Kind::StringStart},
        {"string_content", Kind::StringContent},
        {"string_end", Kind::StringEnd},
        {"interpolation", Kind::Interpolation},
        {"escape_sequence", Kind::EscapeSequence},
        {"concatenated_string", Kind::ConcatenatedString},
        {"binary_operator", Kind::BinaryOperator},
        {"import_statement", Kind::ImportStatement},
        {"import_from_statement", Kind::ImportFromStatement},
        {"future_import_statement", Kind::FutureImportStatement},
        {"aliased_import", Kind::AliasedImport},
        {"dotted_name", Kind::DottedName},
        {"relative_import", Kind::RelativeImport},
        {"wildcard_import", Kind::WildcardImport},
        {"assignment", Kind::Assignment},
        {"augmented_assignment", Kind::AugmentedAssignment},
        {"named_expression", Kind::NamedExpression},
        {"expression_statement", Kind::ExpressionStatement},
        {"decorator", Kind::Decorator},
        {"decorated_definition", Kind::DecoratedDefinition},
        {"function_definition", Kind::FunctionDefinition},
        {"class_definition", Kind::ClassDefinition},
        {"parameters", Kind::Parameters},
        {"lambda_parameters", Kind::LambdaParameters},
        {"default_parameter", Kind::DefaultParameter},
        {"typed_parameter", Kind::TypedParameter},
        {"typed_default_parameter", Kind::TypedDefaultParameter},
        {"list_splat_pattern", Kind::ListSplatPattern},
        {"dictionary_splat_pattern", Kind::DictionarySplatPattern},
        {"keyword_pattern", Kind::KeywordPattern},
        {"class_pattern", Kind::ClassPattern},
        {"subscript", Kind::Subscript},
        {"slice", Kind::Slice},
        {"integer", Kind::Integer},
        {"list", Kind::List},
        {"tuple", Kind::Tuple},
        {"pattern_list", Kind::PatternList},
        {"expression_list", Kind::ExpressionList},
        {"parenthesized_expression", Kind::ParenthesizedExpression},
        {"for_statement", Kind::ForStatement},
        {"for_in_clause", Kind::ForInClause},
        {"as_pattern", Kind::AsPattern},
        {"as_pattern_target", Kind::AsPatternTarget},
        {"with_item", Kind::WithItem},
        {"except_clause", Kind::ExceptClause},
        {"global_statement", Kind::GlobalStatement},
        {"nonlocal_statement", Kind::NonlocalStatement},
        {"lambda", Kind::Lambda},
        {"match_statement", Kind::MatchStatement},
        {"await", Kind::Await},
        {"block", Kind::Block},
        {"comment", Kind::Comment},
        {"ellipsis", Kind::Ellipsis},
        {"type_alias_statement", Kind::TypeAliasStatement},
        {"print_statement", Kind::PrintStatement},
        {"exec_statement", Kind::ExecStatement},
        {"chevron", Kind::Chevron},
        {"list_comprehension", Kind::Comprehension},
        {"set_comprehension", Kind::Comprehension},
        {"dictionary_comprehension", Kind::Comprehension},
        {"generator_expression", Kind::Comprehension},
    };
    return kinds;
}

struct Grammar
{
    const TSLanguage* language = tree_sitter_python();
    std::vector<Kind> kinds;
    std::vector<bool> known;
    std::vector<Field> fields;

    Grammar()
    {
        const auto symbols = ts_language_symbol_count(language);
        const std::unordered_set<std::string_view> knownSet(knownTypes.begin(), knownTypes.end());
        kinds.resize(symbols, Kind::Other);
        known.resize(symbols, true);
        for (TSSymbol s = 0; s < symbols; ++s) {
            const std::string_view name = ts_language_symbol_name(language, s);
            if (const auto it = kindsByName().find(name); it != kindsByName().end())
                kinds[s] = it->second;
            if (ts_language_symbol_type(language, s) == TSSymbolTypeRegular)
                known[s] = knownSet.contains(name);
        }
        const std::unordered_map<std::string_view, Field> fieldNames{{"name", Field::Name},
                                                                     {"alias", Field::Alias},
                                                                     {"function", Field::Function},
                                                                     {"arguments", Field::Arguments},
                                                                     {"object", Field::Object},
                                                                     {"attribute", Field::AttributeName},
                                                                     {"left", Field::Left},
                                                                     {"right", Field::Right},
                                                                     {"value", Field::Value},
                                                                     {"module_name", Field::ModuleName},
                                                                     {"operator", Field::Operator},
                                                                     {"definition", Field::Definition},
                                                                     {"type", Field::Type},
                                                                     {"body", Field::Body},
                                                                     {"parameters", Field::Parameters},
                                                                     {"subscript", Field::Subscript},
                                                                     {"return_type", Field::ReturnType}};
        const auto fieldCount = ts_language_field_count(language);
        fields.resize(fieldCount + 1u, Field::Other);
        fields[0] = Field::None;
        for (TSFieldId f = 1; f <= fieldCount; ++f) {
            const char* name = ts_language_field_name_for_id(language, f);
            if (const auto it = fieldNames.find(name ? name : ""); it != fieldNames.end())
                fields[f] = it->second;
        }
    }
};

const Grammar& grammar()
{
    static const Grammar instance;
    return instance;
}

TSParser* threadParser()
{
    thread_local ParserPtr parser = newPythonParser();
    return parser.get();
}

} // namespace

void ParserDeleter::operator()(TSParser* parser) const
{
    ts_parser_delete(parser);
}

void TreeDeleter::operator()(TSTree* tree) const
{
    ts_tree_delete(tree);
}

ParserPtr newPythonParser()
{
    ParserPtr parser(ts_parser_new());
    ts_parser_set_language(parser.get(), grammar().language);
    return parser;
}

SyntaxTree SyntaxTree::parse(std::string_view source, std::uint64_t timeoutMicros, int maxDepth)
{
    TSParser* parser = threadParser();
    ts_parser_reset(parser);
    ts_parser_set_timeout_micros(parser, timeoutMicros);
    const TreePtr tsTree(
        ts_parser_parse_string(parser, nullptr, source.data(), static_cast<std::uint32_t>(source.size())));
    return tsTree ? flatten(tsTree.get(), source, maxDepth) : timedOut(source);
}

SyntaxTree SyntaxTree::timedOut(std::string_view source)
{
    SyntaxTree tree;
    tree.m_source = source;
    tree.m_status = Status::TimedOut;
    return tree;
}

namespace {

/// Copies the previous flat tree's subtree of the top-level node that matches `added` (the node just
/// appended for the same statement) after it, shifted to the new offsets. False when no previous node
/// matches or the node is not safely outside the edit.
class TopLevelReuse
{
public:
    explicit TopLevelReuse(const FlatReuse& reuse) : m_reuse(reuse)
    {
        const auto& old = *reuse.previous;
        m_next = old.empty() ? -1 : old.front().firstChild;
    }

    bool copy(std::vector<Node>& nodes, std::int32_t added)
    {
        const Node n = nodes[static_cast<std::size_t>(added)];
        const bool before = n.endByte < m_reuse.editStart;
        const bool after = n.startByte > m_reuse.newEditEnd;
        if (!before && !after)
            return false;
        for (const auto& [start, end] : m_reuse.changed)
            if (n.startByte <= end && start <= n.endByte)
                return false;
        const std::int64_t byteDelta =
            after ? static_cast<std::int64_t>(m_reuse.newEditEnd) - m_reuse.oldEditEnd : 0;
        const std::int64_t rowDelta = after ? m_reuse.rowDelta : 0;
        const auto oldStart = static_cast<std::int64_t>(n.startByte) - byteDelta;
        const auto oldEnd = static_cast<std::int64_t>(n.endByte) - byteDelta;
        const auto& old = *m_reuse.previous;
        // Top-level nodes come in byte order in both trees: one forward scan finds every match.
        while (m_next >= 0 && old[static_cast<std::size_t>(m_next)].startByte < oldStart)
            m_next = old[static_cast<std::size_t>(m_next)].nextSibling;
        if (m_next < 0)
            return false;
        const Node& match = old[static_cast<std::size_t>(m_next)];
        if (match.startByte != oldStart || match.endByte != oldEnd || match.symbol != n.symbol ||
            match.field != n.field || match.kind != n.kind ||
            static_cast<std::int64_t>(match.startRow) + rowDelta != n.startRow)
            return false;
        const std::int32_t first = m_next;
        const std::int32_t end =
            match.nextSibling >= 0 ? match.nextSibling : static_cast<std::int32_t>(old.size());
        const std::int32_t shift = added - first;
        auto remap = [shift](std::int32_t index) { return index >= 0 ? index + shift : index; };
        nodes[static_cast<std::size_t>(added)].firstChild = remap(match.firstChild);
        for (std::int32_t j = first + 1; j < end; ++j) {
            Node copy = old[static_cast<std::size_t>(j)];
            copy.startByte = static_cast<std::uint32_t>(copy.startByte + byteDelta);
            copy.endByte = static_cast<std::uint32_t>(copy.endByte + byteDelta);
            copy.startRow = static_cast<std::uint32_t>(copy.startRow + rowDelta);
            copy.parent = remap(copy.parent);
            copy.firstChild = remap(copy.firstChild);
            copy.nextSibling = remap(copy.nextSibling);
            nodes.push_back(copy);
        }
        m_next = match.nextSibling;
        return true;
    }

private:
    const FlatReuse& m_reuse;
    std::int32_t m_next = -1;
};

} // namespace

FlatReuse FlatReuse::after(const std::vector<Node>& previous, const TSTree* oldTree, const TSTree* newTree,
                           std::uint32_t editStart, std::uint32_t oldEditEnd, std::uint32_t newEditEnd,
                           std::int64_t rowDelta)
{
    FlatReuse reuse;
    reuse.previous = &previous;
    reuse.editStart = editStart;
    reuse.oldEditEnd = oldEditEnd;
    reuse.newEditEnd = newEditEnd;
    reuse.rowDelta = rowDelta;
    std::uint32_t count = 0;
    TSRange* ranges = ts_tree_get_changed_ranges(oldTree, newTree, &count);
    for (std::uint32_t i = 0; i < count; ++i)
        reuse.changed.emplace_back(ranges[i].start_byte, ranges[i].end_byte);
    std::free(ranges);
    return reuse;
}

SyntaxTree SyntaxTree::flatten(const TSTree* tsTree, std::string_view source, int maxDepth,
                               const FlatReuse* reuse)
{
    SyntaxTree tree;
    tree.m_source = source;
    const Grammar& g = grammar();
    // Ordinary Python has about one node per 2.5 bytes; one reservation avoids most regrowth copies.
    tree.m_nodes.reserve(source.size() / 2 + 16);

    Cursor cursor(ts_tree_root_node(tsTree));
    auto add = [&](std::int32_t parent) {
        const TSNode n = ts_tree_cursor_current_node(cursor.get());
        Node& node = tree.m_nodes.emplace_back();
        node.symbol = ts_node_symbol(n);
        node.kind = node.symbol < g.kinds.size() ? g.kinds[node.symbol] : Kind::Other;
        node.named = ts_node_is_named(n);
        node.missing = ts_node_is_missing(n);
        if (node.symbol == static_cast<TSSymbol>(-1))
            node.kind = Kind::Error;
        node.known =
            node.kind == Kind::Error || !node.named || node.symbol >= g.known.size() || g.known[node.symbol];
        const TSFieldId field = ts_tree_cursor_current_field_id(cursor.get());
        node.field = field < g.fields.size() ? g.fields[field] : Field::Other;
        node.startByte = ts_node_start_byte(n);
        node.endByte = ts_node_end_byte(n);
        node.startRow = ts_node_start_point(n).row;
        node.parent = parent;
        return static_cast<std::int32_t>(tree.m_nodes.size() - 1);
    };

    std::optional<TopLevelReuse> topLevel;
    if (reuse && reuse->previous && !reuse->previous->empty())
        topLevel.emplace(*reuse);
    std::vector<std::int32_t> parents;
    std::int32_t current = add(-1);
    while (true) {
        // A top-level statement copied from the previous tree: its children are already in place.
        const bool copied =
            topLevel && parents.size() == 1 && maxDepth > 1 && topLevel->copy(tree.m_nodes, current);
        if (copied) {
        } else if (static_cast<int>(parents.size()) < maxDepth) {
            if (ts_tree_cursor_goto_first_child(cursor.get())) {
                parents.push_back(current);
                const std::int32_t child = add(current);
                tree.m_nodes[static_cast<std::size_t>(current)].firstChild = child;
                current = child;
                continue;
            }
        } else if (tree.m_status == Status::Ok &&
                   ts_node_child_count(ts_tree_cursor_current_node(cursor.get())) > 0) {
            tree.m_status = Status::TooDeep;
            tree.m_deepNode = current;
        }
        bool moved = false;
        while (!(moved = ts_tree_cursor_goto_next_sibling(cursor.get()))) {
            if (parents.empty() || !ts_tree_cursor_goto_parent(cursor.get()))
                break;
            current = parents.back();
            parents.pop_back();
        }
        if (!moved)
            break;
        const std::int32_t sibling = add(parents.empty() ? -1 : parents.back());
        tree.m_nodes[static_cast<std::size_t>(current)].nextSibling = sibling;
        current = sibling;
    }
    return tree;
}

std::string_view SyntaxTree::text(std::int32_t index) const
{
    const Node& n = node(index);
    return m_source.substr(n.startByte, n.endByte - n.startByte);
}

std::string_view SyntaxTree::typeName(std::int32_t index) const
{
    return ts_language_symbol_name(grammar().language, node(index).symbol);
}

std::int32_t SyntaxTree::child(std::int32_t index, Field field) const
{
    for (std::int32_t c = node(index).firstChild; c >= 0; c = node(c).nextSibling)
        if (node(c).field == field)
            return c;
    return -1;
}

std::int32_t SyntaxTree::childOfKind(std::int32_t index, Kind kind) const
{
    for (std::int32_t c = node(index).firstChild; c >= 0; c = node(c).nextSibling)
        if (node(c).named && node(c).kind == kind)
            return c;
    return -1;
}

std::vector<std::int32_t> SyntaxTree::namedChildren(std::int32_t index) const
{
    std::vector<std::int32_t> out;
    for (std::int32_t c = node(index).firstChild; c >= 0; c = node(c).nextSibling)
        if (node(c).named && node(c).kind != Kind::Comment)
            out.push_back(c);
    return out;
}

bool SyntaxTree::hasToken(std::int32_t index, std::string_view token) const
{
    for (std::int32_t c = node(index).firstChild; c >= 0; c = node(c).nextSibling)
        if (!node(c).named && text(c) == token)
            return true;
    return false;
}

} // namespace agentrun::safety
