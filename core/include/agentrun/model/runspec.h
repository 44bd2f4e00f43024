#pragma once

#include "agentrun/model/files.h"
#include "agentrun/model/limits.h"

#include <string>
#include <vector>

namespace agentrun::model {

/// The one description of a run. Every front end (workbench, CLI, REST, MCP) fills it the same way —
/// a profile first (profile::applyTo), then the front end's own input — and hands it to the executor;
/// the history records it. Its JSON form is model/runspecjson.h.
struct RunSpec
{
    std::string code;
    std::string stdinData;
    std::vector<std::string> argv;
    Limits limits;
    std::string policy = "standard"; ///< preset name or policy file path
    bool skipCheck = false;          ///< refused when the policy forbids overriding the check
    std::string overrideReason;      ///< why the check is skipped, as the person gave it (history)
    std::string profile;             ///< the profile the settings started from; empty: none (history)
    std::vector<std::string> allow;  ///< dependency whitelist: "*" any, empty none (nothing installed)
    std::string wheelhouse;          ///< host folder of wheels: offline installs (--no-index)
    std::string indexUrl;            ///< package index: network for the install phase only
    std::vector<std::string> cached; ///< cached dependencies: the run uses their baked image (deps/bake.h)
    double installTimeoutSeconds = 300;
    /// Files to copy out of the working directory after the run (empty: none), F1–F6 rules applied.
    CollectRequest collect;
    /// Run in this open session (Executor::openSession): its sandbox and Python state, its memory,
    /// pids, cpus, tmpfs, network and runtime; this spec's timeout and output limit. Empty: a fresh run.
    std::string sessionId;
    /// Files placed in the working directory (/tmp) before the code runs (validateInputFiles).
    std::vector<InputFile> files;
};

} // namespace agentrun::model
