#include "agentrun/model/runspecjson.h"

#include "agentrun/base64.h"
#include "agentrun/errorcodes.h"
#include "agentrun/model/network.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace agentrun::model {

namespace {

using nlohmann::json;

std::string joined(const std::vector<std::string>& names)
{
    std::string text;
    for (const auto& name : names) {
        text += (text.empty() ? "" : ", ") + name;
    }
    return text;
}

enum class Kind
{
    Seconds,
    Size,
    Number,
    Whole,
    Text,
    Hosts
};

struct LimitField
{
    const char* name;
    std::vector<const char*> aliases;
    Kind kind;
};

const std::vector<LimitField>& limitFields()
{
    static const std::vector<LimitField> fields = {
        {"timeout", {"timeout_seconds"}, Kind::Seconds},
        {"memory", {"memory_bytes"}, Kind::Size},
        {"memory_swap", {"memory_swap_bytes"}, Kind::Size},
        {"cpus", {}, Kind::Number},
        {"pids", {}, Kind::Whole},
        {"output_limit", {"output_limit_bytes"}, Kind::Size},
        {"tmpfs", {"tmpfs_bytes", "tmpfs_size"}, Kind::Size},
        {"network", {}, Kind::Text},
        {"runtime", {}, Kind::Text},
        {"allow_hosts", {}, Kind::Hosts},
        {"network_bytes", {}, Kind::Size},
    };
    return fields;
}

const LimitField* findLimit(std::string_view key)
{
    for (const auto& field : limitFields()) {
        if (key == field.name ||
            std::ranges::any_of(field.aliases, [&](const char* a) { return key == a; })) {
            return &field;
        }
    }
    return nullptr;
}

Error limitError(const std::string& field, const std::string& what)
{
    return Error{"limits." + field, "limits." + field + " " + what};
}

Result<double> finiteNumber(const json& value, const std::string& field)
{
    if (!value.is_number() || !std::isfinite(value.get<double>())) {
        return std::unexpected(limitError(field, "must be a number."));
    }
    return value.get<double>();
}

Result<std::int64_t> sizeValue(const json& value, const std::string& field)
{
    if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
        return value.get<std::int64_t>();
    }
    if (value.is_number_float() && std::isfinite(value.get<double>()) && value.get<double>() >= 0 &&
        value.get<double>() < 9.2e18 && value.get<double>() == std::floor(value.get<double>())) {
        return static_cast<std::int64_t>(value.get<double>());
    }
    if (value.is_string()) {
        return parseSize(value.get<std::string>(), "limits." + field);
    }
    return std::unexpected(
        limitError(field, "must be a size: a number of bytes, or a string like \"256m\" or \"1g\"."));
}

Result<std::string> text(const json& value, const std::string& field)
{
    if (!value.is_string()) {
        return fail(field, "\"" + field + "\" must be a string.");
    }
    return value.get<std::string>();
}

