#pragma once

#include <string>
#include <string_view>

namespace agentrun::engine {

/// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay): the one encoder for
/// Engine API paths. Code outside engine/ should not need it: engine::Client takes typed arguments.
inline std::string urlEncode(std::string_view text)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : text) {
        const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '_' || c == '.' || c == '~';
        if (unreserved) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

} // namespace agentrun::engine
