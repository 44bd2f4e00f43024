#pragma once

#include <string>
#include <string_view>

namespace agentrun {

/// SHA-256 of `data` in lower-case hex (OpenSSL's EVP digest): image inputs, history code hashes, the
/// docker CLI's context folder names.
std::string sha256Hex(std::string_view data);

} // namespace agentrun
