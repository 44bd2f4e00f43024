#include "agentrun/engine/tarreader.h"

#include "agentrun/errorcodes.h"

#include <algorithm>
#include <cstring>
#include <optional>

namespace agentrun::engine {

namespace {

constexpr std::size_t Block = 512;
constexpr std::size_t MaxMetaBytes = 64 * 1024; ///< GNU long name or PAX header payload

std::string_view field(const char* block, std::size_t offset, std::size_t length)
{
    const char* begin = block + offset;
    const auto* nul = static_cast<const char*>(std::memchr(begin, '\0', length));
    return {begin, nul ? static_cast<std::size_t>(nul - begin) : length};
}

/// Octal (NUL/space padded) or GNU base-256 number; nullopt when malformed.
std::optional<std::uint64_t> number(const char* block, std::size_t offset, std::size_t length)
{
    const auto* p = reinterpret_cast<const unsigned char*>(block + offset);
    if (p[0] & 0x80) {
        std::uint64_t value = p[0] & 0x7f;
        for (std::size_t i = 1; i < length; ++i) {
            if (value >> 55) {
                return std::nullopt;
            }
            value = (value << 8) | p[i];
        }
        return value;
    }
    std::uint64_t value = 0;
    std::size_t i = 0;
    while (i < length && p[i] == ' ') {
        ++i;
    }
    bool digits = false;
    for (; i < length && p[i] >= '0' && p[i] <= '7'; ++i) {
        if (value >> 60) {
            return std::nullopt;
        }
        value = value * 8 + (p[i] - '0');
        digits = true;
    }
    for (; i < length; ++i) {
        if (p[i] != ' ' && p[i] != '\0') {
            return std::nullopt;
        }
    }
    return digits ? std::optional(value) : std::optional<std::uint64_t>(0);
}

bool checksumMatches(const char* block)
{
    const auto stored = number(block, 148, 8);
    if (!stored) {
        return false;
    }
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < Block; ++i) {
        sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(block[i]);
    }
    return sum == *stored;
}

bool isBidiControl(char32_t c)
{
    return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
           (c >= 0x2066 && c <= 0x2069);
}

/// PAX records: "<len> <key>=<value>\n"; picks path and size.
void parsePax(std::string_view payload, std::string& path, std::uint64_t& size, bool& haveSize)
{
    while (!payload.empty()) {
        const auto space = payload.find(' ');
        if (space == std::string_view::npos) {
            return;
        }
        std::size_t length = 0;
        for (char c : payload.substr(0, space)) {
            if (c < '0' || c > '9' || length > payload.size()) {
                return;
            }
            length = length * 10 + static_cast<std::size_t>(c - '0');
        }
        if (length <= space + 1 || length > payload.size()) {
            return;
        }
        std::string_view record = payload.substr(space + 1, length - space - 1);
        if (!record.empty() && record.back() == '\n') {
            record.remove_suffix(1);
        }
        const auto equals = record.find('=');
        if (equals != std::string_view::npos) {
            const auto key = record.substr(0, equals);
            const auto value = record.substr(equals + 1);
            if (key == "path") {
                path.assign(value);
            } else if (key == "size") {
                std::uint64_t parsed = 0;
                bool ok = !value.empty() && value.size() < 20;
                for (char c : value) {
                    ok = ok && c >= '0' && c <= '9';
                    parsed = parsed * 10 + static_cast<std::uint64_t>(c - '0');
                }
                if (ok) {
                    size = parsed;
                    haveSize = true;
                }
            }
        }
        payload.remove_prefix(length);
    }
}

} // namespace

std::string TarReader::sanitizeComponent(std::string_view component)
{
    std::string out;
    std::size_t i = 0;
    while (i < component.size()) {
        const auto lead = static_cast<unsigned char>(component[i]);
        std::size_t length = lead < 0x80           ? 1
                             : (lead >> 5) == 0x6  ? 2
                             : (lead >> 4) == 0xe  ? 3
                             : (lead >> 3) == 0x1e ? 4
                                                   : 0;
        char32_t c = length == 1   ? lead
                     : length == 2 ? (lead & 0x1f)
                     : length == 3 ? (lead & 0x0f)
                                   : (lead & 0x07);
        bool valid = length != 0 && i + length <= component.size();
        for (std::size_t k = 1; valid && k < length; ++k) {
            const auto next = static_cast<unsigned char>(component[i + k]);
            valid = (next & 0xc0) == 0x80;
            c = (c << 6) | (next & 0x3f);
        }
        if (valid) {
            // Overlong forms, surrogates and out-of-range values are invalid too.
            valid = !(length == 2 && c < 0x80) && !(length == 3 && c < 0x800) &&
                    !(length == 4 && c < 0x10000) && !(c >= 0xd800 && c <= 0xdfff) && c <= 0x10ffff;
        }
        std::string_view piece = "_";
        if (valid && !(c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || isBidiControl(c))) {
            piece = component.substr(i, length);
        }
        if (out.size() + piece.size() > 255) {
            break;
        }
        out.append(piece);
        i += valid ? length : 1;
    }
    return out;
}

