#include "agentrun/engine/endpoint.h"

#include "agentrun/errorcodes.h"

#include <cstdlib>

namespace agentrun::engine {

Result<Endpoint> Endpoint::parse(std::string_view dockerHost)
{
    Endpoint endpoint;
    if (dockerHost.empty()) {
        return endpoint;
    }
    if (dockerHost.starts_with("unix://")) {
        endpoint.socketPath = std::string(dockerHost.substr(7));
        if (endpoint.socketPath.empty() || endpoint.socketPath.front() != '/') {
            return fail(errc::EngineAddress,
                        "DOCKER_HOST \"" + std::string(dockerHost) +
                            "\" needs an absolute socket path, like unix:///var/run/docker.sock.");
        }
        return endpoint;
    }
    if (dockerHost.starts_with("tcp://")) {
        endpoint.kind = Kind::Tcp;
        endpoint.hostPort = std::string(dockerHost.substr(6));
        while (!endpoint.hostPort.empty() && endpoint.hostPort.back() == '/') {
            endpoint.hostPort.pop_back();
        }
        if (endpoint.hostPort.empty() || endpoint.hostPort.find(':') == std::string::npos) {
            return fail(errc::EngineAddress, "DOCKER_HOST \"" + std::string(dockerHost) +
                                                 "\" needs a host and a port, like tcp://127.0.0.1:2375.");
        }
        return endpoint;
    }
    return fail(errc::EngineAddress,
                "DOCKER_HOST \"" + std::string(dockerHost) +
                    "\" is not supported: use unix:///path/to/docker.sock or tcp://host:port.");
}

Result<Endpoint> Endpoint::resolve(std::string_view dockerHost)
{
    if (!dockerHost.empty()) {
        return parse(dockerHost);
    }
    const char* env = std::getenv("DOCKER_HOST");
    return parse(env ? std::string_view(env) : std::string_view());
}

std::string Endpoint::display() const
{
    return kind == Kind::Unix ? "unix://" + socketPath : "tcp://" + hostPort;
}

std::string Endpoint::baseUrl() const
{
    return kind == Kind::Unix ? std::string("http://docker") : "http://" + hostPort;
}

} // namespace agentrun::engine
