#pragma once

#include "agentrun/engine/client.h"
#include "agentrun/engine/tarreader.h"
#include "agentrun/error.h"
#include "agentrun/sandbox/copyout.h"

#include <filesystem>
#include <string>
#include <vector>

namespace agentrun::run {

/// Files a run asked to keep, copied out of its working directory after the program ended.
struct CollectRequest
{
    std::vector<std::string> paths;    ///< relative to the working directory (/tmp); files or folders
    std::filesystem::path destination; ///< an existing, empty directory on the host
    engine::TarLimits limits;
    bool keepExecutable = false; ///< keep files' execute bits (off: every file arrives as 0644 or less)
};

struct CollectedFiles
{
    bool requested = false;
    std::vector<std::string> copied; ///< sanitised relative paths written under the destination
    std::vector<engine::TarRejection> rejected;
    std::vector<sandbox::CopyOutRename> renamed; ///< written under a suffixed name (a name collision)
    std::string error; ///< why the copy did not happen or stopped (empty: it completed)
};

/// Checks the request before anything starts: at most 64 paths, each relative, without `..`, not
/// starting with '-', at most 255 bytes; the destination an existing, empty directory (so that nothing
/// merges into files that were there: error code "request.collect_to").
Result<void> validateCollect(const CollectRequest& request);

/// Copies the paths out of the container with `tar` run by exec as the sandbox user, while the agent
/// holds the container after its report: every process of the run is gone by then (F6), so nothing
/// can swap a directory for a link mid-copy. The stream goes through the F1–F5 rules (TarReader) into
/// the destination (HostWriter). Missing paths, and paths with a symbolic link on the way (a folder of
/// the path that is a link: never followed, not even inside the container), are named in `error` or
/// `rejected`; the others are still copied. A copy aborted by a cap or a broken archive removes what it
/// wrote: all or nothing.
CollectedFiles collectFiles(engine::Client& client, const std::string& containerId,
                            const CollectRequest& request);

} // namespace agentrun::run
