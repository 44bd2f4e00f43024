// libFuzzer target: the tar reader behind copy-out (docs/security.md, F1–F5), fed in read sizes chosen by
// the input. Whatever the bytes, it must not crash, must keep its caps, and every entry it hands on
// must have a relative, sanitised path (no `..`, no control or bidi characters).
#include "agentrun/engine/tarreader.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1) {
        return 0;
    }
    const std::size_t chunk = 1 + data[0] % 97 * 37; // 1 .. ~3.6k, often across block edges
    agentrun::model::TarLimits limits;
    limits.maxEntries = 64;
    limits.maxFileBytes = 1 << 16;
    limits.maxTotalBytes = 1 << 18;
    limits.maxPathBytes = 512;
    std::uint64_t bytes = 0;
    std::uint64_t expected = 0;
    agentrun::engine::TarReader::Sink sink{
        [&](const agentrun::engine::TarEntry& entry) -> agentrun::Result<void> {
            const std::string_view path = entry.path;
            if (path.empty() || path.front() == '/' || path.size() > limits.maxPathBytes || path == ".." ||
                path.starts_with("../") || path.find("/../") != std::string_view::npos ||
                path.ends_with("/..")) {
                std::abort();
            }
            for (const char c : path) {
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    std::abort();
                }
            }
            if (path.find("\xe2\x80\xae") != std::string_view::npos) { // U+202E
                std::abort();
            }
            expected += entry.size;
            return {};
        },
        [&](std::string_view piece) -> agentrun::Result<void> {
            bytes += piece.size();
            return {};
        },
        []() -> agentrun::Result<void> { return {}; }};
    agentrun::engine::TarReader reader(limits, sink);
    std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    while (!rest.empty()) {
        const auto piece = rest.substr(0, chunk);
        rest.remove_prefix(piece.size());
        if (!reader.feed(piece)) {
            break;
        }
    }
    (void)reader.finish();
    if (bytes > expected || reader.totalBytes() > limits.maxTotalBytes ||
        reader.entries() > limits.maxEntries + 1) {
        std::abort();
    }
    return 0;
}
