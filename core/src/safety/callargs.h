#pragma once

// Arguments of a call node, for the checks that judge calls by what they are given.

#include "analysis.h"

#include <string_view>
#include <vector>

namespace agentrun::safety {

struct CallArgs
{
    std::vector<std::int32_t> positional;
    std::vector<std::pair<std::string, std::int32_t>> keywords; ///< name → value node

    CallArgs(const Analysis& a, std::int32_t call)
    {
        const SyntaxTree& t = a.tree();
        const std::int32_t args = t.child(call, Field::Arguments);
        if (args < 0 || t.node(args).kind != Kind::ArgumentList)
            return;
        for (const std::int32_t arg : t.namedChildren(args)) {
            if (t.node(arg).kind == Kind::KeywordArgument) {
                const std::int32_t key = t.child(arg, Field::Name);
                if (key >= 0)
                    keywords.emplace_back(a.identifier(key), t.child(arg, Field::Value));
            } else {
                positional.push_back(arg);
            }
        }
    }

    /// The argument passed at this position or under this keyword, or -1.
    std::int32_t get(std::size_t index, std::string_view keyword = {}) const
    {
        if (index < positional.size())
            return positional[index];
        for (const auto& [name, value] : keywords)
            if (!keyword.empty() && name == keyword)
                return value;
        return -1;
    }

    std::int32_t keyword(std::string_view name) const { return get(static_cast<std::size_t>(-1), name); }
};

inline bool anyOf(const std::vector<std::string>& names, std::string_view value)
{
    for (const auto& n : names)
        if (n == value)
            return true;
    return false;
}

/// Checks of issue 20's families that judge calls, assignments and strings (evasion.cpp, paths.cpp).
void runEvasionChecks(Analysis& analysis);
/// Path-shaped checks: system-path writes, secrets, file-system walks, archives (paths.cpp).
void checkPathCall(Analysis& analysis, std::int32_t call, const std::vector<std::string>& callee);
/// A literal (or folded) string seen on its own: secret files, site-packages and customize files.
void checkPathString(Analysis& analysis, std::int32_t node, std::string_view value);
/// Is this callee judged by its arguments in evasion.cpp (code sinks, resolvers, DNS, ioctl)?
bool isJudgedByArguments(std::string_view name);

} // namespace agentrun::safety
