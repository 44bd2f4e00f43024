#pragma once

#include "agentrun/model/files.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::cli {

/// Prints "agentrun: <message>" to stderr and returns 2 (bad usage).
int usageError(std::string_view message);

/// Reads a file, or stdin for "-". Errors are printed; std::nullopt then.
std::optional<std::string> readInput(const std::string& path);

/// `--file PATH[:NAME]` values: each host file read (a folder or a file over 32 MiB refused) and named NAME
/// in the sandbox, or its own file name; the set checked as a run takes it. Errors are printed; nullopt.
std::optional<std::vector<model::InputFile>> readInputFiles(const std::vector<std::string>& specs);

} // namespace agentrun::cli
