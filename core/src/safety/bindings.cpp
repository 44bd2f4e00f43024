// Bindings that follow values where a flow-insensitive alias table does not reach: the arguments of
// immediately-invoked lambdas and of calls to functions defined in the file, the elements of literal
// sequences a loop walks, and the captures of match patterns. `(lambda o: o.system("id"))(os)` and
// `match os: case object(system=s): s("id")` resolve like `os.system`. Bindings respect Python's scopes
// (scopes.cpp): a parameter stands for the values passed to that function's parameter, not to another
// function's parameter of the same name. Within one scope the analysis stays flow-insensitive.

#include "analysis.h"
#include "rules.h"

#include <algorithm>

namespace agentrun::safety {

namespace {

/// The node inside any parentheses: `((lambda x: x))` → the lambda.
std::int32_t unparenthesize(const SyntaxTree& tree, std::int32_t node)
{
    while (node >= 0 && tree.node(node).kind == Kind::ParenthesizedExpression) {
        const auto inner = tree.namedChildren(node);
        if (inner.size() != 1)
            return -1;
        node = inner.front();
    }
    return node;
}

bool isSequenceLiteral(const SyntaxTree& tree, std::int32_t node)
{
    if (node < 0)
        return false;
    const Kind k = tree.node(node).kind;
    return k == Kind::List || k == Kind::Tuple || tree.typeName(node) == "set";
}

} // namespace

void Analysis::bindValue(std::int32_t nameNode, std::int32_t value)
{
    if (value < 0 || nameNode < 0)
        return;
    const std::string_view name = this->name(nameNode);
    if (name.empty())
        return;
    auto& values = m_valueBindings[bind(name, bindingScope(name, nameNode))];
    if (values.size() < 16) // bounded: a name passed in many places resolves to the first few values
        values.push_back(value);
}

void Analysis::bindParameters(std::int32_t parameters, std::int32_t call, std::int32_t firstArgument)
{
    if (parameters < 0 || call < 0)
        return;
    const std::int32_t args = m_tree.child(call, Field::Arguments);
    if (args < 0 || m_tree.node(args).kind != Kind::ArgumentList)
        return;
    std::vector<std::int32_t> positional;
    std::vector<std::pair<std::string, std::int32_t>> keywords;
    for (const std::int32_t arg : m_tree.namedChildren(args)) {
        if (m_tree.node(arg).kind == Kind::KeywordArgument) {
            const std::int32_t key = m_tree.child(arg, Field::Name);
            if (key >= 0)
                keywords.emplace_back(identifier(key), m_tree.child(arg, Field::Value));
        } else if (m_tree.node(arg).kind != Kind::ListSplatPattern && m_tree.typeName(arg) != "list_splat" &&
                   m_tree.typeName(arg) != "dictionary_splat") {
            positional.push_back(arg);
        }
    }
    // Only names and attribute chains rooted in an import (or in a name bound this way before:
    // nested lambdas) can carry a module or one of its functions into the body. Binding every
    // argument would make every parameter resolve through every call site, for nothing.
    auto carries = [&](std::int32_t value) {
        std::int32_t root = value;
        while (root >= 0 && m_tree.node(root).kind == Kind::Attribute)
            root = m_tree.child(root, Field::Object);
        if (root < 0 || m_tree.node(root).kind != Kind::Identifier)
            return false;
        return isImportBound(root) || m_flowNames.contains(useKey(this->name(root), root));
    };
    std::size_t index = static_cast<std::size_t>(std::max(firstArgument, 0));
    bool keywordOnly = false;
    for (const std::int32_t param : m_tree.namedChildren(parameters)) {
        const Kind k = m_tree.node(param).kind;
        std::int32_t nameNode = -1;
        if (k == Kind::Identifier)
            nameNode = param;
        else if (k == Kind::DefaultParameter || k == Kind::TypedDefaultParameter)
            nameNode = m_tree.child(param, Field::Name);
        else if (k == Kind::TypedParameter)
            nameNode = m_tree.childOfKind(param, Kind::Identifier);
        else if (k == Kind::ListSplatPattern || k == Kind::DictionarySplatPattern ||
                 m_tree.typeName(param) == "keyword_separator") {
            // *args swallows the rest of the positional arguments: `args[i]` is the i-th of them.
            const std::int32_t splat =
                k == Kind::ListSplatPattern ? m_tree.childOfKind(param, Kind::Identifier) : -1;
            if (splat >= 0 && !keywordOnly) {
                const std::string_view name = this->name(splat);
                const std::string key = scopedKey(name, bindingScope(name, splat));
                for (std::size_t i = index; i < positional.size(); ++i) {
                    if (!carries(positional[i]))
                        continue;
                    auto& items = m_splatValues[key];
                    if (items.size() < 16) // bounded like bindValue
                        items.push_back({positional[i], static_cast<std::int32_t>(i - index)});
                }
            }
            keywordOnly = true;
            continue;
        }
        if (nameNode < 0 || m_tree.node(nameNode).kind != Kind::Identifier)
            continue;
        const std::string_view name = this->name(nameNode);
        const std::string key = scopedKey(name, bindingScope(name, nameNode));
        if (!keywordOnly && index < positional.size()) {
            if (carries(positional[index])) {
                bindValue(nameNode, positional[index]);
                m_flowNames.insert(key);
            }
            ++index;
        }
        for (const auto& [keyword, value] : keywords)
            if (keyword == name && carries(value)) {
                bindValue(nameNode, value);
                m_flowNames.insert(key);
            }
    }
}

void Analysis::bindPattern(std::int32_t pattern, std::int32_t subject, const std::string& suffix)
{
    if (pattern < 0 || subject < 0)
        return;
    const std::string_view type = m_tree.typeName(pattern);
    auto bindCapture = [&](std::int32_t identifierNode) {
        const std::string_view name = this->name(identifierNode);
        if (name == "_")
            return;
        const std::string key = bind(name, bindingScope(name, identifierNode));
        m_localNames.insert(key);
        auto& list = m_derivedBindings[key];
        if (list.size() < 16)
            list.push_back({subject, suffix});
    };
    if (type == "case_pattern") {
        const auto inner = m_tree.namedChildren(pattern);
        if (inner.size() == 1)
            bindPattern(inner.front(), subject, suffix);
    } else if (m_tree.node(pattern).kind == Kind::DottedName) { // a lone name is a capture
        const auto parts = m_tree.namedChildren(pattern);
        if (parts.size() == 1 && m_tree.node(parts.front()).kind == Kind::Identifier)
            bindCapture(parts.front());
    } else if (m_tree.node(pattern).kind == Kind::AsPattern) { // `case P as name`
        for (const std::int32_t c : m_tree.namedChildren(pattern)) {
            if (m_tree.node(c).kind == Kind::Identifier)
                bindCapture(c);
            else if (m_tree.node(c).kind == Kind::AsPatternTarget) {
                if (const std::int32_t id = m_tree.childOfKind(c, Kind::Identifier); id >= 0)
                    bindCapture(id);
            } else
                bindPattern(c, subject, suffix);
        }
    } else if (m_tree.node(pattern).kind == Kind::ClassPattern) { // object(system=s)
        for (const std::int32_t c : m_tree.namedChildren(pattern)) {
            if (m_tree.node(c).kind == Kind::KeywordPattern || m_tree.typeName(c) == "case_pattern") {
                const std::int32_t keyword = m_tree.node(c).kind == Kind::KeywordPattern
                                                 ? c
                                                 : m_tree.childOfKind(c, Kind::KeywordPattern);
                if (keyword < 0)
                    continue;
                const auto kids = m_tree.namedChildren(keyword);
                if (kids.size() == 2 && m_tree.node(kids[0]).kind == Kind::Identifier)
                    bindPattern(kids[1], subject, suffix + "." + identifier(kids[0]));
            }
        }
    } else if ((type == "list_pattern" || type == "tuple_pattern") && suffix.empty() &&
               isSequenceLiteral(m_tree, subject)) { // match [os]: case [m]
        const auto patterns = m_tree.namedChildren(pattern);
        const auto items = m_tree.namedChildren(subject);
        if (patterns.size() == items.size())
            for (std::size_t i = 0; i < items.size(); ++i)
                bindPattern(patterns[i], items[i], suffix);
    }
}

void Analysis::bindMatch(std::int32_t match)
{
    const auto children = m_tree.namedChildren(match);
    if (children.empty())
        return;
    const std::int32_t subject = children.front();
    for (const std::int32_t block : children) {
        if (m_tree.node(block).kind != Kind::Block)
            continue;
        for (const std::int32_t clause : m_tree.namedChildren(block))
            if (m_tree.typeName(clause) == "case_clause")
                for (const std::int32_t pattern : m_tree.namedChildren(clause))
                    if (m_tree.typeName(pattern) == "case_pattern")
                        bindPattern(pattern, subject, {});
    }
}

void Analysis::collectFlowBindings(const std::vector<std::int32_t>& calls,
                                   const std::vector<std::int32_t>& loops,
                                   const std::vector<std::int32_t>& matches)
{
    for (const std::int32_t call : calls) {
        const std::int32_t function = unparenthesize(m_tree, m_tree.child(call, Field::Function));
        if (function < 0)
            continue;
        const Node& f = m_tree.node(function);
        if (f.kind == Kind::Lambda) { // (lambda o: o.system("id"))(os)
            bindParameters(m_tree.child(function, Field::Parameters), call, 0);
            continue;
        }
        if (f.kind != Kind::Identifier)
            continue;
        const std::string_view name = this->name(function);
        const std::string key = useKey(name, function);
        if (const auto def = key.empty() ? m_functions.end() : m_functions.find(key);
            def != m_functions.end()) { // def go(m): ...; go(os)
            bindParameters(m_tree.child(def->second, Field::Parameters), call, 0);
        } else if (const std::int32_t value = unparenthesize(m_tree, singleValue(function));
                   value >= 0 && m_tree.node(value).kind == Kind::Lambda) { // run = lambda m: ...; run(os)
            bindParameters(m_tree.child(value, Field::Parameters), call, 0);
        } else if (name == "map" && !isLocallyBound(function)) { // map(lambda m: ..., [os])
            const std::int32_t args = m_tree.child(call, Field::Arguments);
            const auto argv = args >= 0 ? m_tree.namedChildren(args) : std::vector<std::int32_t>{};
            const std::int32_t fn = argv.empty() ? -1 : unparenthesize(m_tree, argv[0]);
            if (fn < 0 || m_tree.node(fn).kind != Kind::Lambda)
                continue;
            const std::int32_t params = m_tree.child(fn, Field::Parameters);
            const auto names = params >= 0 ? m_tree.namedChildren(params) : std::vector<std::int32_t>{};
            for (std::size_t i = 0; i < names.size() && i + 1 < argv.size(); ++i)
                if (m_tree.node(names[i]).kind == Kind::Identifier && isSequenceLiteral(m_tree, argv[i + 1]))
                    for (const std::int32_t item : m_tree.namedChildren(argv[i + 1]))
                        bindValue(names[i], item);
        }
    }
    for (const std::int32_t loop : loops) { // for m in [os]: ...
        const std::int32_t left = m_tree.child(loop, Field::Left);
        const std::int32_t right = unparenthesize(m_tree, m_tree.child(loop, Field::Right));
        if (left >= 0 && m_tree.node(left).kind == Kind::Identifier && isSequenceLiteral(m_tree, right))
            for (const std::int32_t item : m_tree.namedChildren(right))
                bindValue(left, item);
        // for root, dirs, files in os.walk(top): root starts at top
        if (left >= 0 && right >= 0 && m_tree.node(right).kind == Kind::Call &&
            (m_tree.node(left).kind == Kind::PatternList || m_tree.node(left).kind == Kind::Tuple)) {
            const auto& callee = resolve(m_tree.child(right, Field::Function));
            const auto targets = m_tree.namedChildren(left);
            const std::int32_t args = m_tree.child(right, Field::Arguments);
            const auto argv = args >= 0 ? m_tree.namedChildren(args) : std::vector<std::int32_t>{};
            const bool walk = std::ranges::find(callee, "os.walk") != callee.end() ||
                              std::ranges::find(callee, "os.fwalk") != callee.end();
            if (walk && !targets.empty() && !argv.empty() && m_tree.node(targets[0]).kind == Kind::Identifier)
                bindValue(targets[0], argv[0]);
        }
    }
    for (const std::int32_t match : matches)
        bindMatch(match);
}

} // namespace agentrun::safety
