#pragma once

#include "agentrun/error.h"
#include "agentrun/model/limits.h"
#include "agentrun/model/runspec.h"

#include <string>
#include <string_view>
#include <vector>

namespace agentrun::profile {

/// A named, shareable set of run settings: limits, policy and dependency settings. Stored as JSON.
struct Profile
{
    std::string name = "default";
    std::string description;
    model::Limits limits;
    std::string policy = "standard";
    std::vector<std::string> allow;  ///< dependency whitelist: "*" any, empty none
    std::vector<std::string> cached; ///< dependencies baked into a derived image
    std::string indexUrl;
    std::string wheelhouse;

    bool operator==(const Profile&) const = default;
};

/// Starts a run request from a profile: its limits, policy and dependency settings (whitelist, cached
/// packages, wheelhouse, index URL). Every front end that takes a profile name applies it this way; the
/// request's own fields are applied after it.
void applyTo(const Profile& profile, model::RunSpec& request);

/// Parses and validates a profile. Errors name the field (`profile.limits.memory`) and the accepted
/// range; unknown fields are errors too, so a typo never silently means "default".
Result<Profile> fromJson(std::string_view text);
std::string toJson(const Profile& profile);

/// Profiles shipped with the program: default, agentrun-compat, strict.
std::vector<Profile> builtinProfiles();

/// Profiles on disk (one NAME.json per profile) plus the built-ins. The built-in names are reserved: a
/// file cannot replace one (importing a "strict" that allows --no-check would quietly weaken it).
class ProfileStore
{
public:
    explicit ProfileStore(std::string directory);
    /// $XDG_CONFIG_HOME/agentrun/profiles or ~/.config/agentrun/profiles.
    static std::string defaultDirectory();

    std::vector<std::string> names() const;
    Result<Profile> load(std::string_view name) const;
    Result<void> save(const Profile& profile) const;
    /// Reads a profile file and saves it under its own name; returns it.
    Result<Profile> importFile(const std::string& path) const;
    /// Deletes a saved profile; built-ins cannot be deleted (`profile.reserved`), an unknown name is
    /// `profile.unknown`.
    Result<void> remove(std::string_view name) const;

    const std::string& directory() const { return m_directory; }

private:
    std::string m_directory;
};

/// Is `name` one of the built-in profiles (reserved for them)?
bool isBuiltinName(std::string_view name);

/// Names may hold letters, digits, '-', '_' and '.', 1..64 characters, not starting with '.'.
bool isValidName(std::string_view name);

} // namespace agentrun::profile
