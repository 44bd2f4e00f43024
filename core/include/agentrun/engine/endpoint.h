#pragma once

#include "agentrun/error.h"

#include <string>
#include <string_view>

namespace agentrun::engine {

/// Where the Docker engine listens: `unix:///var/run/docker.sock` or `tcp://host:port`.
struct Endpoint
{
    enum class Kind
    {
        Unix,
        Tcp
    };
    Kind kind = Kind::Unix;
    std::string socketPath = "/var/run/docker.sock"; ///< Unix only
    std::string hostPort;                            ///< Tcp only: "host:port"

    /// Parses a DOCKER_HOST value; empty means the default socket.
    static Result<Endpoint> parse(std::string_view dockerHost);
    /// `dockerHost` if not empty, else $DOCKER_HOST, else the default socket.
    static Result<Endpoint> resolve(std::string_view dockerHost = {});

    std::string display() const; ///< as a person would write it in DOCKER_HOST
    std::string baseUrl() const; ///< URL prefix for libcurl ("http://docker" over a unix socket)
};

} // namespace agentrun::engine
