#include "agentrun/deps/whitelist.h"

#include "agentrun/errorcodes.h"

namespace agentrun::deps {

Result<Whitelist> Whitelist::parse(const std::vector<std::string>& entries)
{
    Whitelist whitelist;
    for (const auto& entry : entries) {
        const auto first = entry.find_first_not_of(" \t");
        const auto last = entry.find_last_not_of(" \t");
        if (first != std::string::npos && first == last && entry[first] == '*') {
            whitelist.m_any = true;
            continue;
        }
        auto requirement = parseRequirement(entry);
        if (!requirement) {
            return std::unexpected(requirement.error());
        }
        auto [it, inserted] = whitelist.m_entries.emplace(requirement->name, requirement->specifier);
        if (!inserted && it->second != requirement->specifier) {
            // Two different pins for one name: which one was meant is a guess, so say so instead.
            return fail(errc::DepsSpec, "The whitelist pins " + requirement->name + " twice (\"" +
                                            it->second + "\" and \"" + requirement->specifier +
                                            "\"): keep one NAME or NAME==VERSION entry per package.");
        }
    }
    return whitelist;
}

bool Whitelist::allows(std::string_view distribution) const
{
    return m_any || m_entries.contains(normalize(distribution));
}

std::string Whitelist::pin(std::string_view distribution) const
{
    const auto it = m_entries.find(normalize(distribution));
    return it == m_entries.end() ? std::string() : it->second;
}

Requirement Whitelist::requirementFor(std::string_view distribution) const
{
    return Requirement{normalize(distribution), pin(distribution)};
}

Result<void> checkCachedDependencies(const std::vector<std::string>& cached, const Whitelist& whitelist)
{
    std::string outside;
    for (const auto& spec : cached) {
        auto requirement = parseRequirement(spec);
        if (!requirement) {
            return std::unexpected(requirement.error());
        }
        if (!whitelist.allows(requirement->name)) {
            outside += (outside.empty() ? "" : ", ") + requirement->name;
        }
    }
    if (!outside.empty()) {
        return fail(errc::DepsCachedNotWhitelisted,
                    "Some cached dependencies are not in the whitelist. (" + outside + ")");
    }
    return {};
}

} // namespace agentrun::deps
