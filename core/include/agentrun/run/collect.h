#pragma once

#include "agentrun/engine/tarreader.h"
#include "agentrun/error.h"
#include "agentrun/sandbox/copyout.h"
#include "agentrun/sandbox/sandboxengine.h"

#include <filesystem>
#include <string>
#include <vector>

namespace agentrun::run {

/// Copies the paths out of the container with `tar` run by exec as the sandbox user. For a fresh run,
/// while the agent holds the container after its report: every process of the run is gone by then (F6),
/// so nothing can swap a directory for a link mid-copy. For a run in a session, after the cell's report
/// with every process but the session's interpreter gone (a thread of that interpreter may still run:
/// tar reads only what the sandbox user can read, and no link leaves the reader either way). The stream
/// goes through the F1–F5 rules (TarReader) into the destination (HostWriter) or, with no destination,
/// into memory (MemoryWriter, CollectedFiles::contents; the total capped at request.memoryTotalBytes).
/// Missing paths, and paths with a symbolic link on the way (a folder of the path that is a link: never
/// followed, not even inside the container), are named in `error` or `rejected`; the others are still
/// copied. A copy aborted by a cap or a broken archive removes what it wrote: all or nothing.
model::CollectedFiles collectFiles(sandbox::SandboxEngine& engine, const std::string& containerId,
                                   const model::CollectRequest& request);

} // namespace agentrun::run
