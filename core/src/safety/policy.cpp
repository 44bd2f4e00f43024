#include "agentrun/safety/policy.h"

#include "agentrun/errorcodes.h"

#include "rules.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace agentrun::safety {

namespace {

using nlohmann::json;

constexpr std::string_view compatName = "agentrun-compat";

bool matchesModule(const std::vector<std::string>& list, std::string_view module)
{
    // "os" covers "os.path"; "os.path" does not cover "os".
    return std::ranges::any_of(list, [&](const std::string& entry) {
        return module == entry ||
               (module.size() > entry.size() && module.starts_with(entry) && module[entry.size()] == '.');
    });
}

bool contains(const std::vector<std::string>& list, std::string_view value)
{
    return std::ranges::find(list, value) != list.end();
}

std::string levelName(const Policy::RuleLevel& level)
{
    return level ? std::string(toString(*level)) : std::string("off");
}

Result<std::vector<std::string>> readStringList(const json& value, std::string_view field)
{
    if (!value.is_array())
        return fail(errc::PolicyFamily + std::string(field),
                    "Policy field \"" + std::string(field) + "\" must be a list of strings.");
    std::vector<std::string> out;
    for (const auto& item : value) {
        if (!item.is_string() || item.get_ref<const std::string&>().empty())
            return fail(errc::PolicyFamily + std::string(field),
                        "Policy field \"" + std::string(field) + "\" must contain only non-empty strings.");
        out.push_back(item.get<std::string>());
    }
    return out;
}

} // namespace

Policy::Policy()
{
    for (const auto& rule : ruleCatalogue())
        m_rules[rule.id] = rule.defaultSeverity;
    m_description =
        "Precise: blocks process execution, dynamic code and interpreter escapes; allows ordinary "
        "code, os.path/os.environ reads and the network (runs have none unless allowed).";
}

std::vector<std::string> Policy::presetNames()
{
    return {"standard", "strict", std::string(compatName)};
}

Result<Policy> Policy::preset(std::string_view name)
{
    Policy policy;
    if (name == "standard")
        return policy;
    if (name == "strict") {
        policy.m_name = "strict";
        policy.m_description =
            "Blocks everything standard warns about, the network and the modules that reach "
            "processes, sockets, pickles or native code. No override.";
        policy.m_allowOverride = false;
        for (auto& [id, level] : policy.m_rules)
            if (id != rules::restrictedPython)
                level = Severity::Block;
        // os, shutil, signal and importlib stay importable: the rules block what is dangerous in them
        // (process execution, system-path writes, signals, computed imports), and blocking the modules
        // would block ordinary file handling in the working folder (issue 20: benign blocked <= 5 %).
        policy.m_blockedModules = {"subprocess",     "socket",      "pty",     "multiprocessing",
                                   "pickle",         "marshal",     "ctypes",  "cffi",
                                   "urllib.request", "http.client", "requests"};
        return policy;
    }
    if (name == compatName) {
        policy.m_name = std::string(compatName);
        policy.m_description =
            "AgentRun 0.2.5's verdicts and messages (its module and function lists, its "
            "RestrictedPython pass), plus standard's blocks for the escapes AgentRun misses.";
        policy.m_agentrunCompat = true;
        policy.m_rules[std::string(rules::network)] = std::nullopt;
        return policy;
    }
    return fail(errc::PolicyUnknown, "Unknown policy \"" + std::string(name) +
                                         "\": use standard, strict, agentrun-compat or a policy file.");
}

