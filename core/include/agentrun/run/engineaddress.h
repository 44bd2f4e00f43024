#pragma once

#include <string>
#include <string_view>

namespace agentrun::run {

/// Where the runs look for the engine, written as in DOCKER_HOST (engine::Endpoint::resolve): `dockerHost`
/// (ExecutorConfig::dockerHost) when set, else $DOCKER_HOST, else the docker CLI's current context, else
/// the default socket. When that address is refused (see the run's error for why), what was given.
std::string engineAddress(std::string_view dockerHost);

} // namespace agentrun::run
