#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace agentrun::cli {

/// Prints "agentrun: <message>" to stderr and returns 2 (bad usage).
int usageError(std::string_view message);

/// Reads a file, or stdin for "-". Errors are printed; std::nullopt then.
std::optional<std::string> readInput(const std::string& path);

} // namespace agentrun::cli
