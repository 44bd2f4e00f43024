// AgentRun 0.2.5's safety check, reproduced for the agentrun-compat preset: first its AST pre-check
// (ast.walk order: breadth first), then its RestrictedPython compile (errors in visiting order).

#include "analysis.h"
#include "rules.h"

#include <algorithm>
#include <array>

namespace agentrun::safety {

namespace {

using namespace std::string_view_literals;

constexpr std::array unsafeModules{"os"sv, "sys"sv, "subprocess"sv, "builtins"sv};
constexpr std::array unsafeFunctions{"exec"sv,       "eval"sv,    "compile"sv, "open"sv,    "input"sv,
                                     "__import__"sv, "getattr"sv, "setattr"sv, "delattr"sv, "hasattr"sv};
constexpr std::array dangerousBuiltins{"globals"sv, "locals"sv, "vars"sv,   "dir"sv,
                                       "eval"sv,    "exec"sv,   "compile"sv};
// RestrictedPython allows these dunder method names in function definitions.
constexpr std::array allowedFunctionNames{"__init__"sv, "__contains__"sv, "__lt__"sv, "__le__"sv,
                                          "__eq__"sv,   "__ne__"sv,       "__gt__"sv, "__ge__"sv};

template <std::size_t N> bool in(const std::array<std::string_view, N>& list, std::string_view value)
{
    return std::ranges::find(list, value) != list.end();
}

std::string topLevel(const std::string& module)
{
    return module.substr(0, module.find('.'));
}

std::string pythonRepr(const std::string& text)
{
    const bool hasSingle = text.find('\'') != std::string::npos;
    const bool hasDouble = text.find('"') != std::string::npos;
    const char quote = hasSingle && !hasDouble ? '"' : '\'';
    std::string out(1, quote);
    for (const char c : text) {
        if (c == '\\' || c == quote) {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\r') {
            out += "\\r";
        } else {
            out += c;
        }
    }
    return out + quote;
}

struct Hit
{
    int depth = 0;
    std::int32_t node = -1;
    std::string rule;
    std::string message;
};

class Emulation
{
public:
    explicit Emulation(Analysis& analysis) : a(analysis), t(analysis.tree()) {}

    void run()
    {
        computeDepths();
        if (const auto hit = precheck()) {
            a.report(hit->rule, t.node(hit->node).startByte, t.node(hit->node).endByte, hit->message, true);
            return;
        }
        const auto errors = restrictedPython();
        if (!errors.empty()) {
            std::vector<std::string> texts;
            for (const auto& e : errors)
                texts.push_back(e.message);
            a.report(rules::restrictedPython, t.node(errors.front().node).startByte,
                     t.node(errors.front().node).endByte,
                     "RestrictedPython detected an unsafe pattern: " + pythonTupleRepr(texts), true);
        }
    }

private:
    Analysis& a;
    const SyntaxTree& t;
    std::vector<int> depth; // depth in Python's ast, not in tree-sitter's tree

    bool isAstNode(std::int32_t i) const
    {
        const Node& n = t.node(i);
        if (!n.named)
            return false;
        switch (n.kind) {
        case Kind::Block:
        case Kind::ArgumentList:
        case Kind::ParenthesizedExpression:
        case Kind::DecoratedDefinition:
        case Kind::Decorator:
        case Kind::Comment:
        case Kind::StringStart:
        case Kind::StringContent:
        case Kind::StringEnd:
        case Kind::DottedName:
            return false;
        case Kind::ExpressionStatement: {
            const auto children = t.namedChildren(i);
            return !(children.size() == 1 && (t.node(children[0]).kind == Kind::Assignment ||
                                              t.node(children[0]).kind == Kind::AugmentedAssignment));
        }
        default:
            return t.typeName(i) != "with_clause" && t.typeName(i) != "else_clause" &&
                   t.typeName(i) != "finally_clause";
        }
    }

