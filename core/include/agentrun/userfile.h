#pragma once

#include "agentrun/error.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace agentrun {

/// Reads the whole of a file a person named (a snippet, stdin data, a profile, a policy, a token file)
/// with the reason in words when it cannot: "cannot read /tmp: it is a directory", no such file,
/// permission denied, larger than `maxBytes`. Regular files, FIFOs and character devices are read
/// (`/dev/stdin` works); directories and other kinds are refused before a byte is read.
/// Error code: `file.read`; `what` names the file's role in the message ("the snippet", "the profile").
Result<std::string> readUserFile(const std::string& path, std::uint64_t maxBytes, std::string_view what);

} // namespace agentrun
