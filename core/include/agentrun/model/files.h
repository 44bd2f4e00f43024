#pragma once

// Records of the files a run asks to keep and of what came out: plain values, shared by the run
// description (model/runspec.h), the result (model/runresult.h), the archive reader (engine/tarreader.h)
// and the host writer (sandbox/copyout.h), none of which this header needs.

#include "agentrun/error.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace agentrun::model {

/// Caps for a tar stream that comes out of a sandbox (docs/security.md, F4): past any of them the whole
/// copy is aborted.
struct TarLimits
{
    std::uint64_t maxTotalBytes = 64ull * 1024 * 1024; ///< sum of file sizes
    std::uint64_t maxFileBytes = 16ull * 1024 * 1024;  ///< one file
    std::size_t maxEntries = 10000;
    std::size_t maxPathBytes = 1024; ///< whole sanitised path
};

/// An entry the reader refused (docs/security.md, F1–F3 and F5): never handed to the sink.
struct TarRejection
{
    std::string archivePath; ///< printable form of the name in the archive
    std::string reason;      ///< e.g. "symbolic link to /etc/passwd"
};

/// An entry written under another name than its sanitised one: two names of the archive became the same
/// after sanitising (`a\nb` and `a_b`), or the archive named one path twice.
struct RenamedFile
{
    std::string archivePath; ///< printable form of the name in the archive
    std::string path;        ///< where it was written, relative to the destination
};

/// The default cap on the sum of file sizes collected into memory (no destination). The bytes go back in
/// a JSON answer as base64 (4/3 of the size: ~21 MiB of text for 16 MiB), held in the server's memory with
/// the rest of the result until it is sent, once per concurrent run: well below the 64 MiB a copy to the
/// host disk takes (TarLimits), which streams to disk instead. Raise it per request when a front end that
/// does not send JSON (the workbench) needs more.
inline constexpr std::uint64_t MemoryCollectTotalBytes = 16ull * 1024 * 1024;

/// Files a run asked to keep, copied out of its working directory after the program ended: onto a host
/// folder (`destination`), or, with no destination, into memory (CollectedFiles::contents) for a front end
/// that sends them on (REST, the workbench). The same reader (F1–F5) and the same caps apply to both.
struct CollectRequest
{
    std::vector<std::string> paths;    ///< relative to the working directory (/tmp); files or folders
    std::filesystem::path destination; ///< an existing, empty directory on the host; empty: into memory
    TarLimits limits;
    /// Into memory only: the sum of file sizes is capped at the smaller of this and limits.maxTotalBytes.
    std::uint64_t memoryTotalBytes = MemoryCollectTotalBytes;
    bool keepExecutable = false; ///< keep files' execute bits (off: every file arrives as 0644 or less)

    bool inMemory() const { return destination.empty(); }
};

/// One file collected into memory.
struct CollectedFile
{
    std::string path;     ///< sanitised, relative, '/'-separated (suffixed "name~2.ext" after a collision)
    std::string data;     ///< its bytes
    unsigned mode = 0644; ///< permission bits as kept (execute bits only with keepExecutable)
};

struct CollectedFiles
{
    bool requested = false;
    bool inMemory = false;               ///< collected into `contents`, not onto a host folder
    std::vector<std::string> copied;     ///< sanitised relative paths written (or kept in memory), in order
    std::vector<std::uint64_t> sizes;    ///< the bytes of each of `copied`, in the same order
    std::vector<CollectedFile> contents; ///< into memory: every copied file with its bytes
    std::vector<TarRejection> rejected;
    std::vector<RenamedFile> renamed; ///< written under a suffixed name (a name collision)
    std::string error;                ///< why the copy did not happen or stopped (empty: it completed)
};

/// Checks the request before anything starts: at most 64 paths, each relative, without `..`, not
/// starting with '-', at most 255 bytes; the destination, when given, an existing, empty directory (so
/// that nothing merges into files that were there: error code "request.collect_to"). No destination:
/// into memory.
Result<void> validateCollect(const CollectRequest& request);

/// A file given to a run (or a run in a session): placed in the sandbox's working directory, /tmp, before
/// the code runs. `name` is a relative path ("data.csv", "inputs/a.json"); its folders are made.
struct InputFile
{
    std::string name;
    std::string data;
};

inline constexpr std::size_t MaxInputFiles = 64;
inline constexpr std::size_t MaxInputFileBytes = 32u << 20; ///< all of a run's files together
inline constexpr std::size_t MaxInputNameBytes = 255;

/// At most MaxInputFiles files of MaxInputFileBytes together; each name a relative path of at most 255
/// bytes and 8 parts, no empty part, no "." or "..", no backslash, no control character, no part starting
/// with '-', each name once. Codes: files.count, files.size, files.name.
Result<void> validateInputFiles(const std::vector<InputFile>& files);

} // namespace agentrun::model
