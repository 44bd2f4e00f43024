#include "agentrun/errorcodes.h"
#include "agentrun/sandbox/copyout.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace agentrun::sandbox {

namespace {

Error hostError(std::string_view what, std::string_view path, int error)
{
    return {errc::CopyoutHost, "Could not " + std::string(what) + " " + std::string(path) +
                                   " on the host: " + std::strerror(error) + "."};
}

std::string join(const std::string& parent, const std::string& name)
{
    return parent.empty() ? name : parent + "/" + name;
}

/// Opens the folder that holds `path` (relative to `root`, every component a real folder, never a
/// link); `leaf` gets the last component. -1 on failure.
int openFolderOf(int root, const std::string& path, std::string& leaf)
{
    int dir = ::dup(root);
    std::size_t start = 0;
    for (auto slash = path.find('/'); dir >= 0 && slash != std::string::npos; slash = path.find('/', start)) {
        const int next = ::openat(dir, path.substr(start, slash - start).c_str(),
                                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        ::close(dir);
        dir = next;
        start = slash + 1;
    }
    leaf = path.substr(start);
    return dir;
}

} // namespace

HostWriter::HostWriter(int rootFd, std::filesystem::path destination, WriteOptions options)
    : m_root(rootFd), m_destination(std::move(destination)), m_options(options)
{}

HostWriter::HostWriter(HostWriter&& other) noexcept
    : m_root(std::exchange(other.m_root, -1)), m_file(std::exchange(other.m_file, -1)),
      m_current(std::move(other.m_current)), m_currentBytes(other.m_currentBytes),
      m_sizes(std::move(other.m_sizes)), m_destination(std::move(other.m_destination)),
      m_options(other.m_options), m_report(std::move(other.m_report)), m_made(std::move(other.m_made)),
      m_madeFiles(std::move(other.m_madeFiles)), m_madeDirs(std::move(other.m_madeDirs)),
      m_dirNames(std::move(other.m_dirNames))
{}

HostWriter::~HostWriter()
{
    if (m_file >= 0) {
        ::close(m_file);
    }
    if (m_root >= 0) {
        ::close(m_root);
    }
}

Result<HostWriter> HostWriter::open(const std::filesystem::path& destination, WriteOptions options)
{
    const int fd = ::open(destination.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        return fail(
            errc::CopyoutDestination,
            "The destination " + destination.string() + " cannot be used: " + std::strerror(error) +
                (error == ELOOP || error == ENOTDIR ? " (it must be a real directory, not a link)." : "."));
    }
    return HostWriter(fd, destination, options);
}

engine::TarReader::Sink HostWriter::sink()
{
    return {[this](const engine::TarEntry& entry) { return begin(entry); },
            [this](std::string_view data) { return write(data); }, [this]() { return end(); }};
}

std::string HostWriter::freeName(int parent, const std::string& parentPath, const std::string& leaf) const
{
    const auto dot = leaf.rfind('.');
    const bool hasExtension = dot != std::string::npos && dot > 0;
    const std::string stem = hasExtension ? leaf.substr(0, dot) : leaf;
    const std::string extension = hasExtension ? leaf.substr(dot) : "";
    for (int n = 2; n <= 1000; ++n) {
        const std::string suffix = "~" + std::to_string(n) + extension;
        // A sanitised name is at most 255 bytes; cut the stem so that the suffix fits (on a character).
        std::size_t keep = std::min(stem.size(), 255 - std::min<std::size_t>(255, suffix.size()));
        while (keep > 0 && keep < stem.size() && (static_cast<unsigned char>(stem[keep]) & 0xC0) == 0x80) {
            --keep;
        }
        const std::string candidate = stem.substr(0, keep) + suffix;
        struct stat info
        {};
        if (!m_made.contains(join(parentPath, candidate)) &&
            ::fstatat(parent, candidate.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT) {
            return candidate;
        }
    }
    return {};
}

Result<int> HostWriter::openParent(const std::string& path, bool create, std::string& leaf,
                                   std::string& writtenParent)
{
    int dir = ::dup(m_root);
    if (dir < 0) {
        return std::unexpected(hostError("open", m_destination.string(), errno));
    }
    std::string sanitised; // the archive's (sanitised) path so far
    std::string written;   // where that is on the host (a folder may have been renamed)
    std::size_t start = 0;
    while (true) {
        const auto slash = path.find('/', start);
        if (slash == std::string::npos) {
            leaf = path.substr(start);
            writtenParent = written;
            return dir;
        }
        const std::string component = path.substr(start, slash - start);
        start = slash + 1;
        sanitised = join(sanitised, component);
        std::string name = component;
        if (const auto renamed = m_dirNames.find(sanitised); renamed != m_dirNames.end()) {
            name = renamed->second.substr(renamed->second.rfind('/') + 1);
        } else if (create) {
            auto made = makeFolder(dir, written, component, sanitised, path);
            if (!made) {
                ::close(dir);
                return std::unexpected(made.error());
            }
            name = *made;
        }
        const int next = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        const int error = errno;
        ::close(dir);
        if (next < 0) {
            return std::unexpected(hostError("open directory", path, error));
        }
        dir = next;
        written = join(written, name);
    }
}

Result<std::string> HostWriter::makeFolder(int parent, const std::string& parentPath, const std::string& leaf,
                                           const std::string& sanitised, const std::string& archivePath)
{
    const unsigned mode = 0755;
    if (::mkdirat(parent, leaf.c_str(), mode) == 0) {
        m_made.insert(join(parentPath, leaf));
        m_madeDirs.push_back(join(parentPath, leaf));
        return leaf;
    }
    if (errno != EEXIST) {
        return std::unexpected(hostError("create directory", archivePath, errno));
    }
    // Fine if it is a real directory (made for an earlier entry: two folders whose names sanitise the
    // same share it). A file this copy wrote under that name: the folder gets another name. Anything
    // else that was there before (a link planted in the destination) fails when opened with O_NOFOLLOW.
    struct stat info
    {};
    if ((::fstatat(parent, leaf.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(info.st_mode)) ||
        !m_made.contains(join(parentPath, leaf))) {
        return leaf;
    }
    const std::string other = freeName(parent, parentPath, leaf);
    if (other.empty() || ::mkdirat(parent, other.c_str(), mode) != 0) {
        return std::unexpected(hostError("create directory", archivePath, EEXIST));
    }
    m_made.insert(join(parentPath, other));
    m_madeDirs.push_back(join(parentPath, other));
    m_dirNames[sanitised] = join(parentPath, other);
    m_report.renamed.push_back({sanitised, join(parentPath, other)});
    return other;
}

Result<void> HostWriter::begin(const engine::TarEntry& entry)
{
    std::string leaf;
    std::string parentPath;
    auto parent = openParent(entry.path, true, leaf, parentPath);
    if (!parent) {
        return std::unexpected(parent.error());
    }
    if (entry.kind == engine::TarEntry::Kind::Directory) {
        auto made = m_dirNames.contains(entry.path)
                        ? Result<std::string>(leaf)
                        : makeFolder(*parent, parentPath, leaf, entry.path, entry.path);
        ::close(*parent);
        if (!made) {
            return std::unexpected(made.error());
        }
        m_report.directories.push_back(join(parentPath, *made));
        return {};
    }
    // Execute bits only when asked: a collected hook or script must not become runnable by itself.
    const unsigned mode = (entry.mode | 0600) & (m_options.keepExecutable ? 0755 : 0644);
    const auto create = [&](const std::string& name) {
        return ::openat(*parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    };
    std::string name = leaf;
    m_file = create(name);
    if (m_file < 0 && errno == EEXIST && m_made.contains(join(parentPath, leaf))) {
        name = freeName(*parent, parentPath, leaf);
        m_file = name.empty() ? -1 : create(name);
        if (m_file >= 0) {
            m_report.renamed.push_back({entry.archivePath, join(parentPath, name)});
        } else if (name.empty()) {
            errno = EEXIST;
        }
    }
    const int error = errno;
    ::close(*parent);
    if (m_file < 0) {
        return std::unexpected(hostError("create file", entry.path, error));
    }
    m_current = join(parentPath, name);
    m_currentBytes = 0;
    m_made.insert(m_current);
    m_madeFiles.push_back(m_current);
    return {};
}

Result<void> HostWriter::write(std::string_view data)
{
    while (!data.empty()) {
        const auto written = ::write(m_file, data.data(), data.size());
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            return std::unexpected(hostError("write", m_current, written < 0 ? errno : ENOSPC));
        }
        data.remove_prefix(static_cast<std::size_t>(written));
        m_report.bytes += static_cast<std::uint64_t>(written);
        m_currentBytes += static_cast<std::uint64_t>(written);
    }
    return {};
}

Result<void> HostWriter::end()
{
    const int rc = ::close(m_file);
    m_file = -1;
    if (rc != 0) {
        return std::unexpected(hostError("write", m_current, errno));
    }
    m_report.files.push_back(m_current);
    m_report.sizes.push_back(m_currentBytes);
    m_sizes[m_current] = m_currentBytes;
    return {};
}

std::size_t HostWriter::rollback()
{
    if (m_file >= 0) {
        ::close(m_file);
        m_file = -1;
    }
    std::size_t removed = 0;
    std::vector<std::string> kept;
    std::vector<std::uint64_t> keptSizes;
    for (const auto& file : m_madeFiles) {
        std::string leaf;
        const int dir = openFolderOf(m_root, file, leaf);
        if (dir >= 0 && ::unlinkat(dir, leaf.c_str(), 0) == 0) {
            ++removed;
        } else {
            kept.push_back(file);
            const auto size = m_sizes.find(file);
            keptSizes.push_back(size == m_sizes.end() ? m_currentBytes : size->second);
        }
        if (dir >= 0) {
            ::close(dir);
        }
    }
    for (auto folder = m_madeDirs.rbegin(); folder != m_madeDirs.rend(); ++folder) {
        std::string leaf;
        if (const int dir = openFolderOf(m_root, *folder, leaf); dir >= 0) {
            ::unlinkat(dir, leaf.c_str(), AT_REMOVEDIR);
            ::close(dir);
        }
    }
    m_report.files = std::move(kept);
    m_report.sizes = std::move(keptSizes);
    m_sizes.clear();
    m_report.directories.clear();
    m_report.renamed.clear();
    m_madeFiles.clear();
    m_madeDirs.clear();
    m_made.clear();
    m_dirNames.clear();
    return removed;
}

Result<CopyOutReport> copyOut(SandboxEngine& sandboxes, std::string_view containerId, std::string_view path,
                              const std::filesystem::path& destination, const model::TarLimits& limits,
                              WriteOptions options)
{
    auto state = sandboxes.state(containerId);
    if (!state) {
        return std::unexpected(state.error());
    }
    if (state->running && !state->paused) {
        return fail(errc::CopyoutRunning,
                    "Files are copied only out of a stopped (or paused) container: container " +
                        std::string(containerId.substr(0, 12)) +
                        " is still running and could swap a directory for a link mid-copy.");
    }
    auto writer = HostWriter::open(destination, options);
    if (!writer) {
        return std::unexpected(writer.error());
    }
    engine::TarReader reader(limits, writer->sink());
    Error readError;
    const std::atomic<bool> cancel{false};
    auto streamed = sandboxes.getFiles(
        containerId, path,
        [&](std::string_view chunk) {
            if (auto ok = reader.feed(chunk); !ok) {
                readError = ok.error();
                return false;
            }
            return true;
        },
        cancel);
    // All or nothing: an aborted copy removes what it wrote.
    if (!readError.code.empty()) {
        writer->rollback();
        return std::unexpected(readError);
    }
    if (!streamed) {
        writer->rollback();
        return std::unexpected(streamed.error());
    }
    if (auto ok = reader.finish(); !ok) {
        writer->rollback();
        return std::unexpected(ok.error());
    }
    CopyOutReport report = std::move(writer->report());
    report.rejected = reader.rejections();
    return report;
}

} // namespace agentrun::sandbox
