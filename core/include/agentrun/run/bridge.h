#pragma once

#include "agentrun/error.h"

namespace agentrun::engine {
class Client;
}

namespace agentrun::run {

/// Does the engine have its default `bridge` network? An engine started with `--bridge=none` (as
/// quickstart's test mode starts one) has none: a container asking for it gets loopback only, silently.
Result<bool> hasBridgeNetwork(engine::Client& client);

/// Fails with engine.no_bridge, saying why and what to do, when `what` (e.g. "--network bridge") needs a
/// network the engine cannot give; engine errors pass through.
Result<void> requireBridgeNetwork(engine::Client& client, const std::string& what);

/// The same for the egress network the proxy of allowlisted runs and index installs sits on
/// (ProxySettings::egressNetwork, AGENTRUN_EGRESS_NETWORK): the bridge's message when it is "bridge",
/// else engine.no_bridge naming the network and the variable.
Result<void> requireEgressNetwork(engine::Client& client, const std::string& network,
                                  const std::string& what);

} // namespace agentrun::run
