#pragma once

// The tree-sitter parse flattened into an array: O(1) navigation, no recursion, bounded depth.

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

struct TSParser;
struct TSTree;

namespace agentrun::safety {

struct ParserDeleter
{
    void operator()(TSParser* parser) const;
};
struct TreeDeleter
{
    void operator()(TSTree* tree) const;
};
using ParserPtr = std::unique_ptr<TSParser, ParserDeleter>;
using TreePtr = std::unique_ptr<TSTree, TreeDeleter>;

/// A new tree-sitter parser for the Python grammar.
ParserPtr newPythonParser();

enum class Kind : std::uint8_t
{
    Other,
    Module,
    Error,
    Identifier,
    Attribute,
    Call,
    ArgumentList,
    KeywordArgument,
    String,
    StringStart,
    StringContent,
    StringEnd,
    Interpolation,
    EscapeSequence,
    ConcatenatedString,
    BinaryOperator,
    ImportStatement,
    ImportFromStatement,
    FutureImportStatement,
    AliasedImport,
    DottedName,
    RelativeImport,
    WildcardImport,
    Assignment,
    AugmentedAssignment,
    NamedExpression,
    ExpressionStatement,
    Decorator,
    DecoratedDefinition,
    FunctionDefinition,
    ClassDefinition,
    Parameters,
    LambdaParameters,
    DefaultParameter,
    TypedParameter,
    TypedDefaultParameter,
    ListSplatPattern,
    DictionarySplatPattern,
    KeywordPattern,
    ClassPattern,
    Subscript,
    Slice,
    Integer,
    List,
    Tuple,
    PatternList,
    ExpressionList,
    ParenthesizedExpression,
    ForStatement,
    ForInClause,
    AsPattern,
    AsPatternTarget,
    WithItem,
    ExceptClause,
    GlobalStatement,
    NonlocalStatement,
    Lambda,
    MatchStatement,
    Await,
    Block,
    Comment,
    Ellipsis,
    TypeAliasStatement,
    PrintStatement,
    ExecStatement,
    Chevron,
    Comprehension, ///< list/set/dictionary comprehension or generator expression: a scope of its own
};

enum class Field : std::uint8_t
{
    None,
    Name,
    Alias,
    Function,
    Arguments,
    Object,
    AttributeName, ///< tree-sitter field "attribute"
    Left,
    Right,
    Value,
    ModuleName,
    Operator,
    Definition,
    Type,
    Body,
    Parameters,
    Subscript,
    ReturnType,
    Other,
};

struct Node
{
    Kind kind = Kind::Other;
    Field field = Field::None;
    bool named = false;
    bool known = true;    ///< the analyzer has rules for this node type
    bool missing = false; ///< inserted by error recovery
    std::uint16_t symbol = 0;
    std::uint32_t startByte = 0;
    std::uint32_t endByte = 0;
    std::uint32_t startRow = 0;
    std::int32_t parent = -1;
    std::int32_t firstChild = -1;
    std::int32_t nextSibling = -1;
};

/// A parsed Python source. Holds a view of the source: keep the source alive.
/// What an incremental flatten may copy from the previous flat tree instead of walking tree-sitter's
/// tree again: the previous nodes, the one edit made since (in bytes and rows of the parsed text) and
/// the ranges whose structure tree-sitter reports as changed (ts_tree_get_changed_ranges).
struct FlatReuse
{
    const std::vector<Node>* previous = nullptr; ///< flattened with status Ok and no syntax error
    std::uint32_t editStart = 0;
    std::uint32_t oldEditEnd = 0;
    std::uint32_t newEditEnd = 0;
    std::int64_t rowDelta = 0; ///< rows added (or removed, negative) by the edit
    std::vector<std::pair<std::uint32_t, std::uint32_t>> changed; ///< byte ranges, new coordinates

    /// The reuse of `previous` (the flat tree of `oldTree` before the edit) for the flatten of `newTree`,
    /// parsed from `oldTree` after ts_tree_edit with this edit.
    static FlatReuse after(const std::vector<Node>& previous, const TSTree* oldTree, const TSTree* newTree,
                           std::uint32_t editStart, std::uint32_t oldEditEnd, std::uint32_t newEditEnd,
                           std::int64_t rowDelta);
};

class SyntaxTree
{
public:
    enum class Status
    {
        Ok,
        TimedOut,
        TooDeep
    };

    /// Parses with a time budget; nodes nested deeper than maxDepth are dropped (status TooDeep, with
    /// deepNode pointing at the first dropped node's parent).
    static SyntaxTree parse(std::string_view source, std::uint64_t timeoutMicros, int maxDepth);
    /// Flattens a tree tree-sitter parsed from `source` (the incremental analyzer parses itself).
    /// With `reuse`, top-level statements that lie outside the edit and the changed ranges are copied
    /// from the previous flat tree (offsets shifted) instead of being walked node by node: the result
    /// is the same array a full flatten builds.
    static SyntaxTree flatten(const TSTree* tree, std::string_view source, int maxDepth,
                              const FlatReuse* reuse = nullptr);
    /// The result of a parse that ran out of time.
    static SyntaxTree timedOut(std::string_view source);

    Status status() const { return m_status; }
    std::int32_t deepNode() const { return m_deepNode; }
    std::string_view source() const { return m_source; }
    const std::vector<Node>& nodes() const { return m_nodes; }
    const Node& node(std::int32_t index) const { return m_nodes[static_cast<std::size_t>(index)]; }
    std::size_t size() const { return m_nodes.size(); }

    std::string_view text(std::int32_t index) const;
    std::string_view typeName(std::int32_t index) const;
    /// First child with this field, or -1.
    std::int32_t child(std::int32_t index, Field field) const;
    /// First named child of this kind, or -1.
    std::int32_t childOfKind(std::int32_t index, Kind kind) const;
    /// Named children in order.
    std::vector<std::int32_t> namedChildren(std::int32_t index) const;
    /// Has an anonymous child token with this text ("async", "*", "+").
    bool hasToken(std::int32_t index, std::string_view token) const;

private:
    std::string_view m_source;
    std::vector<Node> m_nodes;
    Status m_status = Status::Ok;
    std::int32_t m_deepNode = -1;
};

} // namespace agentrun::safety
