#include "agentrun/profile/profile.h"

#include "agentrun/errorcodes.h"
#include "agentrun/run/executor.h"

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

Result<double> number(const json& object, const std::string& key, const std::string& field, double fallback)
{
    if (!object.contains(key)) {
        return fallback;
    }
    if (!object[key].is_number()) {
        return std::unexpected(fieldError(field, "must be a number."));
    }
    const double value = object[key].get<double>();
    if (!std::isfinite(value)) {
        return std::unexpected(fieldError(field, "must be a finite number."));
    }
    return value;
}

Result<std::int64_t> size(const json& object, const std::string& key, const std::string& field,
                          std::int64_t fallback)
{
    if (!object.contains(key)) {
        return fallback;
    }
    const auto& value = object[key];
    if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
        return value.get<std::int64_t>();
    }
    if (value.is_string()) {
        auto parsed = run::parseSize(value.get<std::string>(), field);
        if (!parsed) {
            return std::unexpected(fieldError(field, parsed.error().message));
        }
        return *parsed;
    }
    return std::unexpected(
        fieldError(field, "must be a size: bytes as a number, or a string like \"256m\"."));
}

Result<run::Limits> parseLimits(const json& object)
{
    if (!object.is_object()) {
        return std::unexpected(fieldError("limits", "must be an object."));
    }
    if (auto ok = onlyKnownKeys(object, "limits",
                                {"timeout", "memory", "memory_swap", "cpus", "pids", "output_limit", "tmpfs",
                                 "network", "runtime"});
        !ok) {
        return std::unexpected(ok.error());
    }
    run::Limits limits;
    auto timeout = number(object, "timeout", errc::LimitsTimeout, limits.timeoutSeconds);
    auto memory = size(object, "memory", errc::LimitsMemory, limits.memoryBytes);
    if (!timeout || !memory) {
        return std::unexpected(!timeout ? timeout.error() : memory.error());
    }
    auto swap = size(object, "memory_swap", errc::LimitsMemorySwap, *memory);
    auto cpus = number(object, "cpus", errc::LimitsCpus, limits.cpus);
    auto pids = number(object, "pids", errc::LimitsPids, static_cast<double>(limits.pids));
    auto output = size(object, "output_limit", errc::LimitsOutputLimit, limits.outputLimitBytes);
    auto tmpfs = size(object, "tmpfs", errc::LimitsTmpfs, limits.tmpfsBytes);
    auto network = string(object, "network", errc::LimitsNetwork, limits.network);
    auto runtime = string(object, "runtime", errc::LimitsRuntime, limits.runtime);
    for (const Error* error :
         {swap ? nullptr : &swap.error(), cpus ? nullptr : &cpus.error(), pids ? nullptr : &pids.error(),
          output ? nullptr : &output.error(), tmpfs ? nullptr : &tmpfs.error(),
          network ? nullptr : &network.error(), runtime ? nullptr : &runtime.error()}) {
        if (error) {
            return std::unexpected(*error);
        }
    }
    if (*pids != std::floor(*pids)) {
        return std::unexpected(fieldError(errc::LimitsPids, "must be a whole number."));
    }
    limits.timeoutSeconds = *timeout;
    limits.memoryBytes = *memory;
    limits.memorySwapBytes = *swap;
    limits.cpus = *cpus;
    limits.pids = static_cast<std::int64_t>(*pids);
    limits.outputLimitBytes = *output;
    limits.tmpfsBytes = *tmpfs;
    limits.network = *network;
    limits.runtime = *runtime;
    if (auto valid = run::validate(limits); !valid) {
        return std::unexpected(Error{errc::ProfileFamily + valid.error().code, valid.error().message});
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
    const auto& l = profile.limits;
    json document = {
        {"name", profile.name},
        {"description", profile.description},
        {"limits",
         {{"timeout", l.timeoutSeconds},
          {"memory", l.memoryBytes},
          {"memory_swap", l.memorySwapBytes},
          {"cpus", l.cpus},
          {"pids", l.pids},
          {"output_limit", l.outputLimitBytes},
          {"tmpfs", l.tmpfsBytes},
          {"network", l.network},
          {"runtime", l.runtime}}},
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

void applyTo(const Profile& profile, run::RunRequest& request)
{
    request.limits = profile.limits;
    request.policy = profile.policy;
    request.allow = profile.allow;
    request.wheelhouse = profile.wheelhouse;
    request.indexUrl = profile.indexUrl;
    request.cached = profile.cached;
}

} // namespace agentrun::profile
