// Name resolution: what a name, attribute chain or call result stands for.

#include "analysis.h"
#include "rules.h"
#include "unicode.h"

#include <algorithm>
#include <charconv>

namespace agentrun::safety {

namespace {

constexpr int maxResolveDepth = 12;

bool contains(const std::vector<std::string>& list, std::string_view value)
{
    return std::ranges::find(list, value) != list.end();
}

} // namespace

std::string normalizeQualified(std::string name)
{
    for (int i = 0; i < 4; ++i) {
        if (name.starts_with("builtins."))
            name = name.substr(9);
        else if (name.starts_with("__builtins__."))
            name = name.substr(13);
        else if (name.starts_with("posix.") || name.starts_with("nt."))
            name = "os." + name.substr(name.find('.') + 1);
        else if (name == "importlib.__import__")
            name = "__import__";
        else if (name.starts_with("os.path.os.")) // posixpath imports os: os.path.os is os
            name = name.substr(8);
        else
            break;
    }
    return name;
}

std::string_view Analysis::name(std::int32_t node) const
{
    const std::string_view text = m_tree.text(node);
    if (std::ranges::all_of(text, [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
        return text; // NFKC leaves ASCII as it is
    auto it = m_foldedNames.find(node);
    if (it == m_foldedNames.end())
        it = m_foldedNames.emplace(node, unicode::nfkcIdentifier(text)).first;
    return it->second;
}

std::string Analysis::dottedName(std::int32_t node) const
{
    if (m_tree.node(node).kind == Kind::Identifier)
        return identifier(node);
    std::string out;
    for (const std::int32_t part : m_tree.namedChildren(node)) {
        if (m_tree.node(part).kind != Kind::Identifier)
            continue;
        if (!out.empty())
            out += '.';
        out += name(part);
    }
    return out;
}

std::int32_t Analysis::singleValue(std::int32_t identifierNode) const
{
    if (identifierNode < 0 || m_tree.node(identifierNode).kind != Kind::Identifier)
        return -1;
    const std::string key = useKey(name(identifierNode), identifierNode);
    if (key.empty())
        return -1;
    const auto count = m_bindingCount.find(key);
    const auto values = m_valueBindings.find(key);
    if (count == m_bindingCount.end() || count->second != 1 || values == m_valueBindings.end() ||
        values->second.size() != 1 || m_importBindings.contains(key))
        return -1;
    return values->second.front();
}

void Analysis::bindTarget(std::int32_t target, std::int32_t value, bool walrus)
{
    const Node& t = m_tree.node(target);
    if (t.kind == Kind::AsPatternTarget && t.firstChild < 0) { // `as name`: the target is the name itself
        const std::string_view name = this->name(target);
        const std::string key = bind(name, bindingScope(name, target));
        ++m_bindingCount[key];
        m_localNames.insert(key);
        return;
    }
    if (t.kind == Kind::AsPatternTarget) {
        for (const std::int32_t inner : m_tree.namedChildren(target))
            bindTarget(inner, -1);
        return;
    }
    if (t.kind == Kind::Identifier) {
        const std::string_view name = this->name(target);
        const std::string key = bind(name, bindingScope(name, target, walrus));
        ++m_bindingCount[key];
        if (value >= 0)
            m_valueBindings[key].push_back(value);
        m_localNames.insert(key);
        return;
    }
    if (t.kind == Kind::PatternList || t.kind == Kind::Tuple || t.kind == Kind::List ||
        t.kind == Kind::ParenthesizedExpression) {
        const auto targets = m_tree.namedChildren(target);
        std::vector<std::int32_t> values;
        if (value >= 0) {
            const Kind vk = m_tree.node(value).kind;
            if (vk == Kind::ExpressionList || vk == Kind::Tuple || vk == Kind::List)
                values = m_tree.namedChildren(value);
        }
        for (std::size_t i = 0; i < targets.size(); ++i)
            bindTarget(targets[i], values.size() == targets.size() ? values[i] : -1, walrus);
    }
}

void Analysis::collectImport(std::int32_t node)
{
    const Node& n = m_tree.node(node);
    if (n.kind == Kind::ImportStatement) {
        for (const std::int32_t item : m_tree.namedChildren(node)) {
            const Kind k = m_tree.node(item).kind;
            if (k == Kind::DottedName) {
                const std::string module = dottedName(item);
                const std::string top = module.substr(0, module.find('.'));
                m_importBindings[bind(top, bindingScope(top, node))].push_back(top);
                addImport(top);
            } else if (k == Kind::AliasedImport) {
                const std::int32_t name = m_tree.child(item, Field::Name);
                const std::int32_t alias = m_tree.child(item, Field::Alias);
                if (name < 0 || alias < 0)
                    continue;
                const std::string module = dottedName(name);
                const std::string_view as = this->name(alias);
                m_importBindings[bind(as, bindingScope(as, node))].push_back(module);
                addImport(module.substr(0, module.find('.')));
            }
        }
        return;
    }
    // from-import
    const std::int32_t moduleNode = m_tree.child(node, Field::ModuleName);
    if (moduleNode < 0)
        return;
    const bool relative = m_tree.node(moduleNode).kind == Kind::RelativeImport;
    const std::string module = relative ? std::string(m_tree.text(moduleNode)) : dottedName(moduleNode);
    if (!relative)
        addImport(module.substr(0, module.find('.')));
    for (std::int32_t c = n.firstChild; c >= 0; c = m_tree.node(c).nextSibling) {
        const Node& item = m_tree.node(c);
        if (item.kind == Kind::WildcardImport && !relative) {
            m_starModules.push_back(module);
        } else if (item.field == Field::Name && item.kind == Kind::DottedName) {
            const std::string name = dottedName(c);
            m_importBindings[bind(name, bindingScope(name, node))].push_back(module + "." + name);
        } else if (item.field == Field::Name && item.kind == Kind::AliasedImport) {
            const std::int32_t name = m_tree.child(c, Field::Name);
            const std::int32_t alias = m_tree.child(c, Field::Alias);
            if (name >= 0 && alias >= 0) {
                const std::string_view as = this->name(alias);
                m_importBindings[bind(as, bindingScope(as, node))].push_back(module + "." + dottedName(name));
            }
        }
    }
}

void Analysis::collectBindings()
{
    collectScopes();
    const auto& nodes = m_tree.nodes();
    std::vector<std::int32_t> calls, loops, matches;
    for (std::int32_t i = 0; i < static_cast<std::int32_t>(nodes.size()); ++i) {
        const Node& n = nodes[static_cast<std::size_t>(i)];
        switch (n.kind) {
        case Kind::ImportStatement:
        case Kind::ImportFromStatement:
            collectImport(i);
            break;
        case Kind::Assignment: {
            std::int32_t value = m_tree.child(i, Field::Right);
            while (value >= 0 && m_tree.node(value).kind == Kind::Assignment) // a = b = value
                value = m_tree.child(value, Field::Right);
            if (const std::int32_t left = m_tree.child(i, Field::Left); left >= 0)
                bindTarget(left, value);
            break;
        }
        case Kind::NamedExpression:
            if (const std::int32_t name = m_tree.child(i, Field::Name); name >= 0)
                bindTarget(name, m_tree.child(i, Field::Value), true);
            break;
        case Kind::ForStatement:
        case Kind::ForInClause:
            loops.push_back(i);
            [[fallthrough]];
        case Kind::AugmentedAssignment:
            if (const std::int32_t left = m_tree.child(i, Field::Left); left >= 0)
                bindTarget(left, -1);
            break;
        case Kind::FunctionDefinition:
            if (const std::int32_t name = m_tree.child(i, Field::Name); name >= 0)
                m_functions[bind(this->name(name), bindingScope(this->name(name), name))] = i;
            [[fallthrough]];
        case Kind::ClassDefinition:
            if (const std::int32_t name = m_tree.child(i, Field::Name); name >= 0)
                bindTarget(name, -1);
            break;
        case Kind::Call:
            calls.push_back(i);
            break;
        case Kind::MatchStatement:
            matches.push_back(i);
            break;
        case Kind::Identifier: {
            const Kind parent = n.parent >= 0 ? nodes[static_cast<std::size_t>(n.parent)].kind : Kind::Other;
            const bool parameter =
                parent == Kind::Parameters || parent == Kind::LambdaParameters ||
                parent == Kind::TypedParameter || parent == Kind::ListSplatPattern ||
                parent == Kind::DictionarySplatPattern ||
                ((parent == Kind::DefaultParameter || parent == Kind::TypedDefaultParameter) &&
                 n.field == Field::Name);
            if (parameter) {
                bindTarget(i, -1);
                // def f(s=os.system): s is os.system unless a caller passes something else
                if (parent == Kind::DefaultParameter || parent == Kind::TypedDefaultParameter)
                    bindValue(i, m_tree.child(n.parent, Field::Value));
            }
            break;
        }
        case Kind::AsPattern: // with ... as x, except E as x
            for (std::int32_t c = n.firstChild; c >= 0; c = nodes[static_cast<std::size_t>(c)].nextSibling)
                if (nodes[static_cast<std::size_t>(c)].field == Field::Alias) {
                    bindTarget(c, -1);
                    // with nullcontext(os) as m: m is what the context expression resolves to
                    const bool with =
                        n.parent >= 0 && nodes[static_cast<std::size_t>(n.parent)].kind == Kind::WithItem;
                    const std::int32_t inner = m_tree.childOfKind(c, Kind::Identifier);
                    if (with && inner >= 0 && n.firstChild >= 0 && n.firstChild != c)
                        bindValue(inner, n.firstChild);
                }
            break;
        default:
            break;
        }
    }
    collectFlowBindings(calls, loops, matches);
}

const std::vector<std::string>& Analysis::resolve(std::int32_t node) const
{
    static const std::vector<std::string> none;
    if (node < 0)
        return none;
    if (m_resolvedIndex.empty())
        m_resolvedIndex.assign(m_tree.size(), -1);
    const auto at = static_cast<std::size_t>(node);
    if (m_resolvedIndex[at] >= 0)
        return m_resolved[static_cast<std::size_t>(m_resolvedIndex[at])];
    int budget = 256;
    ResolveTrace trace;
    auto names = resolveImpl(node, 0, budget, trace);
    m_resolvedIndex[at] = static_cast<std::int32_t>(m_resolved.size());
    return m_resolved.emplace_back(std::move(names));
}

// Nested resolutions are memoised too, exactly: a result is kept only when no limit cut it short, with
// the budget it used and the depth it reached, and reused only where the same limits would not cut it
// either, so the answer (and the budget left for the caller) is what the full recursion would give.
std::vector<std::string> Analysis::resolveImpl(std::int32_t node, int depth, int& budget,
                                               ResolveTrace& trace) const
{
    if (node < 0)
        return {};
    if (m_memoIndex.empty())
        m_memoIndex.assign(m_tree.size(), -1);
    const auto at = static_cast<std::size_t>(node);
    if (const std::int32_t slot = m_memoIndex[at]; slot >= 0) {
        const ResolveMemo& memo = m_memos[static_cast<std::size_t>(slot)];
        if (depth + memo.depthSpan <= maxResolveDepth && budget - memo.budgetUsed >= 0) {
            budget -= memo.budgetUsed;
            trace.maxDepth = std::max(trace.maxDepth, depth + memo.depthSpan);
            return memo.names;
        }
    }
    ResolveTrace local;
    local.maxDepth = depth;
    const int before = budget;
    auto names = resolveUncached(node, depth, budget, local);
    if (!local.limited && m_memoIndex[at] < 0) {
        m_memoIndex[at] = static_cast<std::int32_t>(m_memos.size());
        m_memos.push_back(ResolveMemo{names, before - budget, local.maxDepth - depth});
    }
    trace.limited = trace.limited || local.limited;
    trace.maxDepth = std::max(trace.maxDepth, local.maxDepth);
    return names;
}

std::vector<std::string> Analysis::resolveUncached(std::int32_t node, int depth, int& budget,
                                                   ResolveTrace& trace) const
{
    std::vector<std::string> out;
    if (depth > maxResolveDepth || --budget < 0) {
        trace.limited = true;
        return out;
    }
    auto push = [&out](std::string name) {
        name = normalizeQualified(std::move(name));
        if (!contains(out, name))
            out.push_back(std::move(name));
    };
    const Node& n = m_tree.node(node);
    switch (n.kind) {
    case Kind::Identifier: {
        const std::string_view name = this->name(node);
        const std::int32_t scope = lookupScope(name, node);
        const std::string key = scope < 0 ? std::string() : scopedKey(name, scope);
        const auto imported = scope < 0 ? m_importBindings.end() : m_importBindings.find(key);
        if (imported != m_importBindings.end())
            for (const auto& q : imported->second)
                push(q);
        if (const auto values = scope < 0 ? m_valueBindings.end() : m_valueBindings.find(key);
            values != m_valueBindings.end())
            for (const std::int32_t v : values->second)
                for (auto& q : resolveImpl(v, depth + 1, budget, trace))
                    push(std::move(q));
        if (const auto derived = scope < 0 ? m_derivedBindings.end() : m_derivedBindings.find(key);
            derived != m_derivedBindings.end())
            for (const auto& d : derived->second)
                for (const auto& q : resolveImpl(d.node, depth + 1, budget, trace))
                    push(q + d.suffix);
        // A name bound in a function is that binding only; at module or class level the builtin is
        // still what Python finds while the binding has not run.
        const bool functionLocal = scope > 0 && m_tree.node(scope).kind != Kind::ClassDefinition;
        if (imported == m_importBindings.end() && !functionLocal && rules::isBuiltinName(name))
            push(std::string(name));
        if (out.empty() && scope < 0) { // bound nowhere the use sees
            for (const auto& star : m_starModules) {
                std::string qualified = star + "." + std::string(name);
                if (rules::findName(normalizeQualified(qualified)))
                    push(std::move(qualified));
            }
            if (out.empty())
                push(std::string(name));
        }
        break;
    }
    case Kind::Attribute: {
        const std::int32_t object = m_tree.child(node, Field::Object);
        const std::int32_t attribute = m_tree.child(node, Field::AttributeName);
        if (object < 0 || attribute < 0)
            break;
        const std::string_view attr = name(attribute);
        for (const auto& base : resolveImpl(object, depth + 1, budget, trace)) {
            std::string qualified;
            qualified.reserve(base.size() + 1 + attr.size());
            qualified.append(base).append(1, '.').append(attr);
            push(std::move(qualified));
        }
        break;
    }
    case Kind::ParenthesizedExpression: {
        const auto inner = m_tree.namedChildren(node);
        if (inner.size() == 1)
            return resolveImpl(inner.front(), depth + 1, budget, trace);
        break;
    }
    case Kind::Call: {
        const std::int32_t function = m_tree.child(node, Field::Function);
        const auto callee = resolveImpl(function, depth + 1, budget, trace);
        // What a call returns: an instance of a qualified class is "module.Class()", so that its
        // methods resolve ("cProfile.Profile().run", "trace.Trace().run").
        for (const auto& c : callee)
            if (rules::hasInstanceEntries(c)) // only classes the catalogue names methods of
                push(c + "()");
        const std::int32_t args = m_tree.child(node, Field::Arguments);
        const auto argv = args >= 0 ? m_tree.namedChildren(args) : std::vector<std::int32_t>{};
        if (argv.empty())
            break;
        const auto first = constantString(argv[0]);
        if (first && contains(callee, "__import__"))
            push(first->substr(0, first->find('.')));
        if (first && contains(callee, "importlib.import_module"))
            push(*first);
        // Resolvers return the object a dotted name names: pydoc.locate("os.system") is os.system.
        if (first &&
            std::ranges::any_of(callee, [](const std::string& c) { return rules::isNameResolver(c); })) {
            std::string target = *first;
            std::ranges::replace(target, ':', '.');
            push(std::move(target));
        }
        if (contains(callee, "contextlib.nullcontext"))
            for (auto& q : resolveImpl(argv[0], depth + 1, budget, trace))
                push(std::move(q));
        if (argv.size() >= 2 && (contains(callee, "getattr") || contains(callee, "inspect.getattr_static")))
            if (const auto attr = constantString(argv[1]))
                for (const auto& base : resolveImpl(argv[0], depth + 1, budget, trace))
                    push(base + "." + *attr);
        // operator.attrgetter("a.b")(obj) is obj.a.b
        if (function >= 0 && m_tree.node(function).kind == Kind::Call) {
            const auto& inner =
                resolveImpl(m_tree.child(function, Field::Function), depth + 1, budget, trace);
            const std::int32_t innerArgs = m_tree.child(function, Field::Arguments);
            const auto innerArgv =
                innerArgs >= 0 ? m_tree.namedChildren(innerArgs) : std::vector<std::int32_t>{};
            if (contains(inner, "operator.attrgetter") && innerArgv.size() == 1)
                if (const auto attr = constantString(innerArgv[0]))
                    for (const auto& base : resolveImpl(argv[0], depth + 1, budget, trace))
                        push(base + "." + *attr);
        }
        break;
    }
    case Kind::Subscript: {
        const std::int32_t value = m_tree.child(node, Field::Value);
        const std::int32_t key = m_tree.child(node, Field::Subscript);
        if (value < 0 || key < 0)
            break;
        // args[0] of a `*args` parameter: the first extra positional argument of the calls bound to it
        if (m_tree.node(value).kind == Kind::Identifier && !m_splatValues.empty()) {
            const std::string splatKey = useKey(name(value), value);
            if (const auto splat = splatKey.empty() ? m_splatValues.end() : m_splatValues.find(splatKey);
                splat != m_splatValues.end()) {
                const std::string_view index = m_tree.node(key).kind == Kind::Integer ? m_tree.text(key) : "";
                for (const auto& item : splat->second)
                    if (index.empty() || index == std::to_string(item.position))
                        for (auto& q : resolveImpl(item.node, depth + 1, budget, trace))
                            push(std::move(q));
                break;
            }
        }
        std::vector<std::string> containers = resolveImpl(value, depth + 1, budget, trace);
        if (m_tree.node(value).kind == Kind::Call) // globals()['os'], vars(builtins)['eval']
            for (auto& q : resolveImpl(m_tree.child(value, Field::Function), depth + 1, budget, trace))
                containers.push_back(q + "()");
        const auto name = constantString(key);
        if (!name)
            break;
        for (const auto& c : containers)
            if (c == "sys.modules" || c == "__builtins__" || c == "builtins" || c == "globals()" ||
                c == "locals()" || c == "vars()" || c.ends_with("__dict__"))
                push(*name);
        break;
    }
    default:
        break;
    }
    return out;
}

} // namespace agentrun::safety
