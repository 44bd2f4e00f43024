#pragma once

#include "agentrun/deps/requirement.h"
#include "agentrun/error.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::deps {

/// Which distributions a run may install. `*` allows any; no entries allow none; otherwise the listed
/// distribution names (compared after PEP 503 normalisation), each optionally pinned (`pandas==2.2.*`):
/// the pin is carried into what gets installed.
class Whitelist
{
public:
    /// Every entry is `*` or a spec parseRequirement() accepts; the first bad one fails (deps.spec).
    static Result<Whitelist> parse(const std::vector<std::string>& entries);

    /// True when `*` was among the entries.
    bool any() const { return m_any; }
    /// True when nothing at all is allowed.
    bool none() const { return !m_any && m_entries.empty(); }
    bool allows(std::string_view distribution) const;
    /// The pin of a listed distribution ("==2.2.*"), empty when unpinned or not listed.
    std::string pin(std::string_view distribution) const;
    /// The requirement to install for an allowed distribution: its name plus the pin, if any.
    Requirement requirementFor(std::string_view distribution) const;
    /// Normalised names → specifier, as listed.
    const std::map<std::string, std::string>& entries() const { return m_entries; }

private:
    bool m_any = false;
    std::map<std::string, std::string> m_entries;
};

/// AgentRun's start-up check: every "cached dependency" (baked into a derived image) must be allowed.
/// Fails with deps.cached_not_whitelisted and AgentRun's text "Some cached dependencies are not in the
/// whitelist." followed by the names.
Result<void> checkCachedDependencies(const std::vector<std::string>& cached, const Whitelist& whitelist);

} // namespace agentrun::deps
