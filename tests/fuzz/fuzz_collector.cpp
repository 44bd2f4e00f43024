// The output collector (caps + report recognition) on arbitrary stream sequences: caps always hold.
#include "agentrun/sandbox/outputcollector.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    constexpr std::int64_t Limit = 256;
    agentrun::sandbox::OutputCollector collector("n0nce", Limit, {});
    std::size_t i = 0;
    while (i < size) {
        const std::uint8_t control = data[i++];
        const std::size_t length = std::min<std::size_t>(control & 0x3f, size - i);
        std::string chunk(reinterpret_cast<const char*>(data + i), length);
        if (control & 0x40) {
            chunk = agentrun::sandbox::OutputCollector::marker("n0nce") + chunk; // a real report start
        }
        collector.add(control & 0x80 ? agentrun::model::Stream::Stderr : agentrun::model::Stream::Stdout,
                      chunk);
        i += length;
    }
    collector.finish();
    if (static_cast<std::int64_t>(collector.stdoutData().size()) > Limit ||
        static_cast<std::int64_t>(collector.stderrData().size()) > Limit ||
        collector.combined().size() != collector.stdoutData().size() + collector.stderrData().size()) {
        std::abort();
    }
    return 0;
}
