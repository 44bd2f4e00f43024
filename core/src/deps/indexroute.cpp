#include "deps/indexroute.h"

#include "agentrun/errorcodes.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

namespace agentrun::deps {

namespace {

bool isIpv4(std::string_view host)
{
    int dots = 0;
    for (const char c : host) {
        if (c == '.') {
            ++dots;
        } else if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
            return false;
        }
    }
    return dots == 3;
}

} // namespace

std::string indexAuthority(const std::string& indexUrl)
{
    const auto scheme = indexUrl.find("://");
    std::string authority = indexUrl.substr(scheme == std::string::npos ? 0 : scheme + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (const auto at = authority.rfind('@'); at != std::string::npos) {
        authority.erase(0, at + 1);
    }
    return authority;
}

Result<std::vector<model::AllowEntry>> indexAllowList(const std::string& indexUrl,
                                                      const std::vector<std::string>& extraHosts)
{
    const auto scheme = indexUrl.find("://");
    const bool https = indexUrl.starts_with("https://");
    if (scheme == std::string::npos || (!https && !indexUrl.starts_with("http://"))) {
        return fail(errc::DepsSource,
                    "The index URL \"" + indexUrl.substr(0, 100) + "\" is not an http(s) URL.");
    }
    const std::string authority = indexAuthority(indexUrl);
    std::string host = authority;
    int port = https ? 443 : 80;
    if (const auto colon = authority.rfind(':');
        colon != std::string::npos && authority.find(']') == std::string::npos) {
        host = authority.substr(0, colon);
        const std::string_view digits = std::string_view(authority).substr(colon + 1);
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
        if (ec != std::errc() || end != digits.data() + digits.size() || port < 1 || port > 65535) {
            return fail(errc::DepsSource, "The index URL \"" + indexUrl.substr(0, 100) +
                                              "\" has a port that is not a number in 1..65535.");
        }
    }
    std::ranges::transform(host, host.begin(), [](unsigned char c) { return std::tolower(c); });
    std::vector<model::AllowEntry> entries;
    if (isIpv4(host)) { // a mirror on the local network by its address: the proxy compares the text
        entries.push_back(model::AllowEntry{host, false, {port}});
    } else {
        auto entry = model::parseAllowEntry(host + ":" + std::to_string(port));
        if (!entry) {
            return fail(errc::DepsSource,
                        "The index URL \"" + indexUrl.substr(0, 100) +
                            "\" does not name a host the install can reach: " + entry.error().message);
        }
        entries.push_back(std::move(*entry));
    }
    for (const auto& text : extraHosts) {
        auto entry = model::parseAllowEntry(text);
        if (!entry) {
            return fail(errc::DepsSource,
                        "AGENTRUN_INDEX_HOSTS holds \"" + text + "\": " + entry.error().message);
        }
        entries.push_back(std::move(*entry));
    }
    return entries;
}

std::vector<std::string> indexTrafficLines(const std::vector<model::Connection>& connections)
{
    std::vector<std::string> lines;
    for (const auto& connection : connections) {
        if (!connection.allowed) {
            lines.push_back("Index traffic " + model::describe(connection));
        }
    }
    std::int64_t bytes = 0;
    for (const auto& connection : connections) {
        bytes += connection.bytesSent + connection.bytesReceived;
    }
    if (!connections.empty()) {
        lines.push_back("Index traffic: " + model::summary(connections, bytes));
    }
    return lines;
}

std::string refusedIndexHosts(const std::vector<model::Connection>& connections)
{
    std::set<std::string> refused;
    for (const auto& connection : connections) {
        if (!connection.allowed) {
            refused.insert(connection.host + ":" + std::to_string(connection.port));
        }
    }
    if (refused.empty()) {
        return {};
    }
    std::string names;
    for (const auto& name : refused) {
        names += (names.empty() ? "" : ", ") + name;
    }
    return "The egress proxy refused " + names +
           ": an install reaches only the index's own host. If the index serves its files from another "
           "host, allow that host for installs with AGENTRUN_INDEX_HOSTS (e.g. AGENTRUN_INDEX_HOSTS=" +
           refused.begin()->substr(0, refused.begin()->rfind(':')) + ").";
}

} // namespace agentrun::deps
