#pragma once

#include <string>
#include <vector>

namespace testing {

/// Writes `data` to `path`, readable by the sandbox user.
void writeFile(const std::string& path, const std::string& data);

/// Builds a pure-Python wheel into `dir` at test time (a wheel is a zip): distribution `dist` (file
/// names use its underscore form), importable as `module`, with optional Requires-Dist lines. Tests
/// never reach for a package index.
void makeWheel(const std::string& dir, const std::string& dist, const std::string& module,
               const std::string& version, const std::vector<std::string>& dependencies = {});

} // namespace testing
