#include "agentrun/run/executorconfig.h"

#include <cstdlib>

namespace agentrun::run {

ExecutorConfig configFromEnvironment()
{
    ExecutorConfig config;
    // An empty variable is treated as unset: `AGENTRUN_IMAGE= agentrun run` must not ask for image "".
    if (const char* image = std::getenv("AGENTRUN_IMAGE"); image != nullptr && *image != '\0') {
        config.image = image;
    }
    if (const char* host = std::getenv("DOCKER_HOST"); host != nullptr) {
        config.dockerHost = host;
    }
    return config;
}

} // namespace agentrun::run
