#pragma once

#include "agentrun/engine/endpoint.h"

#include <curl/curl.h>

namespace agentrun::engine {

/// Sets the libcurl options that say where the engine is and how the connection is secured: the unix
/// socket, or for TLS the CA (the only one trusted: no system CA store), the client certificate and key,
/// with the engine's certificate and host name checked. Every handle that talks to the engine is set up
/// here (requests in client.cpp, the hijacked attach/exec streams in attach.cpp). `errorBuffer`
/// (CURL_ERROR_SIZE bytes) receives libcurl's detail, which says why a TLS handshake failed.
inline void applyEndpoint(CURL* curl, const Endpoint& endpoint, char* errorBuffer)
{
    if (errorBuffer) {
        errorBuffer[0] = '\0';
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorBuffer);
    }
    if (endpoint.kind == Endpoint::Kind::Unix) {
        curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, endpoint.socketPath.c_str());
        return;
    }
    // A proxy from http_proxy/https_proxy is never used for the engine: it would see (or, for plain
    // TCP, hold) the connection that controls the machine.
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    if (!endpoint.tls()) {
        return;
    }
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_CAINFO, endpoint.caFile.c_str());
    curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr); // only the engine's CA, not the system's
    // Endpoint::parse always names both; an Endpoint built by hand without them (a test) sends none.
    if (!endpoint.certFile.empty()) {
        curl_easy_setopt(curl, CURLOPT_SSLCERT, endpoint.certFile.c_str());
        curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (!endpoint.keyFile.empty()) {
        curl_easy_setopt(curl, CURLOPT_SSLKEY, endpoint.keyFile.c_str());
        curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
    }
}

} // namespace agentrun::engine
