#pragma once

#include "agentrun/model/network.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::sandbox {

/// The egress proxy's port on the sandbox's network.
inline constexpr int ProxyPort = 3128;

/// Squid's configuration for one allowlist: each entry allows its name (or the names under its domain)
/// on its ports, decided on the name the client asked for before anything is resolved; every other
/// request, direct IPs included, is refused. No cache, no identifying headers, the access log on stdout
/// in the format parseAccessLine() reads, and Squid's own log on stderr. With `hostsOnly` Squid resolves
/// names from its hosts file only (tests and closed networks): its DNS queries go nowhere.
std::string squidConfig(const std::vector<model::AllowEntry>& entries, bool hostsOnly);

/// The line Squid writes on stderr once it accepts connections.
inline constexpr std::string_view ProxyReadyMarker = "Accepting HTTP Socket connections";

/// One access-log line (prefix "AGENTRUN ") into the client's address and the connection; nullopt for
/// any other line or a malformed one (the proxy's output is read, not trusted).
struct AccessRecord
{
    std::string client;
    model::Connection connection;
};
std::optional<AccessRecord> parseAccessLine(std::string_view line);

} // namespace agentrun::sandbox
