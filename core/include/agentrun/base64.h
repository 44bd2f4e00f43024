#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace agentrun {

/// Standard base64 (RFC 4648, with padding).
std::string base64Encode(std::string_view bytes);
/// Strict decoding: only the standard alphabet and trailing padding; nullopt for anything else.
std::optional<std::string> base64Decode(std::string_view text);

} // namespace agentrun
