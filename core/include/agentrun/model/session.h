#pragma once

#include "agentrun/model/limits.h"

#include <chrono>
#include <string>
#include <vector>

namespace agentrun::model {

/// One entry of a session's variables view, as the kernel saw it after a run (resources/agent/kernel.py):
/// values are never sent, only a short repr (at most 120 characters).
struct SessionVariable
{
    std::string name;
    std::string type;
    std::string repr;
    std::string size; ///< "3 items", "12 chars", "100x4" (a shape), or empty
};

/// What a run in a session adds to its result.
struct SessionRun
{
    std::string id;
    int cell = 0;           ///< the run's number in the session's current sandbox (1 after a restart)
    bool restarted = false; ///< the sandbox was replaced after this run (timeout, OOM, crash): state lost
    std::vector<SessionVariable> variables;
};

/// How long sessions live, and how many there may be.
struct SessionSettings
{
    double idleSeconds = 600;         ///< closed after this long without a run
    double maxLifetimeSeconds = 3600; ///< closed this long after it was opened, however busy
    int maxSessions = 8;              ///< open at once; one more is refused (session.limit)
};

/// A session as front ends list it.
struct SessionInfo
{
    std::string id;
    Limits limits; ///< memory, pids, cpus, tmpfs, network, runtime hold for the session; timeout per run
    std::string image;
    std::chrono::system_clock::time_point createdAt;
    std::chrono::system_clock::time_point lastUsedAt;
    int runs = 0;     ///< runs so far, all sandboxes together
    int restarts = 0; ///< sandboxes replaced (on demand, or after a timeout, OOM or crash)
    bool busy = false;
    double idleSeconds = 0;
    double maxLifetimeSeconds = 0;
};

} // namespace agentrun::model