std::string TarReader::describeName(std::string_view raw) const
{
    std::string out;
    std::size_t start = 0;
    while (start <= raw.size() && out.size() < 300) {
        auto slash = raw.find('/', start);
        if (slash == std::string_view::npos) {
            slash = raw.size();
        }
        if (!out.empty()) {
            out += '/';
        }
        out += sanitizeComponent(raw.substr(start, slash - start));
        start = slash + 1;
    }
    return out.size() > 300 ? out.substr(0, 300) + "…" : out;
}

Result<void> TarReader::fail(std::string code, std::string message)
{
    m_state = State::Failed;
    m_error = Error{std::move(code), std::move(message)};
    return std::unexpected(m_error);
}

Result<void> TarReader::feed(std::string_view bytes)
{
    while (!bytes.empty()) {
        switch (m_state) {
        case State::Failed:
            return std::unexpected(m_error);
        case State::End:
            return {};
        case State::Header: {
            const std::size_t take = std::min(Block - m_block.size(), bytes.size());
            m_block.append(bytes.substr(0, take));
            bytes.remove_prefix(take);
            if (m_block.size() == Block) {
                const std::string block = std::move(m_block);
                m_block.clear();
                if (auto ok = onHeader(block.data()); !ok) {
                    return ok;
                }
            }
            break;
        }
        case State::Data:
        case State::Skip:
        case State::LongName:
        case State::Pax: {
            const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(m_remaining, bytes.size()));
            const auto piece = bytes.substr(0, take);
            if (m_state == State::Data && m_sink.data && take > 0) {
                if (auto ok = m_sink.data(piece); !ok) {
                    return fail(ok.error().code, ok.error().message);
                }
            } else if (m_state == State::LongName || m_state == State::Pax) {
                m_meta.append(piece);
            }
            m_remaining -= take;
            bytes.remove_prefix(take);
            if (m_remaining == 0) {
                if (auto ok = afterPayload(); !ok) {
                    return ok;
                }
            }
            break;
        }
        case State::Padding: {
            const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(m_padding, bytes.size()));
            m_padding -= take;
            bytes.remove_prefix(take);
            if (m_padding == 0) {
                m_state = State::Header;
            }
            break;
        }
        }
    }
    if (m_state == State::Data && m_remaining == 0) {
        return afterPayload();
    }
    return {};
}

Result<void> TarReader::afterPayload()
{
    if (m_state == State::Data && m_sink.end) {
        if (auto ok = m_sink.end(); !ok) {
            return fail(ok.error().code, ok.error().message);
        }
    } else if (m_state == State::LongName) {
        m_longName = m_meta.substr(0, m_meta.find('\0'));
        m_meta.clear();
    } else if (m_state == State::Pax) {
        parsePax(m_meta, m_longName, m_paxSize, m_havePaxSize);
        m_meta.clear();
    }
    m_state = m_padding > 0 ? State::Padding : State::Header;
    return {};
}

Result<void> TarReader::onHeader(const char* block)
{
    if (std::all_of(block, block + Block, [](char c) { return c == '\0'; })) {
        if (++m_zeroBlocks >= 2) {
            m_state = State::End;
        }
        return {};
    }
    if (m_zeroBlocks > 0) {
        return fail(errc::ArchiveMalformed,
                    "The archive from the container is malformed (data after its end marker); nothing more "
                    "was copied.");
    }
    if (!checksumMatches(block)) {
        return fail(errc::ArchiveMalformed,
                    "The archive from the container is malformed (a header's checksum does not match); "
                    "nothing more was copied.");
    }
    const auto size = number(block, 124, 12);
    if (!size) {
        return fail(errc::ArchiveMalformed,
                    "The archive from the container is malformed (an entry's size is not a number); nothing "
                    "more was copied.");
    }
    const char type = block[156];
    std::uint64_t payload = *size;
    if (m_havePaxSize && type != 'x' && type != 'g' && type != 'L' && type != 'K') {
        payload = m_paxSize;
    }

    if (type == 'L' || type == 'x') {
        if (payload > MaxMetaBytes) {
            return fail(errc::ArchiveMalformed, "The archive from the container has a name header of " +
                                                    std::to_string(payload) + " bytes (at most " +
                                                    std::to_string(MaxMetaBytes) +
                                                    "); nothing more was copied.");
        }
        m_meta.clear();
        m_remaining = payload;
        m_padding = (Block - payload % Block) % Block;
        m_state = type == 'L' ? State::LongName : State::Pax;
        if (payload == 0) {
            return afterPayload();
        }
        return {};
    }
    if (type == 'g' || type == 'K') {
        m_remaining = payload;
        m_padding = (Block - payload % Block) % Block;
        m_state = State::Skip;
        if (payload == 0) {
            return afterPayload();
        }
        return {};
    }

    std::string name = m_longName;
    if (name.empty()) {
        name = std::string(field(block, 0, 100));
        const auto prefix = field(block, 345, 155);
        if (std::memcmp(block + 257, "ustar", 5) == 0 && !prefix.empty()) {
            name = std::string(prefix) + "/" + name;
        }
    }
    m_longName.clear();
    m_havePaxSize = false;
    return startEntry(block, std::move(name), payload, type);
}

