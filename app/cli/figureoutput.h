#pragma once

#include "agentrun/model/runresult.h"

#include <optional>
#include <string>

namespace agentrun::cli {

/// Lists the run's figures on stderr and, with --figures DIR, writes them there as figure-N.png (an
/// existing file is never overwritten); `count` numbers them across the runs of one command (a session's).
/// False when one could not be written.
bool reportFigures(const model::RunResult& result, const std::optional<std::string>& dir, int& count);

} // namespace agentrun::cli
