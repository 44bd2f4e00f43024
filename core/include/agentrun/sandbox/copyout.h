#pragma once

#include "agentrun/engine/client.h"
#include "agentrun/engine/tarreader.h"

#include <filesystem>
#include <string>
#include <vector>

namespace agentrun::sandbox {

struct CopyOutReport
{
    std::vector<std::string> files;       ///< sanitised relative paths written under the destination
    std::vector<std::string> directories; ///< sanitised relative paths created
    std::vector<engine::TarRejection> rejected;
    std::uint64_t bytes = 0;
};

/// Writes the entries of a TarReader under `destination` without ever following a link on the host:
/// every directory is opened with O_NOFOLLOW relative to its parent, every file is created with
/// O_EXCL|O_NOFOLLOW (an existing name is an error, never overwritten), modes lose setuid/setgid/sticky.
class HostWriter
{
public:
    /// `destination` must exist and be a directory (not a symlink); it should be empty.
    static Result<HostWriter> open(const std::filesystem::path& destination);
    HostWriter(HostWriter&& other) noexcept;
    HostWriter& operator=(HostWriter&&) = delete;
    ~HostWriter();

    engine::TarReader::Sink sink();
    CopyOutReport& report() { return m_report; }

private:
    explicit HostWriter(int rootFd, std::filesystem::path destination);
    Result<int> openParent(const std::string& path, bool create, std::string& leaf);
    Result<void> begin(const engine::TarEntry& entry);
    Result<void> write(std::string_view data);
    Result<void> end();

    int m_root = -1;
    int m_file = -1;
    std::string m_current;
    std::filesystem::path m_destination;
    CopyOutReport m_report;
};

/// Copies `path` out of a STOPPED container (F6: a running one could swap a directory for a symlink
/// mid-copy) into `destination` on the host, applying the F1–F5 rules and the caps in `limits`.
Result<CopyOutReport> copyOut(engine::Client& client, std::string_view containerId, std::string_view path,
                              const std::filesystem::path& destination, const engine::TarLimits& limits = {});

} // namespace agentrun::sandbox
