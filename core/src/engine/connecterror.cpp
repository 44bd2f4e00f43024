#include "engine/connecterror.h"

#include "agentrun/errorcodes.h"
#include "engine/curlhandle.h"
#include "engine/transport.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <poll.h>
#include <sys/stat.h>

namespace agentrun::engine {

namespace {
constexpr const char* StartHint =
    "Start it (`sudo systemctl start docker`, or ./packaging/quickstart.sh in a source checkout) or "
    "set DOCKER_HOST to a running engine.";

bool isTlsCode(CURLcode code)
{
    switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
        return true;
    default:
        return false;
    }
}

bool contains(const std::string& lowerText, std::string_view part)
{
    return lowerText.find(part) != std::string::npos;
}

// libcurl's own words, in parentheses, when it gave any.
std::string detailSuffix(std::string_view detail, CURLcode code)
{
    std::string text(detail);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.pop_back();
    }
    return " (" + (text.empty() ? std::string(curl_easy_strerror(code)) : text) + ")";
}

// A TLS failure: which side refused what, and what to check. Nothing when it is not one.
std::optional<Error> tlsError(const Endpoint& endpoint, CURLcode code, std::string_view detail)
{
    std::string lower(detail);
    std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return std::tolower(c); });
    const std::string address = endpoint.display();
    const std::string why = detailSuffix(detail, code);
    // The engine's alert after our certificate (or its absence): in TLS 1.3 it arrives after the
    // handshake, on the first read, so it can come with CURLE_RECV_ERROR or CURLE_SEND_ERROR as well.
    const bool clientRefused =
        code == CURLE_SSL_CLIENTCERT || contains(lower, "alert certificate required") ||
        contains(lower, "alert bad certificate") || contains(lower, "alert unknown ca") ||
        contains(lower, "alert certificate unknown") || contains(lower, "alert access denied");
    if (clientRefused) {
        return Error{errc::EngineTransport,
                     "The Docker engine at " + address +
                         " refused our client certificate, so the TLS connection was closed" + why +
                         ". Check that " + endpoint.certFile + " and " + endpoint.keyFile +
                         " are there and are a client certificate signed by the CA the engine trusts (its "
                         "--tlscacert), and that the key belongs to the certificate."};
    }
    if (!isTlsCode(code)) {
        return std::nullopt;
    }
    if (code == CURLE_PEER_FAILED_VERIFICATION) {
        if (contains(lower, "subject name") || contains(lower, "hostname") || contains(lower, "host name")) {
            return Error{errc::EngineTransport,
                         "The Docker engine at " + address +
                             " presented a certificate that is not valid for " + endpoint.host + why +
                             ": its server certificate (--tlscert) needs that name or address in its "
                             "subjectAltName (DNS:… or IP:…), or DOCKER_HOST must use the name it was issued "
                             "for."};
        }
        return Error{errc::EngineTransport,
                     "The Docker engine at " + address +
                         " presented a certificate that is not trusted: it is not signed by the CA in " +
                         endpoint.caFile + why +
                         ". Check that ca.pem in the certificate folder (DOCKER_CERT_PATH) is the CA that "
                         "signed the engine's --tlscert, and that DOCKER_HOST names the engine you mean: "
                         "someone posing as the engine fails the same way."};
    }
    if (code == CURLE_SSL_CACERT_BADFILE) {
        return Error{errc::EngineTransport, "The CA certificate " + endpoint.caFile + " could not be loaded" +
                                                why +
                                                ": it must be the engine's CA certificate in PEM form."};
    }
    if (code == CURLE_SSL_CERTPROBLEM) {
        return Error{errc::EngineTransport,
                     "The client certificate " + endpoint.certFile + " or its key " + endpoint.keyFile +
                         " could not be used" + why +
                         ": both must be PEM files and the key must belong to the certificate."};
    }
    if (contains(lower, "wrong version number") || contains(lower, "packet length too long") ||
        contains(lower, "unexpected eof") || contains(lower, "record layer failure")) {
        return Error{errc::EngineTransport,
                     "The TLS handshake with " + address + " failed" + why +
                         ": the port does not speak TLS (a plain-HTTP engine port, usually 2375, or not a "
                         "Docker engine). Point DOCKER_HOST at the engine's TLS port (usually 2376, an "
                         "engine started with --tlsverify)."};
    }
    return Error{errc::EngineTransport, "The TLS connection to the Docker engine at " + address + " failed" +
                                            why + ". Check the certificates in the certificate folder (" +
                                            endpoint.caFile + ", " + endpoint.certFile + ", " +
                                            endpoint.keyFile +
                                            ") and that the engine runs with --tlsverify on that port."};
}
} // namespace

