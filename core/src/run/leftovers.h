#pragma once

#include "agentrun/engine/client.h"

namespace agentrun::run {

/// Removes containers a crashed AgentRun process left behind (found by label; their owner process is
/// gone), then its egress proxies' networks. Returns how many containers and networks were removed.
int removeLeftovers(engine::Client& client);

} // namespace agentrun::run
