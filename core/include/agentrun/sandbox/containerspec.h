#pragma once

#include "agentrun/model/limits.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace agentrun::sandbox {

/// Label carried by everything the project creates; the reaper removes by it.
inline constexpr const char* ManagedLabel = "org.agentrun.managed";
/// Label holding the pool key (image + limits) of a warm container.
inline constexpr const char* PoolKeyLabel = "org.agentrun.pool-key";

/// Mount options of the run's /tmp: size and inode caps, noexec, nosuid, nodev.
std::string tmpfsOptions(const model::Limits& limits);

/// The environment every run container gets: nothing from the host.
std::vector<std::string> sandboxEnvironment();

/// The full Engine API create body (Config + HostConfig) for a hardened run container.
nlohmann::json containerSpec(const model::Limits& limits, const std::string& image);

/// A stable key for "containers made with these settings are interchangeable".
std::string poolKey(const model::Limits& limits, const std::string& image);

/// The equivalent `docker run` command line, for people to read and reuse.
std::string dockerRunCommand(const model::Limits& limits, const std::string& image);

} // namespace agentrun::sandbox
