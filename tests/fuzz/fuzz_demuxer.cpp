// The attach stream demuxer on arbitrary bytes, cut into reads at positions the input chooses.
#include "agentrun/engine/demuxer.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    const std::size_t step = 1 + data[0] % 17;
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    std::size_t delivered = 0;
    agentrun::engine::FrameDemuxer demuxer([&](agentrun::engine::FrameDemuxer::Channel,
                                               std::string_view payload) { delivered += payload.size(); });
    for (std::size_t i = 0; i < bytes.size(); i += step) {
        if (!demuxer.feed(bytes.substr(i, step))) {
            break;
        }
    }
    if (delivered > bytes.size()) {
        std::abort(); // a payload can never be larger than what arrived
    }
    return 0;
}
