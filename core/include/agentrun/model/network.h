#pragma once

#include "agentrun/error.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::model {

/// One entry of a run's network allowlist: a host name (exact, or every name under a domain) and the
/// ports it may be reached on.
struct AllowEntry
{
    std::string host;       ///< lower case, no trailing dot; for a wildcard the domain after "*."
    bool wildcard = false;  ///< "*.example.com": names under example.com, not example.com itself
    std::vector<int> ports; ///< the given port, or 80 and 443

    std::string text() const; ///< the normalised entry: "api.example.com:8443", "*.example.org"
};

/// Reads "name", "*.name", "name:port" or "*.name:port". Refused, with a sentence saying why: addresses
/// (the proxy allows names, and refuses every direct IP), schemes and paths ("https://…"), ports out of
/// 1..65535, names that are not DNS names (labels of letters, digits and hyphens, 1..63 each, 253 in
/// all), a bare "*" or a wildcard one label under the top (`*.com`).
Result<AllowEntry> parseAllowEntry(std::string_view text);

/// Parses, normalises, sorts and deduplicates a list (at most `MaxAllowEntries`); the error's code is
/// limits.allow_hosts and its message names the entry.
Result<std::vector<std::string>> normaliseAllowHosts(const std::vector<std::string>& entries);
inline constexpr std::size_t MaxAllowEntries = 64;

/// Whether a name (and port) is covered by an entry, as the proxy decides it.
bool allows(const AllowEntry& entry, std::string_view host, int port);

/// Where allowlisted runs reach out through (sandbox/egressproxy.h): the proxy's image, the engine
/// network it reaches out on, and (tests, closed networks) the addresses it uses for names instead of DNS.
struct ProxySettings
{
    std::string image = "agentrun-proxy:bookworm";
    std::string egressNetwork = "bridge";
    /// name → address, written into the proxy's /etc/hosts; when given, the proxy resolves nothing else.
    std::map<std::string, std::string> hosts;
};

/// One connection the sandbox asked the egress proxy for, as the proxy recorded it.
struct Connection
{
    std::string host; ///< the name asked for (or the address, for a refused direct IP)
    int port = 0;
    std::string method;             ///< CONNECT (HTTPS and other TLS), GET, POST, …
    bool allowed = false;           ///< the proxy let it through
    int status = 0;                 ///< the proxy's HTTP status (200, 403, 503 when the name did not resolve)
    std::int64_t bytesSent = 0;     ///< from the sandbox towards the host
    std::int64_t bytesReceived = 0; ///< from the host (or the proxy's refusal) to the sandbox
    double durationMs = 0;

    bool operator==(const Connection&) const = default;
};

/// One line per request, for a terminal: "  denied  CONNECT other.test:443 (403)" or
/// "  allowed GET api.test:80 (200, 120 B sent, 4.1 KiB received, 12 ms)".
std::string describe(const Connection& connection);
/// "3 requests through the egress proxy (2 allowed, 1 denied); 14.2 KiB moved".
std::string summary(const std::vector<Connection>& connections, std::int64_t bytes);

/// [{"host", "port", "method", "allowed", "status", "bytes_sent", "bytes_received", "duration_ms"}]:
/// the result's network.connections (CLI --json, REST, history).
nlohmann::json toJson(const std::vector<Connection>& connections);
/// Reads what toJson wrote; entries that are not objects are skipped, missing fields read as empty.
std::vector<Connection> connectionsFromJson(const nlohmann::json& json);

} // namespace agentrun::model