Result<void> TarReader::startEntry(const char* block, std::string name, std::uint64_t size, char type)
{
    if (++m_entries > m_limits.maxEntries) {
        return fail(errc::ArchiveTooManyEntries,
                    "The copy was aborted: the container's archive has more than " +
                        std::to_string(m_limits.maxEntries) +
                        " entries (raise the entry cap if this is expected).");
    }
    m_remaining = size;
    m_padding = (Block - size % Block) % Block;

    const std::string shown = describeName(name);
    auto reject = [&](std::string reason) -> Result<void> {
        m_rejections.push_back({shown, std::move(reason)});
        m_state = State::Skip;
        if (m_remaining == 0) {
            return afterPayload();
        }
        return {};
    };

    const bool isFile = type == '0' || type == '\0' || type == '7';
    const bool isDirectory = type == '5';
    if (!isFile && !isDirectory) {
        const std::string target = describeName(field(block, 157, 100));
        switch (type) {
        case '2':
            return reject("symbolic link to " + target + "; links are never copied out");
        case '1':
            return reject("hard link to " + target + "; links are never copied out");
        case '3':
            return reject("character device; devices are never copied out");
        case '4':
            return reject("block device; devices are never copied out");
        case '6':
            return reject("FIFO; special files are never copied out");
        default:
            return reject(std::string("unsupported entry type '") +
                          (type >= 0x20 && type < 0x7f ? type : '?') + "'");
        }
    }

    // Sanitise the path: relative, no `..`, printable components.
    std::string path;
    std::size_t start = 0;
    while (start <= name.size()) {
        auto slash = name.find('/', start);
        if (slash == std::string::npos) {
            slash = name.size();
        }
        const std::string_view component = std::string_view(name).substr(start, slash - start);
        start = slash + 1;
        if (component.empty() || component == ".") {
            continue;
        }
        if (component == "..") {
            return reject("its name leaves the destination (`..`)");
        }
        if (!path.empty()) {
            path += '/';
        }
        path += sanitizeComponent(component);
    }
    if (path.size() > m_limits.maxPathBytes) {
        return reject("its name is longer than " + std::to_string(m_limits.maxPathBytes) + " bytes");
    }
    if (path.empty()) {
        // The archive's own top directory ("./"): nothing to create.
        m_state = State::Skip;
        return m_remaining == 0 ? afterPayload() : Result<void>{};
    }

    if (isFile) {
        if (size > m_limits.maxFileBytes) {
            return fail(errc::ArchiveFileTooLarge, "The copy was aborted: " + shown + " is " +
                                                       std::to_string(size) +
                                                       " bytes, over the per-file cap of " +
                                                       std::to_string(m_limits.maxFileBytes) + " bytes.");
        }
        if (m_totalBytes + size > m_limits.maxTotalBytes) {
            return fail(errc::ArchiveTooLarge, "The copy was aborted: the files exceed the total cap of " +
                                                   std::to_string(m_limits.maxTotalBytes) + " bytes (at " +
                                                   shown + ").");
        }
        m_totalBytes += size;
    }
    const auto mode = number(block, 100, 8).value_or(0644) & 0777;
    TarEntry entry{isFile ? TarEntry::Kind::File : TarEntry::Kind::Directory, path, shown, isFile ? size : 0,
                   static_cast<unsigned>(mode)};
    if (m_sink.begin) {
        if (auto ok = m_sink.begin(entry); !ok) {
            return fail(ok.error().code, ok.error().message);
        }
    }
    if (isDirectory) {
        m_state = State::Skip;
        return m_remaining == 0 ? afterPayload() : Result<void>{};
    }
    m_state = State::Data;
    return {};
}

Result<void> TarReader::finish()
{
    if (m_state == State::Failed) {
        return std::unexpected(m_error);
    }
    if (m_state == State::Data && m_remaining == 0) {
        if (auto ok = afterPayload(); !ok) {
            return ok;
        }
    }
    if (m_state == State::End || (m_state == State::Header && m_block.empty())) {
        return {};
    }
    return fail(errc::ArchiveTruncated,
                "The archive from the container ended in the middle of an entry; the copy is incomplete.");
}

} // namespace agentrun::engine
