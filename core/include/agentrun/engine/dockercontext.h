#pragma once

#include "agentrun/engine/endpoint.h"
#include "agentrun/error.h"

#include <string>
#include <string_view>

namespace agentrun::engine {

/// The docker CLI's contexts (`docker context create/use`), read from its own store so that an engine a
/// user already set up for `docker` is reached the same way here (docs/setup.md, "Docker contexts").
///
/// The store lives in the docker CLI's configuration folder ($DOCKER_CONFIG, else ~/.docker):
///   contexts/meta/<sha256 of the name>/meta.json   {"Name": …, "Endpoints": {"docker": {"Host": …,
///                                                   "SkipTLSVerify": …}}}
///   contexts/tls/<sha256 of the name>/docker/      ca.pem, cert.pem, key.pem (when the context has TLS)
/// and config.json's "currentContext" is the context `docker context use` chose.
struct DockerContext
{
    std::string name;
    std::string host;           ///< the docker endpoint's Host, e.g. tcp://build1:2376
    bool skipTlsVerify = false; ///< the context asks for TLS without checking the engine: refused
    std::string tlsFolder;      ///< contexts/tls/<digest>/docker when it exists, else empty

    /// The name the docker CLI would use, in its order: `flag` (--context) if given; "default" when
    /// DOCKER_HOST is set; DOCKER_CONTEXT; config.json's currentContext; "default". A config.json that
    /// cannot be read as JSON is an error (the docker CLI refuses it too), a missing one is not.
    static Result<std::string> currentName(std::string_view flag, const std::string& configFolder);
    /// Reads the context `name` from the store in `configFolder`. "default" is not in the store (it is
    /// DOCKER_HOST or the default socket): asking for it is an error, callers check first.
    static Result<DockerContext> load(std::string_view name, const std::string& configFolder);
    /// $DOCKER_CONFIG, else ~/.docker.
    static std::string configFolder();

    /// The endpoint this context names, with its TLS material; the same checks as DOCKER_HOST (plain TCP
    /// only to loopback unless `allowPlainTcp`, the three PEM files present).
    Result<Endpoint> endpoint(bool allowPlainTcp) const;
};

} // namespace agentrun::engine
