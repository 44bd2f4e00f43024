#pragma once

#include "agentrun/engine/client.h"
#include "agentrun/engine/tarreader.h"
#include "agentrun/error.h"

#include <filesystem>
#include <string>
#include <vector>

namespace agentrun::run {

/// Files a run asked to keep, copied out of its working directory after the program ended.
struct CollectRequest
{
    std::vector<std::string> paths;    ///< relative to the working directory (/tmp); files or folders
    std::filesystem::path destination; ///< an existing directory on the host (should be empty)
    engine::TarLimits limits;
};

struct CollectedFiles
{
    bool requested = false;
    std::vector<std::string> copied; ///< sanitised relative paths written under the destination
    std::vector<engine::TarRejection> rejected;
    std::string error; ///< why the copy did not happen or stopped (empty: it completed)
};

/// Checks the request before anything starts: at most 64 paths, each relative, without `..`, not
/// starting with '-', at most 255 bytes; the destination an existing directory.
Result<void> validateCollect(const CollectRequest& request);

/// Copies the paths out of the container with `tar` run by exec as the sandbox user, while the agent
/// holds the container after its report: every process of the run is gone by then (F6), so nothing
/// can swap a directory for a link mid-copy. The stream goes through the F1–F5 rules (TarReader) into
/// the destination (HostWriter). Missing paths are named in `error`; the others are still copied.
CollectedFiles collectFiles(engine::Client& client, const std::string& containerId,
                            const CollectRequest& request);

} // namespace agentrun::run
