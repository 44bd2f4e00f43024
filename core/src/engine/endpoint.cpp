#include "agentrun/engine/endpoint.h"

#include "agentrun/engine/dockercontext.h"

#include "agentrun/errorcodes.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace agentrun::engine {

namespace {

constexpr const char* UseTls =
    "set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to a folder with the engine's CA certificate (ca.pem), "
    "a client certificate (cert.pem) and its key (key.pem), with DOCKER_HOST=tcp://host:2376";

std::string environment(const char* name)
{
    const char* value = std::getenv(name);
    return value ? std::string(value) : std::string();
}

std::string homeFolder()
{
    if (std::string home = environment("HOME"); !home.empty()) {
        return home;
    }
    // getpwuid is enough here: resolve() runs at start-up and the entry is copied at once.
    const passwd* entry = ::getpwuid(::getuid()); // NOLINT(concurrency-mt-unsafe)
    return entry && entry->pw_dir ? std::string(entry->pw_dir) : std::string();
}

// Why `path` cannot serve as a PEM file, or nothing when it can: checked before any connection, so that
// a missing file is named instead of surfacing as a TLS failure.
std::optional<std::string> unusablePem(const std::string& path)
{
    struct stat info
    {};
    if (::stat(path.c_str(), &info) != 0) {
        return errno == ENOENT ? std::string("does not exist") : std::string(std::strerror(errno));
    }
    if (S_ISDIR(info.st_mode)) {
        return std::string("is a folder, not a file");
    }
    if (!S_ISREG(info.st_mode)) {
        return std::string("is not a regular file");
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return "cannot be read (" + std::string(std::strerror(errno)) + ")";
    }
    std::string text(64 * 1024, '\0');
    const ssize_t got = ::read(fd, text.data(), text.size());
    const int readErrno = errno;
    ::close(fd);
    if (got < 0) {
        return "cannot be read (" + std::string(std::strerror(readErrno)) + ")";
    }
    text.resize(static_cast<std::size_t>(got));
    if (text.empty()) {
        return std::string("is empty");
    }
    if (text.find("-----BEGIN ") == std::string::npos) {
        return std::string("is not a PEM file (it has no \"-----BEGIN\" line)");
    }
    return std::nullopt;
}

std::string joinPath(const std::string& folder, const char* name)
{
    return folder.ends_with('/') ? folder + name : folder + "/" + name;
}

struct HostPort
{
    std::string host;
    std::string port;
};

// "host:port", "[v6]:port"; nothing when it is neither.
std::optional<HostPort> splitHostPort(std::string_view text)
{
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return std::nullopt;
        }
        return HostPort{std::string(text.substr(1, close - 1)), std::string(text.substr(close + 2))};
    }
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos) {
        return std::nullopt; // no port, or an IPv6 address without brackets
    }
    return HostPort{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

bool validPort(const std::string& port)
{
    if (port.empty() || port.size() > 5 ||
        !std::ranges::all_of(port, [](unsigned char c) { return std::isdigit(c) != 0; })) {
        return false;
    }
    const long number = std::strtol(port.c_str(), nullptr, 10);
    return number >= 1 && number <= 65535;
}

} // namespace

TlsSettings TlsSettings::fromEnvironment()
{
    TlsSettings settings;
    settings.verify = !environment("DOCKER_TLS_VERIFY").empty();
    settings.unverified = !settings.verify && !environment("DOCKER_TLS").empty();
    if (std::string path = environment("DOCKER_CERT_PATH"); !path.empty()) {
        settings.certPath = path;
        settings.certPathSource = "DOCKER_CERT_PATH";
    } else if (std::string config = environment("DOCKER_CONFIG"); !config.empty()) {
        settings.certPath = config;
        settings.certPathSource = "DOCKER_CONFIG";
    } else if (std::string home = homeFolder(); !home.empty()) {
        settings.certPath = joinPath(home, ".docker");
        settings.certPathSource = "the default, ~/.docker";
    }
    settings.allowPlainTcp = environment("AGENTRUN_ALLOW_PLAIN_TCP") == "1";
    return settings;
}