Result<std::vector<std::string>> strings(const json& value, const std::string& field, const std::string& what)
{
    if (!value.is_array()) {
        return fail(field, "\"" + field + "\" must be a list of " + what + ".");
    }
    std::vector<std::string> out;
    for (const auto& item : value) {
        if (!item.is_string()) {
            return fail(field, "\"" + field + "\" must be a list of " + what + ".");
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

Result<bool> boolean(const json& value, const std::string& field)
{
    if (!value.is_boolean()) {
        return fail(field, "\"" + field + "\" must be true or false.");
    }
    return value.get<bool>();
}

Result<void> readCollect(const json& value, CollectRequest& collect)
{
    if (value.is_array()) {
        // The short form: paths only, collected into memory (no host folder).
        auto paths = strings(value, "collect", "paths relative to the working directory");
        if (!paths) {
            return std::unexpected(paths.error());
        }
        collect.paths = std::move(*paths);
        collect.destination.clear();
        return {};
    }
    if (!value.is_object()) {
        return fail("collect", "\"collect\" must be a list of paths like [\"out.csv\", \"outputs/\"] (into "
                               "memory) or an object like {\"paths\": [\"out.csv\"], \"to\": \"DIR\"}.");
    }
    for (const auto& [key, item] : value.items()) {
        if (key == "paths") {
            auto paths = strings(item, errc::RequestCollect, "paths relative to the working directory");
            if (!paths) {
                return std::unexpected(paths.error());
            }
            collect.paths = std::move(*paths);
        } else if (key == "to") {
            auto to = text(item, errc::RequestCollect);
            if (!to) {
                return std::unexpected(to.error());
            }
            collect.destination = *to;
        } else if (key == "keep_executable") {
            auto keep = boolean(item, errc::RequestCollect);
            if (!keep) {
                return std::unexpected(keep.error());
            }
            collect.keepExecutable = *keep;
        } else {
            return fail("collect." + shownName(key), "Unknown field \"collect." + shownName(key) +
                                                         "\": use paths, to or keep_executable.");
        }
    }
    return {};
}

} // namespace

std::string shownName(std::string_view name)
{
    constexpr std::size_t Max = 64;
    if (name.size() <= Max) {
        return std::string(name);
    }
    std::size_t cut = Max;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) {
        --cut;
    }
    return std::string(name.substr(0, cut)) + "…";
}

Result<Limits> limitsFromJson(const json& object, Limits limits, LimitsReadOptions options)
{
    if (!object.is_object()) {
        return fail("limits", "limits must be an object like {\"timeout\": 5, \"memory\": \"256m\"}.");
    }
    std::vector<std::string> given;
    for (const auto& item : object.items()) {
        // Named references, not a structured binding: clang 14 (the fuzz preset) cannot capture those.
        const std::string& key = item.key();
        const json& value = item.value();
        const LimitField* field = findLimit(key);
        if (!field) {
            std::vector<std::string> names;
            for (const auto& f : limitFields()) {
                names.emplace_back(f.name);
            }
            return std::unexpected(limitError(
                shownName(key), "is not a limit: unknown field; known fields here: " + joined(names) +
                                    " (older spellings such as memory_bytes and tmpfs_size are read too)."));
        }
        const std::string name = field->name;
        if (std::ranges::find(given, name) != given.end()) {
            return std::unexpected(limitError(name, "is given twice (under two spellings): give it once."));
        }
        given.push_back(name);
        Result<void> done;
        switch (field->kind) {
        case Kind::Seconds:
        case Kind::Number: {
            auto number = finiteNumber(value, name);
            if (!number) {
                return std::unexpected(number.error());
            }
            (name == "timeout" ? limits.timeoutSeconds : limits.cpus) = *number;
            break;
        }
        case Kind::Whole: {
            if (!value.is_number() || !std::isfinite(value.get<double>()) ||
                value.get<double>() != std::floor(value.get<double>()) ||
                std::fabs(value.get<double>()) > 1e15) {
                return std::unexpected(limitError(name, "must be a whole number between 8 and 32768."));
            }
            limits.pids = static_cast<std::int64_t>(value.get<double>());
            break;
        }
        case Kind::Size: {
            auto size = sizeValue(value, name);
            if (!size) {
                return std::unexpected(size.error());
            }
            if (name == "memory") {
                limits.memoryBytes = *size;
            } else if (name == "memory_swap") {
                limits.memorySwapBytes = *size;
            } else if (name == "output_limit") {
                limits.outputLimitBytes = *size;
            } else if (name == "network_bytes") {
                limits.networkBytes = *size;
            } else {
                limits.tmpfsBytes = *size;
            }
            break;
        }
        case Kind::Text: {
            if (!value.is_string()) {
                return std::unexpected(limitError(name, "must be a string."));
            }
            (name == "network" ? limits.network : limits.runtime) = value.get<std::string>();
            if (name == "network" && limits.network == "open") {
                limits.network = "bridge"; // the allowlist's other end: everything
            }
            break;
        }
        case Kind::Hosts: {
            std::vector<std::string> hosts;
            bool ok = value.is_array();
            for (const auto& host : ok ? value : json::array()) {
                ok = ok && host.is_string();
                if (ok) {
                    hosts.push_back(host.get<std::string>());
                }
            }
            if (!ok) {
                return std::unexpected(limitError(
                    name,
                    "must be a list of host names like [\"api.example.com\", \"*.example.org:8443\"]."));
            }
            auto normalised = normaliseAllowHosts(hosts);
            if (!normalised) {
                return std::unexpected(normalised.error());
            }
            limits.allowHosts = std::move(*normalised);
            break;
        }
        }
    }
    const auto has = [&](const char* name) { return std::ranges::find(given, name) != given.end(); };
    if (has("allow_hosts") && !has("network") && !limits.allowHosts.empty()) {
        limits.network = "allow"; // a host list alone means the allowlist
    }
    if (options.requireAll) {
        for (const auto& field : limitFields()) {
            // Records written before the allowlist have neither of its fields: they ran without it.
            const bool optional =
                field.kind == Kind::Hosts || std::string_view(field.name) == "network_bytes";
            if (!optional && !has(field.name)) {
                return std::unexpected(limitError(field.name, "is missing: every limit must be given."));
            }
        }
    } else if (has("memory")) {
        if (!has("memory_swap")) {
            limits.memorySwapBytes = limits.memoryBytes; // as on the command line: no swap unless asked
        }
        if (!has("tmpfs")) {
            fitTmpfsToMemory(limits);
        }
    }
    if (auto valid = validate(limits); !valid) {
        return std::unexpected(valid.error());
    }
    return limits;
}

json toJson(const Limits& limits)
{
    json out = {
        {"timeout", limits.timeoutSeconds},
        {"memory", limits.memoryBytes},
        {"memory_swap", limits.memorySwapBytes},
        {"cpus", limits.cpus},
        {"pids", limits.pids},
        {"output_limit", limits.outputLimitBytes},
        {"tmpfs", limits.tmpfsBytes},
        {"network", limits.network},
        {"runtime", limits.runtime},
    };
    if (limits.network != "none") { // what a networked run may reach, and how much it may move
        if (limits.network == "allow") {
            out["allow_hosts"] = limits.allowHosts;
        }
        out["network_bytes"] = limits.networkBytes;
    }
    return out;
}

/// "files": [{"name": "data.csv", "text": "a,b\n"}, {"name": "x.bin", "base64": "AAE="}].
static Result<std::vector<InputFile>> readFiles(const json& value)
{
    if (!value.is_array()) {
        return fail(errc::FilesContent,
                    "\"files\" must be a list of {\"name\", \"text\"} or {\"name\", \"base64\"} objects.");
    }
    std::vector<InputFile> files;
    for (const auto& entry : value) {
        if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string()) {
            return fail(errc::FilesName,
                        "Each of \"files\" needs a \"name\" (a relative path like data.csv).");
        }
        InputFile file;
        file.name = entry["name"].get<std::string>();
        for (const auto& [key, field] : entry.items()) {
            if (key != "name" && key != "text" && key != "base64") {
                return fail(errc::FilesContent,
                            "Unknown field \"" + shownName(key) +
                                "\" in a file of \"files\": use name, and text or base64.");
            }
        }
        const bool text = entry.contains("text");
        if (text == entry.contains("base64")) {
            return fail(errc::FilesContent,
                        "The file \"" + file.name.substr(0, 80) +
                            "\" needs exactly one of \"text\" (UTF-8) and \"base64\" (bytes).");
        }
        const json& content = text ? entry["text"] : entry["base64"];
        if (!content.is_string()) {
            return fail(errc::FilesContent,
                        "The content of \"" + file.name.substr(0, 80) + "\" must be a string.");
        }
        if (text) {
            file.data = content.get<std::string>();
        } else {
            auto decoded = base64Decode(content.get<std::string>());
            if (!decoded) {
                return fail(errc::FilesContent,
                            "The base64 of \"" + file.name.substr(0, 80) + "\" is not valid base64.");
            }
            file.data = std::move(*decoded);
        }
        files.push_back(std::move(file));
        if (files.size() > MaxInputFiles) {
            break; // validateInputFiles says so; nothing more is decoded
        }
    }
    if (auto valid = validateInputFiles(files); !valid) {
        return std::unexpected(valid.error());
    }
    return files;
}

