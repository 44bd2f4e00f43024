#pragma once

#include "agentrun/error.h"
#include "agentrun/safety/finding.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::safety {

/// One rule of the static check, as shown in the GUI and in docs/safety.md.
struct RuleInfo
{
    std::string id;          ///< stable id, e.g. "process-exec"
    std::string title;       ///< a few words
    std::string explanation; ///< one paragraph: what the rule catches and what it does not
    Severity defaultSeverity = Severity::Block;
};

/// Every rule the analyzer knows, in catalogue order.
std::vector<RuleInfo> ruleCatalogue();

/// Parses "block", "warn", "info" (not "off").
std::optional<Severity> severityFromString(std::string_view text);

/// What the static check blocks, warns about or allows. Data-driven: a preset or a JSON file.
class Policy
{
public:
    /// The severity a rule runs at; std::nullopt means the rule is off.
    using RuleLevel = std::optional<Severity>;

    Policy(); ///< the "standard" preset

    /// "standard" (default), "strict", "agentrun-compat".
    static Result<Policy> preset(std::string_view name);
    /// Validates every field; errors name the field ("policy.rules.network").
    static Result<Policy> fromJson(std::string_view jsonText);
    /// A preset name, else the path of a JSON policy file.
    static Result<Policy> load(std::string_view presetNameOrFilePath);
    /// Round-trips through fromJson.
    std::string toJson() const;
    static std::vector<std::string> presetNames();

    const std::string& name() const { return m_name; }
    const std::string& description() const { return m_description; }
    /// May the user run code the check blocked (--no-check, "Run anyway")? strict: false.
    bool allowsOverride() const { return m_allowOverride; }
    /// Emulates AgentRun 0.2.5's own check first (its verdict and message become the first finding).
    bool agentrunCompat() const { return m_agentrunCompat; }

    RuleLevel ruleLevel(std::string_view ruleId) const;
    void setRuleLevel(const std::string& ruleId, RuleLevel level);

    /// Importing these modules (or their submodules) is a "blocked-module" finding.
    const std::vector<std::string>& blockedModules() const { return m_blockedModules; }
    /// Modules exempt from the built-in module rules (e.g. allow "socket" in a policy that blocks network).
    const std::vector<std::string>& allowedModules() const { return m_allowedModules; }
    /// Qualified names ("os.getcwd", "open") whose use is a "blocked-call" finding.
    const std::vector<std::string>& blockedCalls() const { return m_blockedCalls; }
    /// Qualified names exempt from the built-in tables (e.g. "os.system" for a trusted notebook).
    const std::vector<std::string>& allowedCalls() const { return m_allowedCalls; }
    /// Attribute names whose use is a "blocked-attribute" finding.
    const std::vector<std::string>& blockedAttributes() const { return m_blockedAttributes; }
    /// Attribute names exempt from the built-in attribute rules.
    const std::vector<std::string>& allowedAttributes() const { return m_allowedAttributes; }

    bool isModuleBlocked(std::string_view module) const;
    bool isModuleAllowed(std::string_view module) const;
    bool isCallBlocked(std::string_view qualifiedName) const;
    bool isCallAllowed(std::string_view qualifiedName) const;
    bool isAttributeBlocked(std::string_view attribute) const;
    bool isAttributeAllowed(std::string_view attribute) const;

private:
    std::string m_name = "standard";
    std::string m_description;
    bool m_allowOverride = true;
    bool m_agentrunCompat = false;
    std::map<std::string, RuleLevel, std::less<>> m_rules; ///< every catalogue rule has an entry
    std::vector<std::string> m_blockedModules;
    std::vector<std::string> m_allowedModules;
    std::vector<std::string> m_blockedCalls;
    std::vector<std::string> m_allowedCalls;
    std::vector<std::string> m_blockedAttributes;
    std::vector<std::string> m_allowedAttributes;
};

} // namespace agentrun::safety
