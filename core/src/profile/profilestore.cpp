#include "agentrun/profile/profile.h"
#include "agentrun/errorcodes.h"
#include "agentrun/userfile.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

namespace agentrun::profile {

namespace fs = std::filesystem;

namespace {

Result<std::string> readFile(const fs::path& path)
{
    auto text = readUserFile(path.string(), 1 << 20, "the profile file");
    if (!text) {
        return fail(errc::ProfileRead, text.error().message + ".");
    }
    return text;
}

} // namespace

ProfileStore::ProfileStore(std::string directory) : m_directory(std::move(directory)) {}

std::string ProfileStore::defaultDirectory()
{
    if (const char* config = std::getenv("XDG_CONFIG_HOME"); config && *config) {
        return (fs::path(config) / "agentrun/profiles").string();
    }
    const char* home = std::getenv("HOME");
    return (fs::path(home ? home : ".") / ".config/agentrun/profiles").string();
}

std::vector<std::string> ProfileStore::names() const
{
    std::set<std::string> names;
    for (const auto& builtin : builtinProfiles()) {
        names.insert(builtin.name);
    }
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(m_directory, error)) {
        const auto path = entry.path();
        if (path.extension() == ".json" && isValidName(path.stem().string())) {
            names.insert(path.stem().string());
        }
    }
    return {names.begin(), names.end()};
}

Result<Profile> ProfileStore::load(std::string_view name) const
{
    if (!isValidName(name)) {
        return fail(errc::ProfileName, "\"" + std::string(name) +
                                           "\" is not a profile name: use letters, digits, '-', '_' or '.'.");
    }
    // Built-ins first: a file with a built-in's name (written by an older version) never replaces it.
    for (const auto& builtin : builtinProfiles()) {
        if (builtin.name == name) {
            return builtin;
        }
    }
    const fs::path path = fs::path(m_directory) / (std::string(name) + ".json");
    std::error_code error;
    if (fs::exists(path, error)) {
        auto text = readFile(path);
        if (!text) {
            return std::unexpected(text.error());
        }
        auto profile = fromJson(*text);
        if (!profile) {
            return fail(profile.error().code, path.string() + ": " + profile.error().message);
        }
        return profile;
    }
    std::string known;
    for (const auto& candidate : names()) {
        known += (known.empty() ? "" : ", ") + candidate;
    }
    return fail(errc::ProfileUnknown,
                "There is no profile \"" + std::string(name) + "\"; known profiles: " + known + ".");
}

Result<void> ProfileStore::save(const Profile& profile) const
{
    if (!isValidName(profile.name)) {
        return fail(errc::ProfileName, "\"" + profile.name + "\" is not a profile name.");
    }
    if (isBuiltinName(profile.name)) {
        return fail(errc::ProfileReserved,
                    "\"" + profile.name +
                        "\" is a built-in profile and cannot be replaced: save it under "
                        "another name (change \"name\" in the file).");
    }
    std::error_code error;
    fs::create_directories(m_directory, error);
    const fs::path path = fs::path(m_directory) / (profile.name + ".json");
    const fs::path temporary = path.string() + ".tmp";
    {
        std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
        file << toJson(profile);
        if (!file.flush()) {
            fs::remove(temporary, error);
            return fail(errc::ProfileWrite,
                        "Cannot write " + path.string() + ": is the disk full or the folder read-only?");
        }
    }
    fs::rename(temporary, path, error); // atomic: a crash never leaves half a profile
    if (error) {
        return fail(errc::ProfileWrite, "Cannot write " + path.string() + ": " + error.message() + ".");
    }
    return {};
}

Result<Profile> ProfileStore::importFile(const std::string& path) const
{
    auto text = readFile(path);
    if (!text) {
        return std::unexpected(text.error());
    }
    auto profile = fromJson(*text);
    if (!profile) {
        return fail(profile.error().code, path + ": " + profile.error().message);
    }
    if (auto saved = save(*profile); !saved) {
        return std::unexpected(saved.error());
    }
    return profile;
}

Result<void> ProfileStore::remove(std::string_view name) const
{
    if (!isValidName(name)) {
        return fail(errc::ProfileName, "\"" + std::string(name) +
                                           "\" is not a profile name: use letters, digits, '-', '_' or '.'.");
    }
    if (isBuiltinName(name)) {
        return fail(errc::ProfileReserved,
                    "\"" + std::string(name) + "\" is a built-in profile: it cannot be deleted.");
    }
    const fs::path path = fs::path(m_directory) / (std::string(name) + ".json");
    std::error_code error;
    if (!fs::remove(path, error)) {
        if (error) {
            return fail(errc::ProfileWrite, "Cannot delete " + path.string() + ": " + error.message() + ".");
        }
        return fail(errc::ProfileUnknown, "There is no saved profile \"" + std::string(name) + "\".");
    }
    return {};
}

bool isBuiltinName(std::string_view name)
{
    const auto builtins = builtinProfiles();
    return std::ranges::any_of(builtins, [&](const Profile& p) { return p.name == name; });
}

} // namespace agentrun::profile
