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
    return {"copyout.host", "Could not " + std::string(what) + " " + std::string(path) +
                                " on the host: " + std::strerror(error) + "."};
}

} // namespace

HostWriter::HostWriter(int rootFd, std::filesystem::path destination)
    : m_root(rootFd), m_destination(std::move(destination))
{}

HostWriter::HostWriter(HostWriter&& other) noexcept
    : m_root(std::exchange(other.m_root, -1)), m_file(std::exchange(other.m_file, -1)),
      m_current(std::move(other.m_current)), m_destination(std::move(other.m_destination)),
      m_report(std::move(other.m_report))
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

Result<HostWriter> HostWriter::open(const std::filesystem::path& destination)
{
    const int fd = ::open(destination.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        return fail(
            "copyout.destination",
            "The destination " + destination.string() + " cannot be used: " + std::strerror(error) +
                (error == ELOOP || error == ENOTDIR ? " (it must be a real directory, not a link)." : "."));
    }
    return HostWriter(fd, destination);
}

engine::TarReader::Sink HostWriter::sink()
{
    return {[this](const engine::TarEntry& entry) { return begin(entry); },
            [this](std::string_view data) { return write(data); }, [this]() { return end(); }};
}

Result<int> HostWriter::openParent(const std::string& path, bool create, std::string& leaf)
{
    int dir = ::dup(m_root);
    if (dir < 0) {
        return std::unexpected(hostError("open", m_destination.string(), errno));
    }
    std::size_t start = 0;
    while (true) {
        const auto slash = path.find('/', start);
        if (slash == std::string::npos) {
            leaf = path.substr(start);
            return dir;
        }
        const std::string component = path.substr(start, slash - start);
        start = slash + 1;
        if (create && ::mkdirat(dir, component.c_str(), 0755) != 0 && errno != EEXIST) {
            const int error = errno;
            ::close(dir);
            return std::unexpected(hostError("create directory", path, error));
        }
        const int next = ::openat(dir, component.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        const int error = errno;
        ::close(dir);
        if (next < 0) {
            return std::unexpected(hostError("open directory", path, error));
        }
        dir = next;
    }
}

Result<void> HostWriter::begin(const engine::TarEntry& entry)
{
    std::string leaf;
    auto parent = openParent(entry.path, true, leaf);
    if (!parent) {
        return std::unexpected(parent.error());
    }
    const unsigned mode = entry.mode & 0777;
    if (entry.kind == engine::TarEntry::Kind::Directory) {
        const int rc = ::mkdirat(*parent, leaf.c_str(), (mode | 0700) & 0755);
        const int error = errno;
        if (rc != 0 && error == EEXIST) {
            // Fine if it is a real directory (created for an earlier file); a file or link is not.
            struct stat info
            {};
            if (::fstatat(*parent, leaf.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(info.st_mode)) {
                ::close(*parent);
                return std::unexpected(hostError("create directory", entry.path, EEXIST));
            }
        } else if (rc != 0) {
            ::close(*parent);
            return std::unexpected(hostError("create directory", entry.path, error));
        }
        ::close(*parent);
        m_report.directories.push_back(entry.path);
        return {};
    }
    m_file = ::openat(*parent, leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                      (mode | 0600) & 0755);
    const int error = errno;
    ::close(*parent);
    if (m_file < 0) {
        return std::unexpected(hostError("create file", entry.path, error));
    }
    m_current = entry.path;
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
    return {};
}

Result<CopyOutReport> copyOut(engine::Client& client, std::string_view containerId, std::string_view path,
                              const std::filesystem::path& destination, const engine::TarLimits& limits)
{
    auto state = client.inspectContainer(containerId);
    if (!state) {
        return std::unexpected(state.error());
    }
    const auto& s = (*state)["State"];
    if (s.value("Running", false) && !s.value("Paused", false)) {
        return fail("copyout.running",
                    "Files are copied only out of a stopped (or paused) container: container " +
                        std::string(containerId.substr(0, 12)) +
                        " is still running and could swap a directory for a link mid-copy.");
    }
    auto writer = HostWriter::open(destination);
    if (!writer) {
        return std::unexpected(writer.error());
    }
    engine::TarReader reader(limits, writer->sink());
    Error readError;
    const std::atomic<bool> cancel{false};
    auto streamed = client.getArchive(
        containerId, path,
        [&](std::string_view chunk) {
            if (auto ok = reader.feed(chunk); !ok) {
                readError = ok.error();
                return false;
            }
            return true;
        },
        cancel);
    if (!readError.code.empty()) {
        return std::unexpected(readError);
    }
    if (!streamed) {
        return std::unexpected(streamed.error());
    }
    if (auto ok = reader.finish(); !ok) {
        return std::unexpected(ok.error());
    }
    CopyOutReport report = std::move(writer->report());
    report.rejected = reader.rejections();
    return report;
}

} // namespace agentrun::sandbox
