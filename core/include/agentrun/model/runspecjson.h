#pragma once

// The one JSON form of a run description and of its limits. REST bodies, MCP tool arguments, profiles,
// the history and `agentrun run --dry-run` all read and write it here, so a field has one name everywhere.
//
// Limits: timeout (seconds), memory, memory_swap, cpus, pids, output_limit, tmpfs (sizes: bytes as a
// number, or a string like "256m"), network, runtime. Older spellings are read as aliases and never
// written: timeout_seconds, memory_bytes, memory_swap_bytes, output_limit_bytes, tmpfs_bytes, tmpfs_size.

#include "agentrun/error.h"
#include "agentrun/model/limits.h"
#include "agentrun/model/runspec.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace agentrun::model {

/// A name a caller sent, as an error message quotes it: at most 64 bytes, never cut inside a UTF-8 sequence
/// (an answer must not echo a megabyte of key back). REST, MCP and the server's rules quote names with it.
std::string shownName(std::string_view name);

struct LimitsReadOptions
{
    /// Every field must be present (a stored record: a default standing in for a lost value would not be
    /// "the limits of that run"). Off: missing fields keep the base's value.
    bool requireAll = false;
};

/// Reads `json` (an object) over `base`. When memory is given without memory_swap, swap follows memory
/// (no swap unless asked); when memory is given without tmpfs, /tmp is sized from it
/// (fitTmpfsToMemory). The result is validated. Errors: code `limits.<field>` (`limits` for the object
/// itself), the message names the field and the accepted form or range.
Result<Limits> limitsFromJson(const nlohmann::json& json, Limits base, LimitsReadOptions options = {});

/// The canonical form: every field, sizes in bytes, timeout in seconds.
nlohmann::json toJson(const Limits& limits);

/// The top-level keys of a run description, in the order toJson writes them.
/// code, stdin, argv, limits, policy, skip_check, override_reason, profile, dependencies (the whitelist,
/// a list of requirement strings), cached, wheelhouse, index_url, install_timeout, collect
/// ({paths, to, keep_executable}; or a list of paths alone, collected into memory), files.
const std::vector<std::string>& runSpecKeys();

/// Reads the fields `json` gives over `base`. Only the keys in `accepted` may appear (empty: every key of
/// runSpecKeys()); any other key is an error naming it and listing the accepted ones, so a typo never
/// silently means "default". A front end passes the keys its callers may set: a REST client may not name
/// a host folder (wheelhouse, collect) for the server to read or write. Not validated beyond the shape
/// and the limits' ranges: run::validate does that, for every front end alike.
Result<RunSpec> runSpecFromJson(const nlohmann::json& json, RunSpec base,
                                const std::vector<std::string>& accepted = {});

/// Every field, canonical names.
nlohmann::json toJson(const RunSpec& spec);

} // namespace agentrun::model