bool Endpoint::isLoopback(std::string_view host)
{
    std::string lower(host);
    std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "localhost" || lower == "localhost.") {
        return true;
    }
    in_addr v4{};
    if (::inet_pton(AF_INET, lower.c_str(), &v4) == 1) {
        return (ntohl(v4.s_addr) >> 24) == 127;
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, lower.c_str(), &v6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&v6)) {
            return true;
        }
        return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
    }
    return false;
}

Result<Endpoint> Endpoint::parse(std::string_view dockerHost, const TlsSettings& tls)
{
    Endpoint endpoint;
    if (dockerHost.empty()) {
        return endpoint;
    }
    const std::string given(dockerHost);
    if (dockerHost.starts_with("unix://")) {
        // A unix socket is protected by its file permissions; DOCKER_TLS_VERIFY does not apply to it (as
        // for the docker CLI).
        endpoint.socketPath = std::string(dockerHost.substr(7));
        if (endpoint.socketPath.empty() || endpoint.socketPath.front() != '/') {
            return fail(errc::EngineAddress, "DOCKER_HOST \"" + given +
                                                 "\" needs an absolute socket path, like "
                                                 "unix:///var/run/docker.sock.");
        }
        return endpoint;
    }
    if (!dockerHost.starts_with("tcp://")) {
        return fail(errc::EngineAddress,
                    "DOCKER_HOST \"" + given +
                        "\" is not supported: use unix:///path/to/docker.sock or tcp://host:port.");
    }
    endpoint.kind = Kind::Tcp;
    std::string_view rest = dockerHost.substr(6);
    while (!rest.empty() && rest.back() == '/') {
        rest.remove_suffix(1);
    }
    const auto parts = rest.find('/') == std::string_view::npos ? splitHostPort(rest) : std::nullopt;
    if (!parts || parts->host.empty() || !validPort(parts->port)) {
        return fail(errc::EngineAddress,
                    "DOCKER_HOST \"" + given +
                        "\" needs a host and a port, like tcp://127.0.0.1:2375 (IPv6: tcp://[::1]:2375).");
    }
    endpoint.hostPort = std::string(rest);
    endpoint.host = parts->host;

    if (tls.verify) {
        if (tls.certPath.empty()) {
            return fail(errc::EngineAddress,
                        "DOCKER_TLS_VERIFY is set but there is no folder to take the certificates from (no "
                        "DOCKER_CERT_PATH and no home folder): set DOCKER_CERT_PATH to the folder with "
                        "ca.pem, cert.pem and key.pem.");
        }
        endpoint.security = Security::Tls;
        endpoint.caFile = joinPath(tls.certPath, "ca.pem");
        endpoint.certFile = joinPath(tls.certPath, "cert.pem");
        endpoint.keyFile = joinPath(tls.certPath, "key.pem");
        const struct
        {
            const std::string& path;
            const char* what;
        } files[] = {{endpoint.caFile, "the CA certificate"},
                     {endpoint.certFile, "the client certificate"},
                     {endpoint.keyFile, "the client key"}};
        for (const auto& file : files) {
            if (auto why = unusablePem(file.path)) {
                return fail(errc::EngineAddress,
                            "DOCKER_TLS_VERIFY is set for " + endpoint.display() + ", but " + file.what +
                                " " + file.path + " (from " + tls.certPathSource + ") " + *why +
                                ". The certificate folder must hold the engine's CA certificate (ca.pem), "
                                "a client certificate (cert.pem) and its key (key.pem): put them there or "
                                "point DOCKER_CERT_PATH at the folder that has them.");
            }
        }
        return endpoint;
    }
    if (tls.unverified) {
        return fail(errc::EngineAddress,
                    "DOCKER_TLS is set without DOCKER_TLS_VERIFY for " + endpoint.display() +
                        ": that is TLS without checking the engine's certificate, which AgentRun does not "
                        "do (anyone in the middle could pose as the engine). Instead, " +
                        std::string(UseTls) + ".");
    }
    if (isLoopback(endpoint.host)) {
        endpoint.security = Security::PlainLoopback;
        return endpoint;
    }
    if (tls.allowPlainTcp) {
        endpoint.security = Security::PlainAllowed;
        return endpoint;
    }
    const std::string certPathHint =
        tls.certPathSource == "DOCKER_CERT_PATH"
            ? " (DOCKER_CERT_PATH is set, but without DOCKER_TLS_VERIFY nothing uses it)"
            : "";
    return fail(errc::EngineAddress,
                "Refusing DOCKER_HOST " + endpoint.display() +
                    ": plain TCP without TLS to an address that is not loopback. Anyone who can reach that "
                    "port controls the Docker engine, and with it the machine it runs on" +
                    certPathHint + ". Use TLS: " + UseTls +
                    "; or reach the engine through a loopback port (an SSH tunnel). On a network you fully "
                    "trust, AGENTRUN_ALLOW_PLAIN_TCP=1 accepts it anyway.");
}

