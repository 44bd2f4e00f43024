#include "agentrun/model/network.h"

#include "agentrun/errorcodes.h"
#include "agentrun/model/limits.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace agentrun::model {

namespace {

Error refused(std::string_view entry, const std::string& why)
{
    std::string shown(entry.substr(0, 80));
    return Error{errc::LimitsAllowHosts, "limits.allow_hosts: \"" + shown + "\" " + why};
}

bool isDnsName(std::string_view name)
{
    if (name.empty() || name.size() > 253) {
        return false;
    }
    std::size_t start = 0;
    while (start <= name.size()) {
        const std::size_t dot = std::min(name.find('.', start), name.size());
        const std::string_view label = name.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
            return false;
        }
        for (const char c : label) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
                return false;
            }
        }
        start = dot + 1;
        if (dot == name.size()) {
            break;
        }
    }
    return true;
}

bool looksLikeAddress(std::string_view host)
{
    // An IPv6 literal, or a last label that no top-level domain has: all digits (1.2.3.4, 3232235777) or
    // hexadecimal (0x7f000001), which resolvers read as an address.
    if (host.find(':') != std::string_view::npos || host.starts_with('[')) {
        return true;
    }
    const auto dot = host.rfind('.');
    std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
    if (last.size() > 2 && (last.starts_with("0x") || last.starts_with("0X"))) {
        last.remove_prefix(2);
        return std::ranges::all_of(last, [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
    }
    return !last.empty() &&
           std::ranges::all_of(last, [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

} // namespace

std::string AllowEntry::text() const
{
    std::string out = (wildcard ? "*." : "") + host;
    if (ports.size() == 1) {
        out += ":" + std::to_string(ports.front());
    }
    return out;
}

Result<AllowEntry> parseAllowEntry(std::string_view text)
{
    const std::string_view original = text;
    if (text.find("://") != std::string_view::npos || text.find('/') != std::string_view::npos) {
        return std::unexpected(refused(original, "is a URL: give the host name only, like api.example.com."));
    }
    if (text.starts_with('[')) {
        return std::unexpected(refused(original, "is an address: the proxy allows names only."));
    }
    AllowEntry entry;
    if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
        const std::string_view port = text.substr(colon + 1);
        int value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < 1 ||
            value > 65535) {
            if (text.substr(0, colon).find(':') != std::string_view::npos) {
                return std::unexpected(refused(original, "is an address: the proxy allows names only."));
            }
            return std::unexpected(refused(original, "has a port that is not a number from 1 to 65535."));
        }
        entry.ports = {value};
        text = text.substr(0, colon);
    } else {
        entry.ports = {80, 443};
    }
    if (text.starts_with("*.")) {
        entry.wildcard = true;
        text.remove_prefix(2);
    }
    std::string host(text);
    std::ranges::transform(host, host.begin(), [](unsigned char c) { return std::tolower(c); });
    if (host.ends_with('.')) {
        host.pop_back();
    }
    if (host.empty() || host == "*") {
        return std::unexpected(refused(original, "allows every host: name the hosts the code needs."));
    }
    if (looksLikeAddress(host)) {
        return std::unexpected(
            refused(original, "is an address: the proxy allows names only (and refuses every direct IP)."));
    }
    if (!isDnsName(host)) {
        return std::unexpected(refused(original, "is not a host name (letters, digits, hyphens and dots; "
                                                 "\"*.\" in front for every name under a domain)."));
    }
    if (entry.wildcard && host.find('.') == std::string::npos) {
        return std::unexpected(refused(original, "covers a whole top-level domain: name a domain under it."));
    }
    entry.host = std::move(host);
    return entry;
}

Result<std::vector<std::string>> normaliseAllowHosts(const std::vector<std::string>& entries)
{
    if (entries.size() > MaxAllowEntries) {
        return std::unexpected(
            Error{errc::LimitsAllowHosts, "limits.allow_hosts has " + std::to_string(entries.size()) +
                                              " entries; at most " + std::to_string(MaxAllowEntries) +
                                              " (use *.domain for many names under one domain)."});
    }
    std::vector<std::string> out;
    for (const auto& text : entries) {
        auto entry = parseAllowEntry(text);
        if (!entry) {
            return std::unexpected(entry.error());
        }
        out.push_back(entry->text());
    }
    std::ranges::sort(out);
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

bool allows(const AllowEntry& entry, std::string_view host, int port)
{
    std::string name(host);
    std::ranges::transform(name, name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (name.ends_with('.')) {
        name.pop_back();
    }
    const bool nameMatches = entry.wildcard
                                 ? name.size() > entry.host.size() + 1 && name.ends_with("." + entry.host)
                                 : name == entry.host;
    return nameMatches && std::ranges::find(entry.ports, port) != entry.ports.end();
}

std::string describe(const Connection& c)
{
    std::string text = std::string(c.allowed ? "allowed " : "denied  ") + c.method + " " + c.host + ":" +
                       std::to_string(c.port) + " (" +
                       (c.status > 0 ? std::to_string(c.status) : "no answer");
    if (c.allowed) {
        text += ", " + formatSize(c.bytesSent) + " sent, " + formatSize(c.bytesReceived) + " received, " +
                std::to_string(static_cast<long long>(c.durationMs)) + " ms";
    }
    return text + ")";
}

std::string summary(const std::vector<Connection>& connections, std::int64_t bytes)
{
    const auto allowed = std::ranges::count_if(connections, &Connection::allowed);
    const auto count = static_cast<std::ptrdiff_t>(connections.size());
    return std::to_string(count) + (count == 1 ? " request" : " requests") + " through the egress proxy (" +
           std::to_string(allowed) + " allowed, " + std::to_string(count - allowed) + " denied); " +
           formatSize(bytes) + " moved";
}

nlohmann::json toJson(const std::vector<Connection>& connections)
{
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : connections) {
        out.push_back({{"host", c.host},
                       {"port", c.port},
                       {"method", c.method},
                       {"allowed", c.allowed},
                       {"status", c.status},
                       {"bytes_sent", c.bytesSent},
                       {"bytes_received", c.bytesReceived},
                       {"duration_ms", c.durationMs}});
    }
    return out;
}

std::vector<Connection> connectionsFromJson(const nlohmann::json& json)
{
    std::vector<Connection> out;
    if (!json.is_array()) {
        return out;
    }
    for (const auto& item : json) {
        if (!item.is_object()) {
            continue;
        }
        Connection c;
        c.host = item.value("host", std::string());
        c.port = item.value("port", 0);
        c.method = item.value("method", std::string());
        c.allowed = item.value("allowed", false);
        c.status = item.value("status", 0);
        c.bytesSent = item.value("bytes_sent", std::int64_t{0});
        c.bytesReceived = item.value("bytes_received", std::int64_t{0});
        c.durationMs = item.value("duration_ms", 0.0);
        out.push_back(std::move(c));
    }
    return out;
}

} // namespace agentrun::model