const std::vector<std::string>& runSpecKeys()
{
    static const std::vector<std::string> keys = {
        "code",    "stdin",        "argv",   "limits",     "policy",    "skip_check",      "override_reason",
        "profile", "dependencies", "cached", "wheelhouse", "index_url", "install_timeout", "collect",
        "files"};
    return keys;
}

Result<RunSpec> runSpecFromJson(const json& object, RunSpec spec, const std::vector<std::string>& accepted)
{
    if (!object.is_object()) {
        return fail(errc::RequestBody, "The run must be a JSON object like {\"code\": \"print(1)\"}.");
    }
    const auto& keys = accepted.empty() ? runSpecKeys() : accepted;
    for (const auto& item : object.items()) {
        const std::string& key = item.key();
        const json& value = item.value();
        if (std::ranges::find(keys, key) == keys.end()) {
            return fail(shownName(key),
                        "Unknown field \"" + shownName(key) + "\": use " + joined(keys) + ".");
        }
        Result<void> done;
        const auto into = [&](auto parsed, auto& target) -> Result<void> {
            if (!parsed) {
                return std::unexpected(parsed.error());
            }
            target = std::move(*parsed);
            return {};
        };
        if (key == "code") {
            done = value.is_string()
                       ? into(text(value, key), spec.code)
                       : fail("code", "\"code\" must be a string with the Python source to run.");
        } else if (key == "stdin") {
            done = value.is_string()
                       ? into(text(value, key), spec.stdinData)
                       : fail("stdin", "\"stdin\" must be a string (the program's standard input).");
        } else if (key == "argv") {
            done = into(strings(value, key, "strings (the program's arguments)"), spec.argv);
        } else if (key == "limits") {
            done = into(limitsFromJson(value, spec.limits), spec.limits);
        } else if (key == "policy") {
            done = value.is_string() ? into(text(value, key), spec.policy)
                                     : fail("policy", "\"policy\" must be the name of a policy (strict, "
                                                      "standard, permissive, agentrun-compat).");
        } else if (key == "skip_check") {
            done = into(boolean(value, key), spec.skipCheck);
        } else if (key == "override_reason") {
            done = into(text(value, key), spec.overrideReason);
        } else if (key == "profile") {
            done = into(text(value, key), spec.profile);
        } else if (key == "dependencies") {
            done = value.is_array()
                       ? into(strings(value, key, "package names"), spec.allow)
                       : fail("dependencies", "\"dependencies\" must be a list of package names.");
        } else if (key == "cached") {
            done = into(strings(value, key, "package names"), spec.cached);
        } else if (key == "wheelhouse") {
            done = into(text(value, key), spec.wheelhouse);
        } else if (key == "index_url") {
            done = into(text(value, key), spec.indexUrl);
        } else if (key == "install_timeout") {
            done = value.is_number() && std::isfinite(value.get<double>())
                       ? into(Result<double>(value.get<double>()), spec.installTimeoutSeconds)
                       : fail("install_timeout", "\"install_timeout\" must be a number of seconds.");
        } else if (key == "collect") {
            done = readCollect(value, spec.collect);
        } else if (key == "files") {
            done = into(readFiles(value), spec.files);
        }
        if (!done) {
            return std::unexpected(done.error());
        }
    }
    return spec;
}

json toJson(const RunSpec& spec)
{
    return {
        {"code", spec.code},
        {"stdin", spec.stdinData},
        {"argv", spec.argv},
        {"limits", toJson(spec.limits)},
        {"policy", spec.policy},
        {"skip_check", spec.skipCheck},
        {"override_reason", spec.overrideReason},
        {"profile", spec.profile},
        {"dependencies", spec.allow},
        {"cached", spec.cached},
        {"wheelhouse", spec.wheelhouse},
        {"index_url", spec.indexUrl},
        {"install_timeout", spec.installTimeoutSeconds},
        {"collect",
         {{"paths", spec.collect.paths},
          {"to", spec.collect.destination.string()},
          {"keep_executable", spec.collect.keepExecutable}}},
        {"files",
         [&] {
             json files = json::array(); // names and sizes: what --dry-run shows, never the bytes
             for (const auto& file : spec.files) {
                 files.push_back({{"name", file.name}, {"bytes", file.data.size()}});
             }
             return files;
         }()},
    };
}

} // namespace agentrun::model