std::optional<Error> probeClientCertificate(const Endpoint& endpoint, std::chrono::milliseconds wait)
{
    if (!endpoint.tls()) {
        return std::nullopt;
    }
    // The engine may check our certificate before it has read the rest of our handshake; its close
    // then resets the connection again and the alert is lost once more. A few tries read it; an engine
    // that closes every fresh connection right after the handshake, before anything was sent, refuses
    // our certificate too (nothing else of ours is left for it to check), only without saying so.
    bool closedAfterHandshake = false;
    for (int attempt = 0; attempt < 3; ++attempt) {
        CurlHandle handle;
        CURL* curl = handle.get();
        if (!curl) {
            return std::nullopt;
        }
        char errorBuffer[CURL_ERROR_SIZE];
        curl_easy_setopt(curl, CURLOPT_URL, (endpoint.baseUrl() + "/_ping").c_str());
        applyEndpoint(curl, endpoint, errorBuffer);
        curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
        CURLcode code = curl_easy_perform(curl);
        if (code == CURLE_OK) {
            curl_socket_t socket = CURL_SOCKET_BAD;
            curl_easy_getinfo(curl, CURLINFO_ACTIVESOCKET, &socket);
            const auto deadline = std::chrono::steady_clock::now() + wait;
            char byte = 0;
            size_t received = 0;
            // Only the engine's refusal ends this early: a content engine waits for a request and sends
            // nothing but session tickets, which are no data (CURLE_AGAIN).
            while ((code = curl_easy_recv(curl, &byte, 1, &received)) == CURLE_AGAIN) {
                const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now());
                pollfd fd{socket, POLLIN, 0};
                if (left.count() <= 0 || ::poll(&fd, 1, static_cast<int>(left.count())) <= 0) {
                    return std::nullopt;
                }
            }
            if ((code == CURLE_OK && received == 0) || code == CURLE_RECV_ERROR) {
                closedAfterHandshake = true;
            }
        }
        auto error = tlsError(endpoint, code, errorBuffer);
        if (error && error->message.find("refused our client certificate") != std::string::npos) {
            return error;
        }
        if (code != CURLE_OK && code != CURLE_RECV_ERROR) {
            break; // not reachable, or a handshake failure of another kind: not this question
        }
    }
    if (!closedAfterHandshake) {
        return std::nullopt;
    }
    return Error{errc::EngineTransport,
                 "The Docker engine at " + endpoint.display() +
                     " closes each TLS connection right after the handshake, before any request and "
                     "without saying why: it most likely refused our client certificate. Check that " +
                     endpoint.certFile + " and " + endpoint.keyFile +
                     " are a client certificate signed by the CA the engine trusts (its --tlscacert), "
                     "and that the key belongs to the certificate."};
}

std::optional<Error> plainHttpToTlsPort(const Endpoint& endpoint, long status, std::string_view body)
{
    if (endpoint.kind != Endpoint::Kind::Tcp || endpoint.tls() || status != 400 ||
        body.find("HTTP request to an HTTPS server") == std::string_view::npos) {
        return std::nullopt;
    }
    return Error{errc::EngineTransport,
                 "The Docker engine at " + endpoint.display() +
                     " expects TLS on this port and refused plain HTTP. Set DOCKER_TLS_VERIFY=1 and "
                     "DOCKER_CERT_PATH to a folder with the engine's CA certificate (ca.pem), a client "
                     "certificate (cert.pem) and its key (key.pem)."};
}

Error connectError(const Endpoint& endpoint, CURLcode code, int osErrno, std::chrono::milliseconds timeout,
                   std::string_view detail)
{
    const std::string address = endpoint.display();
    if (endpoint.tls()) {
        if (auto error = tlsError(endpoint, code, detail)) {
            return *error;
        }
    }
    if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST) {
        if (endpoint.kind == Endpoint::Kind::Unix) {
            struct stat info
            {};
            // A directory on the way that we may not enter fails stat() with EACCES: the socket may well
            // be there, so that is a permission problem, not a missing engine.
            const bool statFailed = ::stat(endpoint.socketPath.c_str(), &info) != 0;
            if (statFailed && errno != EACCES) {
                return {errc::EngineUnreachable,
                        "Docker is not running: there is no socket at " + address + ". " + StartHint};
            }
            if (statFailed || osErrno == EACCES || osErrno == EPERM) {
                return {errc::EnginePermission,
                        "Permission denied on " + address +
                            ": add your user to the docker group (`sudo usermod -aG docker "
                            "$USER`, then log in again) or run as root."};
            }
        }
        return {errc::EngineUnreachable,
                "Docker is not running: the connection to " + address + " was refused. " + StartHint};
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
        // %g: "0.3 s", "30 s", "120 s" (to_string cut to 4 characters gave "0.30", "30.0", "120.").
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%g", static_cast<double>(timeout.count()) / 1000.0);
        return {errc::EngineTimeout,
                "The Docker engine at " + address + " did not complete the request within " + seconds +
                    " s: it may be overloaded or hung (check `systemctl status docker`)."};
    }
    if (code == CURLE_GOT_NOTHING || code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR ||
        code == CURLE_PARTIAL_FILE) {
        return {errc::EngineConnectionLost, "The connection to the Docker engine at " + address +
                                                " was lost mid-request: the engine may have been restarted. "
                                                "Try again once `agentrun doctor` says it is back."};
    }
    return {errc::EngineTransport, std::string("Talking to the Docker engine at ") + address +
                                       " failed: " + curl_easy_strerror(code) + "."};
}

} // namespace agentrun::engine
