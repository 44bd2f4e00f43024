#include "agentrun/profile/profile.h"

#include "agentrun/errorcodes.h"
#include "agentrun/model/runspecjson.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

namespace agentrun::profile {

namespace {

using nlohmann::json;

Error fieldError(const std::string& field, const std::string& message)
{
    return {errc::ProfileFamily + field, "Profile field \"" + field + "\": " + message};
}

Result<void> onlyKnownKeys(const json& object, const std::string& where, const std::set<std::string>& known)
{
    for (const auto& [key, value] : object.items()) {
        if (!known.contains(key)) {
            std::string list;
            for (const auto& name : known) {
                list += (list.empty() ? "" : ", ") + name;
            }
            const std::string field = where.empty() ? key : where + "." + key;
            return std::unexpected(fieldError(field, "unknown field; known fields here: " + list + "."));
        }
    }
    return {};
}

Result<std::string> string(const json& object, const std::string& key, const std::string& field,
                           std::string fallback)
{
    if (!object.contains(key)) {
        return fallback;
    }
    if (!object[key].is_string()) {
        return std::unexpected(fieldError(field, "must be a string."));
    }
    return object[key].get<std::string>();
}

Result<std::vector<std::string>> strings(const json& object, const std::string& key, const std::string& field)
{
    std::vector<std::string> out;
    if (!object.contains(key)) {
        return out;
    }
    if (!object[key].is_array()) {
        return std::unexpected(fieldError(field, "must be a list of strings."));
    }
    for (const auto& item : object[key]) {
        if (!item.is_string()) {
            return std::unexpected(fieldError(field, "must be a list of strings."));
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

Result<model::Limits> parseLimits(const json& object)
{
    // The one limits codec (model/runspecjson.h); its codes (`limits.memory`) get the profile's prefix.
    auto limits = model::limitsFromJson(object, model::Limits{});
    if (!limits) {
        const std::string field = limits.error().code;
        return std::unexpected(
            Error{"profile." + field, "Profile field \"" + field + "\": " + limits.error().message});
    }
    return limits;
}

} // namespace

bool isValidName(std::string_view name)
{
    if (name.empty() || name.size() > 64 || name.front() == '.') {
        return false;
    }
    for (const char c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
            return false;
        }
    }
    return true;
}

Result<Profile> fromJson(std::string_view text)
{
    const json document = json::parse(text, nullptr, false);
    if (document.is_discarded()) {
        return fail(errc::ProfileJson,
                    "The profile is not valid JSON: check for a missing comma, quote or brace.");
    }
    if (!document.is_object()) {
        return fail(errc::ProfileJson, "A profile must be a JSON object.");
    }
    if (auto ok = onlyKnownKeys(document, "", {"name", "description", "limits", "policy", "dependencies"});
        !ok) {
        return std::unexpected(ok.error());
    }
    Profile profile;
    auto name = string(document, "name", "name", "");
    if (!name) {
        return std::unexpected(name.error());
    }
    if (!isValidName(*name)) {
        return std::unexpected(
            fieldError("name", "must be 1 to 64 letters, digits, '-', '_' or '.' (got \"" + *name + "\")."));
    }
    profile.name = *name;
    auto description = string(document, "description", "description", "");
    auto policy = string(document, "policy", "policy", profile.policy);
    if (!description || !policy) {
        return std::unexpected(!description ? description.error() : policy.error());
    }
    profile.description = *description;
    profile.policy = *policy;
    if (document.contains("limits")) {
        auto limits = parseLimits(document["limits"]);
        if (!limits) {
            return std::unexpected(limits.error());
        }
        profile.limits = *limits;
    }
    if (document.contains("dependencies")) {
        const auto& deps = document["dependencies"];
        if (!deps.is_object()) {
            return std::unexpected(fieldError("dependencies", "must be an object."));
        }
        if (auto ok = onlyKnownKeys(deps, "dependencies", {"allow", "cached", "index_url", "wheelhouse"});
            !ok) {
            return std::unexpected(ok.error());
        }
        auto allow = strings(deps, "allow", "dependencies.allow");
        auto cached = strings(deps, "cached", "dependencies.cached");
        auto index = string(deps, "index_url", "dependencies.index_url", "");
        auto wheelhouse = string(deps, "wheelhouse", "dependencies.wheelhouse", "");
        if (!allow || !cached || !index || !wheelhouse) {
            return std::unexpected(!allow    ? allow.error()
                                   : !cached ? cached.error()
                                   : !index  ? index.error()
                                             : wheelhouse.error());
        }
        profile.allow = *allow;
        profile.cached = *cached;
        profile.indexUrl = *index;
        profile.wheelhouse = *wheelhouse;
    }
    return profile;
}

std::string toJson(const Profile& profile)
{
    json document = {
        {"name", profile.name},
        {"description", profile.description},
        {"limits", model::toJson(profile.limits)},
        {"policy", profile.policy},
        {"dependencies",
         {{"allow", profile.allow},
          {"cached", profile.cached},
          {"index_url", profile.indexUrl},
          {"wheelhouse", profile.wheelhouse}}},
    };
    return document.dump(2) + "\n";
}

std::vector<Profile> builtinProfiles()
{
    Profile standard;
    standard.name = "default";
    standard.description = "Standard policy, 30 s, 256 MiB, 1 CPU, no network, no extra packages.";

    Profile compat;
    compat.name = "agentrun-compat";
    compat.description =
        "AgentRun 0.2.5's decisions: its safety check, any whitelisted package, 20 s timeout.";
    compat.policy = "agentrun-compat";
    compat.limits.timeoutSeconds = 20;
    compat.allow = {"*"};

    Profile strict;
    strict.name = "strict";
    strict.description = "Strict policy (no override), 10 s, 128 MiB, half a CPU, 64 processes.";
    strict.policy = "strict";
    strict.limits.timeoutSeconds = 10;
    strict.limits.memoryBytes = strict.limits.memorySwapBytes = 128ll << 20;
    strict.limits.tmpfsBytes = 32ll << 20;
    strict.limits.cpus = 0.5;
    strict.limits.pids = 64;
    return {standard, compat, strict};
}

void applyTo(const Profile& profile, model::RunSpec& request)
{
    request.limits = profile.limits;
    request.policy = profile.policy;
    request.allow = profile.allow;
    request.wheelhouse = profile.wheelhouse;
    request.indexUrl = profile.indexUrl;
    request.cached = profile.cached;
    request.profile = profile.name;
}

} // namespace agentrun::profile