    void computeDepths()
    {
        depth.assign(t.size(), 0);
        for (std::int32_t i = 1; i < static_cast<std::int32_t>(t.size()); ++i) {
            const std::int32_t parent = t.node(i).parent;
            depth[static_cast<std::size_t>(i)] =
                (parent >= 0 ? depth[static_cast<std::size_t>(parent)] : 0) + (isAstNode(i) ? 1 : 0);
        }
    }

    std::optional<Hit> precheck() const
    {
        std::optional<Hit> best;
        auto consider = [&](std::int32_t node, std::string_view rule, std::string message) {
            const int d = depth[static_cast<std::size_t>(node)];
            if (!best || d < best->depth)
                best = Hit{d, node, std::string(rule), std::move(message)};
        };
        for (std::int32_t i = 0; i < static_cast<std::int32_t>(t.size()); ++i) {
            const Node& n = t.node(i);
            if (best && depth[static_cast<std::size_t>(i)] >= best->depth)
                continue;
            if (n.kind == Kind::Call) {
                const std::int32_t function = t.child(i, Field::Function);
                if (function < 0)
                    continue;
                const Kind fk = t.node(function).kind;
                const std::string name = fk == Kind::Identifier ? a.identifier(function) : std::string();
                if (!name.empty() && in(dangerousBuiltins, name)) {
                    consider(i, rules::blockedCall, "Use of dangerous built-in function: " + name);
                } else if (!name.empty() && in(unsafeFunctions, name)) {
                    consider(i, rules::blockedCall, "Unsafe function call: " + name);
                } else if (fk == Kind::Attribute) {
                    const std::int32_t attr = t.child(function, Field::AttributeName);
                    const std::string attrName = attr >= 0 ? a.identifier(attr) : std::string();
                    if (in(unsafeFunctions, attrName))
                        consider(i, rules::blockedCall, "Unsafe function call: " + attrName);
                }
            } else if (n.kind == Kind::ImportStatement || n.kind == Kind::ImportFromStatement) {
                if (auto message = importVerdict(i))
                    consider(i, rules::blockedModule, std::move(*message));
            }
        }
        return best;
    }

    std::optional<std::string> importVerdict(std::int32_t node) const
    {
        std::string module; // ImportFrom's node.module (without the leading dots of a relative import)
        if (t.node(node).kind == Kind::ImportFromStatement) {
            const std::int32_t moduleNode = t.child(node, Field::ModuleName);
            if (moduleNode >= 0) {
                const std::int32_t dotted = t.node(moduleNode).kind == Kind::RelativeImport
                                                ? t.childOfKind(moduleNode, Kind::DottedName)
                                                : moduleNode;
                if (dotted >= 0)
                    module = a.dottedName(dotted);
            }
        }
        for (std::int32_t c = t.node(node).firstChild; c >= 0; c = t.node(c).nextSibling) {
            const Node& item = t.node(c);
            const bool isName =
                t.node(node).kind == Kind::ImportStatement ? item.named : item.field == Field::Name;
            if (!isName || (item.kind != Kind::DottedName && item.kind != Kind::AliasedImport))
                continue;
            if (!module.empty() && in(unsafeModules, topLevel(module)))
                return "Unsafe module import: " + module;
            const std::int32_t nameNode = item.kind == Kind::AliasedImport ? t.child(c, Field::Name) : c;
            const std::string name = nameNode >= 0 ? a.dottedName(nameNode) : std::string();
            if (in(unsafeModules, topLevel(name)))
                return "Unsafe module import: " + name;
        }
        return std::nullopt;
    }

    struct Error
    {
        std::int32_t node;
        std::string message;
    };

