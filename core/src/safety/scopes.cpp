// Python's scopes for the binding tables: a name bound in one function does not leak into another or
// into the module, a parameter shadows a global of the same name, nested functions see the bindings of
// the functions around them (not of a class body around them), comprehensions have a scope of their own,
// and `global`/`nonlocal` send a function's bindings to the module or the enclosing function.

#include "analysis.h"

#include <algorithm>

namespace agentrun::safety {

namespace {

bool isFunctionLike(Kind kind)
{
    return kind == Kind::FunctionDefinition || kind == Kind::Lambda;
}

} // namespace

std::string Analysis::scopedKey(std::string_view name, std::int32_t scope)
{
    // The scope's bytes after a separator no identifier contains: short names stay within the
    // string's small buffer, so most keys allocate nothing.
    std::string key;
    key.reserve(name.size() + 1 + sizeof scope);
    key.append(name).append(1, '\x1f');
    key.append(reinterpret_cast<const char*>(&scope), sizeof scope);
    return key;
}

void Analysis::collectScopes()
{
    const auto& nodes = m_tree.nodes();
    m_scopeOf.assign(nodes.size(), 0);
    for (std::size_t i = 1; i < nodes.size(); ++i) {
        const Node& n = nodes[i];
        if (n.parent < 0)
            continue;
        const auto parent = static_cast<std::size_t>(n.parent);
        const Node& p = nodes[parent];
        std::int32_t scope = m_scopeOf[parent];
        switch (p.kind) {
        case Kind::FunctionDefinition:
        case Kind::Lambda:
            if (n.field == Field::Body || n.field == Field::Parameters)
                scope = n.parent;
            break;
        case Kind::ClassDefinition:
            if (n.field == Field::Body)
                scope = n.parent;
            break;
        case Kind::Comprehension:
            scope = n.parent;
            break;
        case Kind::DefaultParameter:
        case Kind::TypedDefaultParameter:
        case Kind::TypedParameter:
            // Defaults and annotations are evaluated where the function is defined.
            if ((n.field == Field::Value || n.field == Field::Type) &&
                isFunctionLike(nodes[static_cast<std::size_t>(scope)].kind))
                scope = m_scopeOf[static_cast<std::size_t>(scope)];
            break;
        case Kind::ForInClause:
            // The first iterable of a comprehension is evaluated in the enclosing scope.
            if (n.field == Field::Right &&
                nodes[static_cast<std::size_t>(scope)].kind == Kind::Comprehension) {
                std::int32_t first = nodes[static_cast<std::size_t>(scope)].firstChild;
                while (first >= 0 && nodes[static_cast<std::size_t>(first)].kind != Kind::ForInClause)
                    first = nodes[static_cast<std::size_t>(first)].nextSibling;
                if (first == n.parent)
                    scope = m_scopeOf[static_cast<std::size_t>(scope)];
            }
            break;
        default:
            break;
        }
        m_scopeOf[i] = scope;
        if (n.kind != Kind::GlobalStatement && n.kind != Kind::NonlocalStatement)
            continue;
        std::int32_t target = 0;
        if (n.kind == Kind::NonlocalStatement) { // the nearest enclosing function
            target = m_scopeOf[static_cast<std::size_t>(scope)];
            while (target != 0 && !isFunctionLike(nodes[static_cast<std::size_t>(target)].kind))
                target = m_scopeOf[static_cast<std::size_t>(target)];
        }
        for (std::int32_t c = n.firstChild; c >= 0; c = nodes[static_cast<std::size_t>(c)].nextSibling)
            if (nodes[static_cast<std::size_t>(c)].kind == Kind::Identifier) {
                auto& list = m_declared[std::string(name(c))];
                if (list.size() < 64)
                    list.emplace_back(scope, target);
            }
    }
}

std::int32_t Analysis::bindingScope(std::string_view name, std::int32_t node, bool walrus) const
{
    std::int32_t scope = scopeOf(node);
    if (walrus) // `[y := f(x) for x in data]` binds y in the function around the comprehension
        while (scope != 0 && m_tree.node(scope).kind == Kind::Comprehension)
            scope = scopeOf(scope);
    if (m_declared.empty())
        return scope;
    if (const auto declared = m_declared.find(name); declared != m_declared.end())
        for (const auto& [from, to] : declared->second)
            if (from == scope)
                return to;
    return scope;
}

std::string Analysis::bind(std::string_view name, std::int32_t scope)
{
    auto found = m_bindingScopes.find(name);
    if (found == m_bindingScopes.end())
        found = m_bindingScopes.emplace(std::string(name), std::vector<std::int32_t>{}).first;
    auto& scopes = found->second;
    if (std::ranges::find(scopes, scope) == scopes.end())
        scopes.push_back(scope);
    return scopedKey(name, scope);
}

std::int32_t Analysis::lookupScope(std::string_view name, std::int32_t node) const
{
    std::int32_t scope = scopeOf(node);
    if (!m_declared.empty())
        if (const auto declared = m_declared.find(name); declared != m_declared.end())
            for (const auto& [from, to] : declared->second)
                if (from == scope)
                    return to;
    const auto bound = m_bindingScopes.find(name);
    if (bound == m_bindingScopes.end())
        return -1;
    const auto& scopes = bound->second;
    for (bool first = true;; first = false) {
        // A class body's names are seen by the code directly in it, not by functions nested in it.
        const bool visible = first || m_tree.node(scope).kind != Kind::ClassDefinition;
        if (visible && std::ranges::find(scopes, scope) != scopes.end())
            return scope;
        if (scope == 0)
            return -1;
        scope = scopeOf(scope);
    }
}

std::string Analysis::useKey(std::string_view name, std::int32_t node) const
{
    const std::int32_t scope = lookupScope(name, node);
    return scope < 0 ? std::string() : scopedKey(name, scope);
}

bool Analysis::isImportBound(std::int32_t identifierNode) const
{
    const std::string key = useKey(name(identifierNode), identifierNode);
    return !key.empty() && m_importBindings.contains(key);
}

bool Analysis::isLocallyBound(std::int32_t identifierNode) const
{
    const std::string key = useKey(name(identifierNode), identifierNode);
    return !key.empty() && m_localNames.contains(key);
}

} // namespace agentrun::safety
