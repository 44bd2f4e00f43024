#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace agentrun::engine {

/// Splits Docker's multiplexed attach stream (8-byte header: stream type, 3 zero bytes, big-endian
/// length) into stdout/stderr payloads. Frames may arrive split across any number of reads.
class FrameDemuxer
{
public:
    enum class Channel : std::uint8_t
    {
        Stdin = 0,
        Stdout = 1,
        Stderr = 2
    };
    using Sink = std::function<void(Channel, std::string_view)>;

    explicit FrameDemuxer(Sink sink) : m_sink(std::move(sink)) {}

    /// Feeds raw bytes; calls the sink for every payload piece as soon as it is known. Returns false on
    /// a malformed header (unknown stream type): the stream cannot be trusted after that.
    bool feed(std::string_view bytes);

    /// True when no frame is half-read.
    bool atFrameBoundary() const { return m_headerFill == 0 && m_remaining == 0; }

private:
    Sink m_sink;
    unsigned char m_header[8] = {};
    std::size_t m_headerFill = 0;
    std::uint32_t m_remaining = 0;
    Channel m_channel = Channel::Stdout;
};

} // namespace agentrun::engine
