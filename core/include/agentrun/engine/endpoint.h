#pragma once

#include "agentrun/error.h"

#include <string>
#include <string_view>

namespace agentrun::engine {

/// How a TCP engine is to be reached, read the way the docker CLI reads it (docs/setup.md, "A remote
/// engine over TLS"). Kept apart from the environment so that Endpoint::parse can be tested with any
/// combination; TlsSettings::fromEnvironment() reads the variables.
struct TlsSettings
{
    /// DOCKER_TLS_VERIFY is set to a non-empty value (any value, "0" included, as for the docker CLI):
    /// TLS with a client certificate, the engine's certificate checked against the CA and the host name.
    bool verify = false;
    /// DOCKER_TLS is set without DOCKER_TLS_VERIFY: the docker CLI then speaks TLS without checking the
    /// engine's certificate. AgentRun does not; it refuses such a setting.
    bool unverified = false;
    /// The folder with ca.pem, cert.pem and key.pem: DOCKER_CERT_PATH, else $DOCKER_CONFIG, else
    /// ~/.docker.
    std::string certPath;
    /// Where certPath came from, for messages: "DOCKER_CERT_PATH", "DOCKER_CONFIG" or "the default".
    std::string certPathSource = "the default";
    /// AGENTRUN_ALLOW_PLAIN_TCP=1: plain tcp:// to an address that is not loopback is accepted.
    bool allowPlainTcp = false;

    static TlsSettings fromEnvironment();
};

/// Where the Docker engine listens: `unix:///var/run/docker.sock` or `tcp://host:port`, and how the
/// connection is secured.
struct Endpoint
{
    enum class Kind
    {
        Unix,
        Tcp
    };
    /// How the connection is protected, for `agentrun doctor` and messages.
    enum class Security
    {
        UnixSocket,    ///< file permissions of the socket
        Tls,           ///< TLS, engine certificate checked against caFile, our client certificate
        PlainLoopback, ///< plain TCP to a loopback address: anyone on this machine who reaches the port
        PlainAllowed,  ///< plain TCP to another address, allowed by AGENTRUN_ALLOW_PLAIN_TCP=1
    };
    Kind kind = Kind::Unix;
    std::string socketPath = "/var/run/docker.sock"; ///< Unix only
    std::string hostPort;                            ///< Tcp only: "host:port" ("[::1]:2375" for IPv6)
    std::string host;                                ///< Tcp only: the host without brackets and port
    Security security = Security::UnixSocket;
    std::string caFile;   ///< Tls only: ca.pem, the only CA trusted for the engine's certificate
    std::string certFile; ///< Tls only: cert.pem, our client certificate
    std::string keyFile;  ///< Tls only: key.pem, its private key

    /// Parses a DOCKER_HOST value with the given TLS settings; empty means the default socket. Refuses
    /// plain TCP to an address that is not loopback (unless tls.allowPlainTcp) and, with TLS, checks that
    /// the three certificate files exist and can be read, so that no connection is made without them.
    static Result<Endpoint> parse(std::string_view dockerHost, const TlsSettings& tls = {});
    /// `dockerHost` if not empty (an address, or a docker context's name when it has no "://": "default"
    /// is DOCKER_HOST or the default socket), else $DOCKER_HOST, else the docker CLI's current context
    /// (DOCKER_CONTEXT, else config.json's currentContext: DockerContext), else the default socket; TLS
    /// settings from the environment (TlsSettings::fromEnvironment) or from the context.
    static Result<Endpoint> resolve(std::string_view dockerHost = {});

    /// True for 127.0.0.0/8, ::1 (and ::ffff:127.x.y.z) and "localhost".
    static bool isLoopback(std::string_view host);

    bool tls() const { return security == Security::Tls; }
    std::string display() const;      ///< as a person would write it in DOCKER_HOST
    std::string baseUrl() const;      ///< URL prefix for libcurl ("http://docker" over a unix socket)
    std::string securityText() const; ///< e.g. "TLS with client certificate (CA /x/ca.pem)"
    std::string securityName() const; ///< "unix_socket", "tls", "plain_tcp_loopback", "plain_tcp_allowed"
};

} // namespace agentrun::engine