Result<Endpoint> Endpoint::resolve(std::string_view dockerHost)
{
    const TlsSettings tls = TlsSettings::fromEnvironment();
    if (!dockerHost.empty() && dockerHost.find("://") != std::string_view::npos) {
        return parse(dockerHost, tls);
    }
    if (!dockerHost.empty()) {
        // A name, not an address: a docker context (`serve --engine NAME`), "default" being DOCKER_HOST or
        // the default socket as for the docker CLI.
        if (dockerHost == "default") {
            const char* env = std::getenv("DOCKER_HOST");
            return parse(env ? env : "", tls);
        }
        auto context = DockerContext::load(dockerHost, DockerContext::configFolder());
        if (!context) {
            return std::unexpected(context.error());
        }
        return context->endpoint(tls.allowPlainTcp);
    }
    if (const char* env = std::getenv("DOCKER_HOST"); env && *env) {
        return parse(env, tls);
    }
    // No DOCKER_HOST: the docker CLI's current context (DOCKER_CONTEXT, else `docker context use`), the
    // default socket when that is "default".
    const std::string folder = DockerContext::configFolder();
    auto name = DockerContext::currentName({}, folder);
    if (!name) {
        return std::unexpected(name.error());
    }
    if (*name == "default") {
        return parse({}, tls);
    }
    auto context = DockerContext::load(*name, folder);
    if (!context) {
        return std::unexpected(context.error());
    }
    return context->endpoint(tls.allowPlainTcp);
}

std::string Endpoint::display() const
{
    return kind == Kind::Unix ? "unix://" + socketPath : "tcp://" + hostPort;
}

std::string Endpoint::baseUrl() const
{
    if (kind == Kind::Unix) {
        return "http://docker";
    }
    return (tls() ? "https://" : "http://") + hostPort;
}

std::string Endpoint::securityName() const
{
    switch (security) {
    case Security::UnixSocket:
        return "unix_socket";
    case Security::Tls:
        return "tls";
    case Security::PlainLoopback:
        return "plain_tcp_loopback";
    case Security::PlainAllowed:
        return "plain_tcp_allowed";
    }
    return "unknown";
}

std::string Endpoint::securityText() const
{
    switch (security) {
    case Security::UnixSocket:
        return "unix socket (who may open it controls the engine)";
    case Security::Tls:
        return "TLS with client certificate " + certFile + "; the engine's certificate is checked against " +
               caFile + " and the host name " + host;
    case Security::PlainLoopback:
        return "plain TCP on loopback, no TLS (every program on this machine that reaches the port controls "
               "the engine)";
    case Security::PlainAllowed:
        return "plain TCP without TLS, allowed by AGENTRUN_ALLOW_PLAIN_TCP=1 (anyone who reaches the port "
               "controls the engine)";
    }
    return "unknown";
}

} // namespace agentrun::engine
