#pragma once

#include "agentrun/engine/client.h"
#include "agentrun/sandbox/sandboxengine.h"

namespace agentrun::run {

/// Removes the sandboxes a crashed AgentRun process left behind (found by label; their owner process is
/// gone), then its egress proxies' networks (on the engine itself: `client`). Returns how many sandboxes
/// and networks were removed.
int removeLeftovers(sandbox::SandboxEngine& sandboxes, engine::Client& client);

} // namespace agentrun::run
