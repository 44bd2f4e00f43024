#include "agentrun/userfile.h"

#include "agentrun/errorcodes.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace agentrun {

namespace {

std::string sizeText(std::uint64_t bytes)
{
    if (bytes >= (1ULL << 20) && bytes % (1ULL << 20) == 0) {
        return std::to_string(bytes >> 20) + " MiB";
    }
    if (bytes >= 1024 && bytes % 1024 == 0) {
        return std::to_string(bytes >> 10) + " KiB";
    }
    return std::to_string(bytes) + " bytes";
}

Error readError(std::string_view what, const std::string& path, const std::string& reason)
{
    std::string subject = what.empty() ? path : std::string(what) + " " + path;
    return Error{errc::FileRead, "cannot read " + subject + ": " + reason};
}

std::string errnoText(int error)
{
    switch (error) {
    case ENOENT:
        return "no such file";
    case EACCES:
    case EPERM:
        return "permission denied";
    case ENOTDIR:
        return "a part of the path is not a folder";
    case ELOOP:
        return "too many symbolic links";
    default:
        return std::strerror(error);
    }
}

/// Closes the descriptor on every path out.
struct Fd
{
    int fd;
    ~Fd()
    {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

} // namespace

Result<std::string> readUserFile(const std::string& path, std::uint64_t maxBytes, std::string_view what)
{
    if (path.empty()) {
        return std::unexpected(readError(what, "\"\"", "the path is empty"));
    }
    // O_NONBLOCK keeps open() of a FIFO without a writer from hanging; cleared once it is known to be one.
    Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
    if (file.fd < 0) {
        const int error = errno;
        struct stat info
        {};
        if (error == EACCES && ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
            return std::unexpected(readError(what, path, "is a directory; give a file"));
        }
        return std::unexpected(readError(what, path, errnoText(error)));
    }
    struct stat info
    {};
    if (::fstat(file.fd, &info) != 0) {
        return std::unexpected(readError(what, path, errnoText(errno)));
    }
    if (S_ISDIR(info.st_mode)) {
        return std::unexpected(readError(what, path, "is a directory; give a file"));
    }
    if (!S_ISREG(info.st_mode) && !S_ISFIFO(info.st_mode) && !S_ISCHR(info.st_mode)) {
        return std::unexpected(readError(what, path, "not a regular file"));
    }
    if (S_ISREG(info.st_mode) && static_cast<std::uint64_t>(info.st_size) > maxBytes) {
        return std::unexpected(readError(what, path,
                                         "it is " + sizeText(static_cast<std::uint64_t>(info.st_size)) +
                                             ", more than the " + sizeText(maxBytes) + " accepted"));
    }
    const int flags = ::fcntl(file.fd, F_GETFL);
    if (flags >= 0) {
        ::fcntl(file.fd, F_SETFL, flags & ~O_NONBLOCK);
    }
    std::string text;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(file.fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return std::unexpected(readError(what, path, errnoText(errno)));
        }
        if (n == 0) {
            break;
        }
        if (text.size() + static_cast<std::size_t>(n) > maxBytes) {
            return std::unexpected(
                readError(what, path, "it is more than the " + sizeText(maxBytes) + " accepted"));
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
}

} // namespace agentrun
