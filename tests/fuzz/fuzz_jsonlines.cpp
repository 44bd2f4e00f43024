// The engine's two stream parsers on arbitrary bytes delivered in reads of random sizes. The JSON-lines
// parser must hand on exactly what a plain line-by-line reading of the whole input gives (same values,
// same over-long lines dropped), never hold more than its cap, and stop where its sink says; the frame
// demuxer must give the same stdout/stderr bytes whatever the reads.
#include "agentrun/engine/demuxer.h"
#include "agentrun/engine/jsonlines.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using agentrun::engine::FrameDemuxer;
using agentrun::engine::JsonLinesParser;

/// Read sizes from a seed: mostly small (1–32), sometimes large, so cuts fall everywhere.
std::vector<std::size_t> readSizes(std::uint32_t seed, std::size_t total)
{
    std::vector<std::size_t> sizes;
    std::uint32_t state = seed | 1u;
    for (std::size_t sum = 0; sum < total;) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        const std::size_t size = (state & 7u) == 0 ? 1 + state % 4096 : 1 + (state >> 8) % 32;
        sizes.push_back(size);
        sum += size;
    }
    return sizes;
}

std::string show(const nlohmann::json& value)
{
    return value.is_discarded() ? "<not json>"
                                : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// The specification in a few lines: split at LF, drop one CR before it, skip blank lines, drop (and
/// count) lines longer than the cap, parse the rest; a last line without LF counts too.
std::vector<std::string> reference(std::string_view bytes, std::size_t cap, std::size_t& dropped)
{
    std::vector<std::string> values;
    while (!bytes.empty()) {
        const auto newline = bytes.find('\n');
        std::string_view line = bytes.substr(0, newline);
        bytes.remove_prefix(newline == std::string_view::npos ? bytes.size() : newline + 1);
        if (line.size() > cap) {
            ++dropped;
            continue;
        }
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.find_first_not_of(" \t") == std::string_view::npos) {
            continue;
        }
        values.push_back(show(nlohmann::json::parse(line, nullptr, false)));
    }
    return values;
}

void checkJsonLines(std::string_view bytes, std::uint32_t seed, std::size_t cap, std::size_t stopAfter)
{
    std::size_t expectedDropped = 0;
    const auto expected = reference(bytes, cap, expectedDropped);

    std::vector<std::string> seen;
    JsonLinesParser parser(
        [&](const nlohmann::json& value) {
            seen.push_back(show(value));
            return seen.size() < stopAfter;
        },
        cap);
    bool going = true;
    std::size_t at = 0;
    for (const std::size_t size : readSizes(seed, bytes.size())) {
        going = parser.feed(bytes.substr(at, size));
        at += size;
        if (parser.pending() > cap) {
            std::abort(); // memory must stay bounded by the cap
        }
        if (!going) {
            break;
        }
    }
    if (going) {
        going = parser.finish();
    }
    const std::size_t delivered = std::min(expected.size(), stopAfter);
    if (seen.size() != delivered || !std::equal(seen.begin(), seen.end(), expected.begin())) {
        std::abort(); // not what a line-by-line reading gives
    }
    if (going != (expected.size() < stopAfter)) {
        std::abort(); // stopped without the sink asking, or went on after it asked to stop
    }
    if (going && parser.linesDropped() != expectedDropped) {
        std::abort();
    }
}

void checkDemuxer(std::string_view bytes, std::uint32_t seed)
{
    std::string whole[3];
    FrameDemuxer one([&](FrameDemuxer::Channel channel, std::string_view payload) {
        whole[static_cast<int>(channel)].append(payload);
    });
    const bool wholeOk = one.feed(bytes);

    std::string pieces[3];
    FrameDemuxer many([&](FrameDemuxer::Channel channel, std::string_view payload) {
        pieces[static_cast<int>(channel)].append(payload);
    });
    bool piecesOk = true;
    std::size_t at = 0;
    for (const std::size_t size : readSizes(seed, bytes.size())) {
        if (!many.feed(bytes.substr(at, size))) {
            piecesOk = false;
            break;
        }
        at += size;
    }
    if (wholeOk != piecesOk || (wholeOk && one.atFrameBoundary() != many.atFrameBoundary())) {
        std::abort();
    }
    for (int channel = 0; channel < 3; ++channel) {
        if (whole[channel] != pieces[channel]) {
            std::abort(); // the reads changed what came out
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 4) {
        return 0;
    }
    // Byte 0–1: read-size seed; byte 2: the cap (small caps reach the over-long path); byte 3: after how
    // many values the sink stops (0: never).
    const std::uint32_t seed = data[0] | (std::uint32_t{data[1]} << 8);
    const std::size_t cap = data[2] < 128 ? 1 + data[2] : JsonLinesParser::DefaultMaxLine;
    const std::size_t stopAfter = data[3] == 0 ? SIZE_MAX : data[3];
    const std::string_view bytes(reinterpret_cast<const char*>(data + 4), size - 4);
    checkJsonLines(bytes, seed, cap, stopAfter);
    checkDemuxer(bytes, seed);
    return 0;
}
