#pragma once

#include "agentrun/engine/tarreader.h"
#include "agentrun/model/files.h"
#include "agentrun/sandbox/copyout.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace agentrun::sandbox {

/// Keeps the entries of a TarReader in memory (files collected for a REST answer or the workbench), with
/// the HostWriter's naming rules, so that the list can be written to a folder later without a clash: a
/// path this writer already holds (two archive names that sanitise the same, a file and a folder of one
/// name) gets a suffix, "name~2.ext", and is listed in report().renamed. Modes lose setuid, setgid and
/// sticky bits and, unless asked, execute bits. Nothing touches the host's file system. Memory is bounded
/// by the reader's caps (TarLimits: the sizes are checked before a file's first byte arrives).
class MemoryWriter
{
public:
    explicit MemoryWriter(WriteOptions options = {}) : m_options(options) {}

    engine::TarReader::Sink sink();
    CopyOutReport& report() { return m_report; }
    /// The files with their bytes, in the order the archive gave them.
    std::vector<model::CollectedFile> takeContents() { return std::move(m_contents); }
    /// Drops everything it holds (an aborted copy: all or nothing). Returns how many files it dropped.
    std::size_t rollback();

private:
    /// The written path of folder `sanitised` (itself, or renamed when a file holds its name).
    std::string folder(const std::string& sanitised);
    std::string freeName(const std::string& parent, const std::string& leaf) const;
    bool taken(const std::string& path) const { return m_files.contains(path) || m_dirs.contains(path); }
    Result<void> begin(const engine::TarEntry& entry);
    Result<void> write(std::string_view data);
    Result<void> end();

    WriteOptions m_options;
    CopyOutReport m_report;
    std::vector<model::CollectedFile> m_contents;
    bool m_open = false;
    std::set<std::string> m_files;                 ///< written paths of the files
    std::set<std::string> m_dirs;                  ///< written paths of the folders (given or implied)
    std::map<std::string, std::string> m_dirNames; ///< sanitised folder path -> written path
};

} // namespace agentrun::sandbox
