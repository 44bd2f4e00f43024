#pragma once

// Internal to deps/: an install from an index reaches that index, and nothing else, through the egress
// proxy of allowlisted runs (docs/security.md, "Network by allowlist").

#include "agentrun/error.h"
#include "agentrun/model/network.h"

#include <string>
#include <vector>

namespace agentrun::deps {

/// The URL's host[:port], without its scheme, user information and path.
std::string indexAuthority(const std::string& indexUrl);

/// What an install may reach: the index URL's host on its port (443 for https, 80 for http unless the
/// URL names one), then each of `extraHosts` (allowlist entries, AGENTRUN_INDEX_HOSTS). An index given
/// by its IPv4 address is allowed by that address. deps.source when the URL has no host, or an extra
/// entry is not an allowlist entry (saying which).
Result<std::vector<model::AllowEntry>> indexAllowList(const std::string& indexUrl,
                                                      const std::vector<std::string>& extraHosts);

/// The lines an install prints about its traffic: one per request the proxy refused, then a summary.
std::vector<std::string> indexTrafficLines(const std::vector<model::Connection>& connections);

/// A sentence for a failed install whose traffic the proxy refused (empty when it refused nothing):
/// which hosts, that an install reaches only the index, and how to add a host the index sends pip to.
std::string refusedIndexHosts(const std::vector<model::Connection>& connections);

} // namespace agentrun::deps
