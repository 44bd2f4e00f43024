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

} // namespace agentrun::run
