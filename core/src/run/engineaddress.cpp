#include "agentrun/run/engineaddress.h"

#include "agentrun/engine/endpoint.h"

#include <cstdlib>

namespace agentrun::run {

std::string engineAddress(std::string_view dockerHost)
{
    if (auto endpoint = engine::Endpoint::resolve(dockerHost)) {
        return endpoint->display();
    }
    if (!dockerHost.empty()) {
        return std::string(dockerHost);
    }
    const char* env = std::getenv("DOCKER_HOST");
    return env && *env ? std::string(env) : std::string("the engine setting");
}

} // namespace agentrun::run
