#include "agentrun/run/executorconfig.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>

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
    if (const char* image = std::getenv("AGENTRUN_PROXY_IMAGE"); image != nullptr && *image != '\0') {
        config.proxy.image = image;
    }
    if (const char* egress = std::getenv("AGENTRUN_EGRESS_NETWORK"); egress != nullptr && *egress != '\0') {
        config.proxy.egressNetwork = egress;
    }
    if (const char* hosts = std::getenv("AGENTRUN_PROXY_HOSTS"); hosts != nullptr) {
        std::string_view rest = hosts;
        while (!rest.empty()) {
            const auto comma = std::min(rest.find(','), rest.size());
            const std::string_view item = rest.substr(0, comma);
            if (const auto equals = item.find('='); equals != std::string_view::npos && equals > 0) {
                config.proxy.hosts[std::string(item.substr(0, equals))] =
                    std::string(item.substr(equals + 1));
            }
            rest.remove_prefix(std::min(comma + 1, rest.size()));
        }
    }
    if (const char* hosts = std::getenv("AGENTRUN_INDEX_HOSTS"); hosts != nullptr) {
        std::string_view rest = hosts;
        while (!rest.empty()) {
            const auto comma = std::min(rest.find(','), rest.size());
            if (comma > 0) {
                config.indexHosts.emplace_back(rest.substr(0, comma));
            }
            rest.remove_prefix(std::min(comma + 1, rest.size()));
        }
    }
    return config;
}

} // namespace agentrun::run