    std::vector<Error> restrictedPython() const
    {
        std::vector<Error> errors;
        auto error = [&](std::int32_t node, const std::string& info) {
            errors.push_back({node, "Line " + std::to_string(t.node(node).startRow + 1) + ": " + info});
        };
        auto checkName = [&](std::int32_t node, const std::string& name) {
            if (name.starts_with("_") && name != "_")
                error(node, "\"" + name + "\" is an invalid variable name because it starts with \"_\"");
            else if (name.ends_with("__roles__"))
                error(node,
                      "\"" + name + "\" is an invalid variable name because it ends with \"__roles__\".");
            else if (name == "printed")
                error(node, "\"printed\" is a reserved name.");
        };
        auto notAllowed = [&](std::int32_t node, std::string_view what) {
            error(node, std::string(what) + " statements are not allowed.");
        };
        for (std::int32_t i = 0; i < static_cast<std::int32_t>(t.size()); ++i) {
            const Node& n = t.node(i);
            const Kind parent = n.parent >= 0 ? t.node(n.parent).kind : Kind::Other;
            switch (n.kind) {
            case Kind::Identifier: {
                if ((parent == Kind::Attribute && n.field == Field::AttributeName) ||
                    parent == Kind::KeywordArgument || parent == Kind::KeywordPattern ||
                    parent == Kind::DottedName || parent == Kind::AliasedImport)
                    break;
                const std::string name = a.identifier(i);
                if (parent == Kind::FunctionDefinition && n.field == Field::Name &&
                    in(allowedFunctionNames, name))
                    break;
                checkName(i, name);
                break;
            }
            case Kind::DottedName:
                if (parent == Kind::ImportStatement ||
                    (parent == Kind::ImportFromStatement && n.field == Field::Name) ||
                    (parent == Kind::AliasedImport && n.field == Field::Name))
                    checkName(i, a.dottedName(i));
                break;
            case Kind::AliasedImport:
                if (const std::int32_t alias = t.child(i, Field::Alias); alias >= 0)
                    checkName(alias, a.identifier(alias));
                break;
            case Kind::Attribute: {
                const std::int32_t attr = t.child(i, Field::AttributeName);
                const std::string name = attr >= 0 ? a.identifier(attr) : std::string();
                if (name.starts_with("_") && name != "_")
                    error(i, "\"" + name + "\" is an invalid attribute name because it starts with \"_\".");
                if (name.ends_with("__roles__"))
                    error(i, "\"" + name +
                                 "\" is an invalid attribute name because it ends with \"__roles__\".");
                break;
            }
            case Kind::FunctionDefinition:
                if (t.hasToken(i, "async"))
                    notAllowed(i, "AsyncFunctionDef");
                break;
            case Kind::ForStatement:
                if (t.hasToken(i, "async"))
                    notAllowed(i, "AsyncFor");
                break;
            case Kind::Await:
                notAllowed(i, "Await");
                break;
            case Kind::Assignment:
                if (t.child(i, Field::Type) >= 0)
                    notAllowed(i, "AnnAssign");
                break;
            case Kind::MatchStatement:
                notAllowed(i, "Match");
                break;
            case Kind::TypeAliasStatement:
                notAllowed(i, "TypeAlias");
                break;
            case Kind::ClassDefinition:
                if (const std::int32_t supers = t.childOfKind(i, Kind::ArgumentList); supers >= 0)
                    for (const std::int32_t arg : t.namedChildren(supers))
                        if (t.node(arg).kind == Kind::KeywordArgument &&
                            a.identifier(t.child(arg, Field::Name)) == "metaclass")
                            error(i, "The keyword argument \"metaclass\" is not allowed.");
                break;
            default:
                if (n.named && t.typeName(i) == "with_statement" && t.hasToken(i, "async"))
                    notAllowed(i, "AsyncWith");
                break;
            }
        }
        return errors;
    }
};

} // namespace

std::string pythonTupleRepr(const std::vector<std::string>& items)
{
    std::string out = "(";
    for (std::size_t i = 0; i < items.size(); ++i)
        out += (i ? ", " : "") + pythonRepr(items[i]);
    return out + (items.size() == 1 ? ",)" : ")");
}

void runAgentRunCompat(Analysis& analysis)
{
    Emulation(analysis).run();
}

} // namespace agentrun::safety
