#pragma once

#include "agentrun/history/historystore.h"

#include <optional>
#include <string>
#include <string_view>

namespace agentrun::history {

/// The status named by its stored text ("ok", "timeout", …); nullopt for a text this build does not know.
std::optional<model::Status> parseStatus(std::string_view status);

/// The exit status `agentrun run` gave for a recorded run (docs/cli.md, "Exit status"): 124 for a
/// timeout, 125 for a block, … and the program's own status when it ended by itself. The stored
/// exit_code stays the container's (137 for a sandbox stopped at its timeout): `agentrun history` shows
/// what the person saw.
int cliExitStatus(std::string_view status, int exitCode);

/// "41.2 MiB peak", or why no peak is known: a sandbox stopped from outside (timeout, cancel) or a run
/// that never started never reported one, and "0 B" would read as a measurement.
std::string describePeakMemory(std::string_view status, std::int64_t peakMemoryBytes);

} // namespace agentrun::history
