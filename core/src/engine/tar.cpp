#include "agentrun/engine/tar.h"

#include "agentrun/errorcodes.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace agentrun::engine {

namespace {
constexpr std::size_t Block = 512;

void octal(char* field, std::size_t width, unsigned long long value)
{
    // width-1 zero-padded octal digits and a NUL, as ustar wants; written by hand so that no
    // printf-style truncation can happen.
    field[width - 1] = '\0';
    for (std::size_t i = width - 1; i-- > 0;) {
        field[i] = static_cast<char>('0' + (value & 7));
        value >>= 3;
    }
}
} // namespace

Result<void> TarWriter::header(std::string_view path, std::size_t size, unsigned mode, char type)
{
    if (path.empty() || path.front() == '/' || path.find("..") != std::string_view::npos) {
        return fail(errc::ArchivePath, "Refusing to archive the path \"" + std::string(path) +
                                           "\": it must be relative and must not contain \"..\".");
    }
    char block[Block] = {};
    std::string_view name = path;
    std::string_view prefix;
    if (name.size() > 100) {
        const auto slash = path.rfind('/', 155);
        if (slash == std::string_view::npos || path.size() - slash - 1 > 100) {
            return fail(errc::ArchivePath,
                        "The path \"" + std::string(path) + "\" is too long for a tar archive.");
        }
        prefix = path.substr(0, slash);
        name = path.substr(slash + 1);
    }
    std::memcpy(block, name.data(), name.size());
    octal(block + 100, 8, mode);
    octal(block + 108, 8, 0);
    octal(block + 116, 8, 0);
    octal(block + 124, 12, size);
    octal(block + 136, 12, 0);
    std::memset(block + 148, ' ', 8);
    block[156] = type;
    std::memcpy(block + 257, "ustar", 6);
    std::memcpy(block + 263, "00", 2);
    if (!prefix.empty()) { // an empty view's data() may be null: memcpy(…, nullptr, 0) is undefined (UBSan)
        std::memcpy(block + 345, prefix.data(), prefix.size());
    }
    unsigned sum = 0;
    for (const char c : block) {
        sum += static_cast<unsigned char>(c);
    }
    octal(block + 148, 7, sum);
    block[155] = ' ';
    m_data.append(block, Block);
    return {};
}

Result<void> TarWriter::addFile(std::string_view path, std::string_view content, unsigned mode)
{
    if (auto ok = header(path, content.size(), mode, '0'); !ok) {
        return ok;
    }
    m_data.append(content);
    m_data.append((Block - content.size() % Block) % Block, '\0');
    return {};
}

Result<void> TarWriter::addDirectory(std::string_view path, unsigned mode)
{
    return header(path, 0, mode, '5');
}

std::string TarWriter::finish()
{
    m_data.append(2 * Block, '\0');
    return std::exchange(m_data, {});
}

} // namespace agentrun::engine
