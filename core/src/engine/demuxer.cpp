#include "agentrun/engine/demuxer.h"

#include <algorithm>

namespace agentrun::engine {

bool FrameDemuxer::feed(std::string_view bytes)
{
    while (!bytes.empty()) {
        if (m_remaining == 0) {
            const std::size_t take = std::min(bytes.size(), sizeof m_header - m_headerFill);
            std::copy_n(bytes.begin(), take, m_header + m_headerFill);
            m_headerFill += take;
            bytes.remove_prefix(take);
            if (m_headerFill < sizeof m_header) {
                return true;
            }
            m_headerFill = 0;
            if (m_header[0] > 2) {
                return false;
            }
            m_channel = static_cast<Channel>(m_header[0]);
            m_remaining = (std::uint32_t{m_header[4]} << 24) | (std::uint32_t{m_header[5]} << 16) |
                          (std::uint32_t{m_header[6]} << 8) | std::uint32_t{m_header[7]};
            continue;
        }
        const std::size_t take = std::min<std::size_t>(bytes.size(), m_remaining);
        m_sink(m_channel, bytes.substr(0, take));
        m_remaining -= static_cast<std::uint32_t>(take);
        bytes.remove_prefix(take);
    }
    return true;
}

} // namespace agentrun::engine
