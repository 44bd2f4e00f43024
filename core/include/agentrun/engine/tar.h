#pragma once

#include "agentrun/error.h"

#include <string>
#include <string_view>

namespace agentrun::engine {

/// Writes a POSIX ustar archive in memory: enough for build contexts and archive uploads.
class TarWriter
{
public:
    /// Adds a regular file; `path` is relative, '/'-separated, at most 255 bytes.
    Result<void> addFile(std::string_view path, std::string_view content, unsigned mode = 0644);
    Result<void> addDirectory(std::string_view path, unsigned mode = 0755);
    /// Ends the archive (two zero blocks) and hands it over.
    std::string finish();

private:
    Result<void> header(std::string_view path, std::size_t size, unsigned mode, char type);
    std::string m_data;
};

} // namespace agentrun::engine
