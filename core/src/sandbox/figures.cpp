#include "agentrun/sandbox/figures.h"

#include "agentrun/base64.h"

#include <climits>
#include <cstdint>

namespace agentrun::sandbox {

namespace {
constexpr std::size_t MaxNotes = 16;

std::string mib(std::size_t bytes)
{
    return std::to_string(bytes >> 20) + " MiB";
}

std::uint32_t bigEndian32(std::string_view bytes, std::size_t at)
{
    return (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at])) << 24) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 16) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 8) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 3]));
}
} // namespace

std::optional<std::pair<int, int>> pngSize(std::string_view bytes)
{
    // Signature (8 bytes), then the first chunk must be IHDR: length 13, type, width, height.
    constexpr std::string_view Signature = "\x89PNG\r\n\x1a\n";
    if (bytes.size() < 33 || !bytes.starts_with(Signature) || bigEndian32(bytes, 8) != 13 ||
        bytes.substr(12, 4) != "IHDR") {
        return std::nullopt;
    }
    const std::uint32_t width = bigEndian32(bytes, 16);
    const std::uint32_t height = bigEndian32(bytes, 20);
    if (width == 0 || height == 0 || width > INT_MAX || height > INT_MAX) {
        return std::nullopt;
    }
    return std::pair{static_cast<int>(width), static_cast<int>(height)};
}

void FigureExtractor::drop(std::string note)
{
    if (m_notes.size() < MaxNotes) {
        m_notes.push_back(std::move(note));
    } else if (m_notes.size() == MaxNotes) {
        m_notes.push_back("further figures were dropped too (only the first " + std::to_string(MaxNotes) +
                          " are described)");
    }
}

std::string FigureExtractor::feed(std::string_view bytes)
{
    std::string text;
    const auto emit = [&](std::string_view part) {
        text.append(part);
        m_textBytes += static_cast<std::int64_t>(part.size());
    };
    // The largest base64 payload one figure may have (4 characters per 3 bytes).
    const std::size_t maxPayload = (m_caps.maxBytes + 2) / 3 * 4;
    std::string joined; // held bytes + this chunk; `rest` may point into it, so it is assigned once
    std::string_view rest = bytes;
    while (!rest.empty()) {
        if (m_inMarker) {
            const auto newline = rest.find('\n');
            const std::string_view part = rest.substr(0, newline);
            if (!m_skipping && m_payload.size() + part.size() > maxPayload) {
                drop("figure " + std::to_string(m_seen + 1) + " was dropped: larger than the cap of " +
                     mib(m_caps.maxBytes) + " per figure");
                m_dropped += m_payload.size();
                m_payload = {};
                m_skipping = true;
            }
            if (m_skipping) {
                m_dropped += part.size();
            } else {
                m_payload.append(part);
            }
            if (newline == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(newline + 1);
            endMarker();
            continue;
        }
        std::string_view data = rest;
        if (!m_held.empty()) {
            joined = std::exchange(m_held, {});
            joined.append(rest);
            data = joined;
        }
        rest = {};
        for (std::size_t from = 0;;) {
            const auto at = data.find('\x1e', from);
            if (at == std::string_view::npos) {
                emit(data);
                break;
            }
            const std::string_view tail = data.substr(at);
            if (tail.starts_with(Marker)) {
                emit(data.substr(0, at));
                m_inMarker = true;
                m_markerOffset = m_textBytes;
                if (m_figures.size() >= m_caps.maxCount) {
                    m_skipping = true;
                    drop("figure " + std::to_string(m_seen + 1) + " was dropped: a run keeps at most " +
                         std::to_string(m_caps.maxCount) + " figures");
                }
                rest = tail.substr(Marker.size());
                break;
            }
            if (tail.size() < Marker.size() && Marker.starts_with(tail)) {
                emit(data.substr(0, at));
                m_held = std::string(tail);
                break;
            }
            from = at + 1;
        }
    }
    return text;
}

void FigureExtractor::endMarker()
{
    m_inMarker = false;
    const std::size_t number = ++m_seen;
    std::string payload = std::exchange(m_payload, {});
    if (std::exchange(m_skipping, false)) {
        return;
    }
    const auto prefix = "figure " + std::to_string(number) + " was dropped: ";
    if (!payload.empty() && payload.back() == '\r') {
        payload.pop_back();
    }
    auto decoded = base64Decode(payload);
    if (!decoded) {
        m_dropped += payload.size();
        drop(prefix + "its data is not base64");
        return;
    }
    const auto size = pngSize(*decoded);
    if (!size) {
        m_dropped += payload.size();
        drop(prefix + "it is not a PNG image");
        return;
    }
    if (decoded->size() > m_caps.maxBytes) {
        m_dropped += payload.size();
        drop(prefix + "larger than the cap of " + mib(m_caps.maxBytes) + " per figure");
        return;
    }
    if (m_totalBytes + decoded->size() > m_caps.maxTotalBytes) {
        m_dropped += payload.size();
        drop(prefix + "the run's figures reached the cap of " + mib(m_caps.maxTotalBytes) + " in all");
        return;
    }
    m_totalBytes += decoded->size();
    model::Figure figure;
    figure.width = size->first;
    figure.height = size->second;
    figure.bytes = std::move(*decoded);
    figure.stdoutOffset = m_markerOffset;
    m_figures.push_back(std::move(figure));
    if (m_sink) {
        m_sink(m_figures.back());
    }
}

std::string FigureExtractor::release()
{
    if (m_inMarker) {
        m_dropped += m_payload.size();
        m_payload = {};
        m_inMarker = false;
        if (!std::exchange(m_skipping, false)) {
            drop("figure " + std::to_string(++m_seen) +
                 " was dropped: its line was cut off (the output ended first)");
        }
    }
    std::string text = std::exchange(m_held, {});
    m_textBytes += static_cast<std::int64_t>(text.size());
    return text;
}

} // namespace agentrun::sandbox
