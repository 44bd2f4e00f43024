#pragma once

#include "agentrun/error.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::engine {

/// Caps for a tar stream that comes out of a sandbox (docs/security.md, F4): past any of them the whole
/// copy is aborted.
struct TarLimits
{
    std::uint64_t maxTotalBytes = 64ull * 1024 * 1024; ///< sum of file sizes
    std::uint64_t maxFileBytes = 16ull * 1024 * 1024;  ///< one file
    std::size_t maxEntries = 10000;
    std::size_t maxPathBytes = 1024; ///< whole sanitised path
};

/// One entry as the host will see it: the path is relative, sanitised, '/'-separated.
struct TarEntry
{
    enum class Kind
    {
        File,
        Directory
    };
    Kind kind = Kind::File;
    std::string path;        ///< sanitised
    std::string archivePath; ///< as written in the archive (for messages)
    std::uint64_t size = 0;
    unsigned mode = 0644; ///< permission bits only (no setuid, setgid or sticky)
};

/// An entry the reader refused (docs/security.md, F1–F3, F5): never handed to the sink.
struct TarRejection
{
    std::string archivePath; ///< printable form of the name in the archive
    std::string reason;      ///< e.g. "symbolic link to /etc/passwd"
};

/// Streaming reader for the archives the engine sends (ustar, GNU long names, PAX path/size records).
/// Regular files and directories pass; links, devices, FIFOs and names that escape (absolute, `..`)
/// are rejected and listed; names are sanitised (control and bidi characters, invalid UTF-8, over-long
/// components). Bytes may arrive split anywhere; memory stays bounded whatever the archive says.
class TarReader
{
public:
    struct Sink
    {
        std::function<Result<void>(const TarEntry&)> begin;
        std::function<Result<void>(std::string_view)> data; ///< content of the current file
        std::function<Result<void>()> end;                  ///< current file complete
    };

    TarReader(TarLimits limits, Sink sink) : m_limits(limits), m_sink(std::move(sink)) {}

    /// Feeds raw bytes. An error (cap exceeded, malformed header, sink failure) ends the stream: every
    /// later call returns the same error.
    Result<void> feed(std::string_view bytes);
    /// The stream ended: fails when it stopped inside an entry (truncated archive).
    Result<void> finish();

    const std::vector<TarRejection>& rejections() const { return m_rejections; }
    std::size_t entries() const { return m_entries; }
    std::uint64_t totalBytes() const { return m_totalBytes; }

    /// Printable, safe form of one path component (exposed for tests): control characters, bidi
    /// controls and invalid UTF-8 become '_', the result is cut to 255 bytes on a character boundary.
    static std::string sanitizeComponent(std::string_view component);

private:
    enum class State
    {
        Header,
        Data,     ///< payload of a file handed to the sink
        Skip,     ///< payload of a rejected or ignored entry
        LongName, ///< GNU 'L' payload
        Pax,      ///< PAX 'x' payload
        Padding,  ///< zero fill up to the next 512-byte block
        End,      ///< two zero blocks seen (or one; trailing bytes ignored)
        Failed
    };

    Result<void> fail(std::string code, std::string message);
    Result<void> onHeader(const char* block);
    Result<void> startEntry(const char* block, std::string name, std::uint64_t size, char type);
    Result<void> afterPayload();
    std::string describeName(std::string_view raw) const;

    TarLimits m_limits;
    Sink m_sink;
    State m_state = State::Header;
    std::string m_block;    ///< partial 512-byte header block
    std::string m_meta;     ///< GNU long name or PAX payload being read
    std::string m_longName; ///< name for the next header (GNU 'L' or PAX path)
    std::uint64_t m_paxSize = 0;
    bool m_havePaxSize = false;
    std::uint64_t m_remaining = 0; ///< payload bytes left in this entry
    std::uint64_t m_padding = 0;
    int m_zeroBlocks = 0;
    std::size_t m_entries = 0;
    std::uint64_t m_totalBytes = 0;
    std::vector<TarRejection> m_rejections;
    Error m_error;
};

} // namespace agentrun::engine
