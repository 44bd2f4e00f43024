#pragma once

#include "agentrun/engine/tarreader.h"
#include "agentrun/sandbox/sandboxengine.h"

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace agentrun::sandbox {

struct CopyOutReport
{
    std::vector<std::string> files;       ///< relative paths written under the destination
    std::vector<std::uint64_t> sizes;     ///< the bytes of each of `files`, in the same order
    std::vector<std::string> directories; ///< relative paths of the archive's directory entries
    std::vector<model::TarRejection> rejected;
    std::vector<model::RenamedFile> renamed;
    std::uint64_t bytes = 0;
};

struct WriteOptions
{
    /// Keep a file's execute bits. Off by default: a copied-out file never becomes a program on the host
    /// by itself (a collected .git folder planted an executable hook).
    bool keepExecutable = false;
};

/// Writes the entries of a TarReader under `destination` without ever following a link on the host:
/// every directory is opened with O_NOFOLLOW relative to its parent, every file is created with
/// O_EXCL|O_NOFOLLOW (a name that was there before is an error, never overwritten), modes lose
/// setuid/setgid/sticky and, unless asked, execute bits. A name this writer already wrote (two archive
/// names that sanitise the same) gets a suffix, "name~2.ext", and is listed in report().renamed.
class HostWriter
{
public:
    /// `destination` must exist and be a directory (not a symlink); it should be empty.
    static Result<HostWriter> open(const std::filesystem::path& destination, WriteOptions options = {});
    HostWriter(HostWriter&& other) noexcept;
    HostWriter& operator=(HostWriter&&) = delete;
    ~HostWriter();

    engine::TarReader::Sink sink();
    CopyOutReport& report() { return m_report; }
    /// Removes every file and folder this writer made (after an aborted copy: all or nothing). Returns
    /// how many files it removed; what it could not remove stays listed in report().files.
    std::size_t rollback();

private:
    explicit HostWriter(int rootFd, std::filesystem::path destination, WriteOptions options);
    /// The name to write `leaf` under in the folder `parentPath`: itself, or with a suffix when this
    /// writer already made that name. Empty when no free name was found.
    std::string freeName(int parent, const std::string& parentPath, const std::string& leaf) const;
    /// Opens the folder that will hold `path` (making the missing ones when `create`); `leaf` gets the
    /// last component, `writtenParent` where the folder is on the host (renamed folders followed).
    Result<int> openParent(const std::string& path, bool create, std::string& leaf,
                           std::string& writtenParent);
    /// Makes folder `leaf` in `parent` (or finds it made); a name this writer used for a file makes it
    /// take a suffix. Returns the name it has.
    Result<std::string> makeFolder(int parent, const std::string& parentPath, const std::string& leaf,
                                   const std::string& sanitised, const std::string& archivePath);
    Result<void> begin(const engine::TarEntry& entry);
    Result<void> write(std::string_view data);
    Result<void> end();

    int m_root = -1;
    int m_file = -1;
    std::string m_current;
    std::uint64_t m_currentBytes = 0;
    std::map<std::string, std::uint64_t> m_sizes; ///< written path -> bytes, of the files completed
    std::filesystem::path m_destination;
    WriteOptions m_options;
    CopyOutReport m_report;
    std::set<std::string> m_made;                  ///< written paths of every file and folder made
    std::vector<std::string> m_madeFiles;          ///< the files, in the order they were made
    std::vector<std::string> m_madeDirs;           ///< the folders, in the order they were made
    std::map<std::string, std::string> m_dirNames; ///< sanitised folder path -> written path, when renamed
};

/// Copies `path` out of a STOPPED container (F6: a running one could swap a directory for a symlink
/// mid-copy) into `destination` on the host, applying the F1–F5 rules and the caps in `limits`.
/// An aborted copy (a cap, a malformed archive) leaves nothing: what it wrote is removed.
Result<CopyOutReport> copyOut(SandboxEngine& sandboxes, std::string_view containerId, std::string_view path,
                              const std::filesystem::path& destination, const model::TarLimits& limits = {},
                              WriteOptions options = {});

} // namespace agentrun::sandbox