Result<Policy> Policy::fromJson(std::string_view jsonText)
{
    json doc = json::parse(jsonText.begin(), jsonText.end(), nullptr, false);
    if (doc.is_discarded())
        return fail(errc::PolicyJson, "The policy is not valid JSON.");
    if (!doc.is_object())
        return fail(errc::PolicyJson, "The policy must be a JSON object.");

    Policy policy;
    if (const auto it = doc.find("extends"); it != doc.end()) {
        if (!it->is_string())
            return fail(errc::PolicyExtends, "Policy field \"extends\" must be a preset name.");
        auto base = preset(it->get<std::string>());
        if (!base)
            return fail(errc::PolicyExtends, "Policy field \"extends\": " + base.error().message);
        policy = std::move(*base);
    }
    policy.m_name = "custom";

    for (const auto& [key, value] : doc.items()) {
        const std::string field = errc::PolicyFamily + key;
        if (key == "extends" || key == "version") {
            if (key == "version" && (!value.is_number_integer() || value.get<int>() != 1))
                return fail(field, "Policy field \"version\" must be 1.");
        } else if (key == "name" || key == "description") {
            if (!value.is_string() || (key == "name" && value.get_ref<const std::string&>().empty()))
                return fail(field, "Policy field \"" + key + "\" must be a non-empty string.");
            (key == "name" ? policy.m_name : policy.m_description) = value.get<std::string>();
        } else if (key == "allow_override" || key == "agentrun_compat") {
            if (!value.is_boolean())
                return fail(field, "Policy field \"" + key + "\" must be true or false.");
            (key == "allow_override" ? policy.m_allowOverride : policy.m_agentrunCompat) = value.get<bool>();
        } else if (key == "rules") {
            if (!value.is_object())
                return fail(field, "Policy field \"rules\" must map rule ids to block, warn, info or off.");
            for (const auto& [ruleId, level] : value.items()) {
                const std::string ruleField = field + "." + ruleId;
                if (!rules::isKnownRule(ruleId))
                    return fail(ruleField, "Unknown rule \"" + ruleId + "\" in the policy's rules.");
                const std::string text = level.is_string() ? level.get<std::string>() : std::string();
                if (text == "off") {
                    policy.m_rules[ruleId] = std::nullopt;
                } else if (const auto severity = severityFromString(text)) {
                    policy.m_rules[ruleId] = severity;
                } else {
                    return fail(ruleField, "Rule \"" + ruleId + "\" has severity " + level.dump() +
                                               ": use block, warn, info or off.");
                }
            }
        } else if (key == "blocked_modules" || key == "allowed_modules" || key == "blocked_calls" ||
                   key == "allowed_calls" || key == "blocked_attributes" || key == "allowed_attributes") {
            auto list = readStringList(value, key);
            if (!list)
                return std::unexpected(list.error());
            auto& target = key == "blocked_modules"      ? policy.m_blockedModules
                           : key == "allowed_modules"    ? policy.m_allowedModules
                           : key == "blocked_calls"      ? policy.m_blockedCalls
                           : key == "allowed_calls"      ? policy.m_allowedCalls
                           : key == "blocked_attributes" ? policy.m_blockedAttributes
                                                         : policy.m_allowedAttributes;
            target = std::move(*list);
        } else {
            return fail(field, "Unknown policy field \"" + key +
                                   "\" (known: name, description, extends, version, allow_override, "
                                   "agentrun_compat, rules, blocked_modules, allowed_modules, blocked_calls, "
                                   "allowed_calls, blocked_attributes, allowed_attributes).");
        }
    }
    return policy;
}

Result<Policy> Policy::load(std::string_view presetNameOrFilePath)
{
    const auto names = presetNames();
    if (std::ranges::find(names, presetNameOrFilePath) != names.end())
        return preset(presetNameOrFilePath);
    const std::string path(presetNameOrFilePath);
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
        return fail(errc::PolicyFile, "Cannot read the policy file \"" + path +
                                          "\": it is a directory; give a JSON file or a preset name.");
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        if (path.find('/') == std::string::npos && !path.ends_with(".json"))
            return preset(path); // neither a preset nor a file: the unknown-preset message
        return fail(errc::PolicyFile, "Cannot read the policy file \"" + path + "\".");
    }
    std::ostringstream text;
    text << file.rdbuf();
    return fromJson(text.str());
}

std::string Policy::toJson() const
{
    nlohmann::ordered_json rulesJson = nlohmann::ordered_json::object();
    for (const auto& [id, level] : m_rules)
        rulesJson[id] = levelName(level);
    nlohmann::ordered_json doc = {{"version", 1},
                                  {"name", m_name},
                                  {"description", m_description},
                                  {"allow_override", m_allowOverride},
                                  {"agentrun_compat", m_agentrunCompat},
                                  {"rules", rulesJson},
                                  {"blocked_modules", m_blockedModules},
                                  {"allowed_modules", m_allowedModules},
                                  {"blocked_calls", m_blockedCalls},
                                  {"allowed_calls", m_allowedCalls},
                                  {"blocked_attributes", m_blockedAttributes},
                                  {"allowed_attributes", m_allowedAttributes}};
    return doc.dump(2) + "\n";
}

Policy::RuleLevel Policy::ruleLevel(std::string_view ruleId) const
{
    const auto it = m_rules.find(ruleId);
    return it == m_rules.end() ? RuleLevel(Severity::Block) : it->second;
}

void Policy::setRuleLevel(const std::string& ruleId, RuleLevel level)
{
    m_rules[ruleId] = level;
}

bool Policy::isModuleBlocked(std::string_view module) const
{
    return matchesModule(m_blockedModules, module);
}
bool Policy::isModuleAllowed(std::string_view module) const
{
    return matchesModule(m_allowedModules, module);
}
bool Policy::isCallBlocked(std::string_view qualifiedName) const
{
    return contains(m_blockedCalls, qualifiedName);
}
bool Policy::isCallAllowed(std::string_view qualifiedName) const
{
    return contains(m_allowedCalls, qualifiedName);
}
bool Policy::isAttributeBlocked(std::string_view attribute) const
{
    return contains(m_blockedAttributes, attribute);
}
bool Policy::isAttributeAllowed(std::string_view attribute) const
{
    return contains(m_allowedAttributes, attribute);
}

} // namespace agentrun::safety
