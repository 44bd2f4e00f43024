#pragma once

#include "agentrun/model/runresult.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agentrun::sandbox {

/// Caps on the figures of one run. Marker bytes past them are dropped as they arrive (never held), so
/// what a run can make the host keep is bounded by maxTotalBytes plus one figure's base64 in flight.
struct FigureCaps
{
    std::size_t maxCount = 32;
    std::size_t maxBytes = 8 << 20;       ///< one figure, decoded
    std::size_t maxTotalBytes = 16 << 20; ///< all figures of the run, decoded
};

/// Width and height from a PNG's IHDR chunk; nullopt when the bytes are not a PNG.
std::optional<std::pair<int, int>> pngSize(std::string_view bytes);

/// Takes figure marker lines, `\x1eAGENTRUN-FIGURE:<base64 PNG>\n` (written by the in-sandbox backend
/// resources/agent/agentrun_figures.py), out of a stdout byte stream, wherever they start and however
/// the stream is cut into chunks. Everything else is text and passes through. The marker carries no
/// nonce: the program can print one too, which only makes a "figure" from its own bytes (still checked
/// to be a PNG and capped); see docs/security.md.
class FigureExtractor
{
public:
    using Sink = std::function<void(const model::Figure&)>;

    static constexpr std::string_view Marker = "\x1e"
                                               "AGENTRUN-FIGURE:";

    explicit FigureExtractor(FigureCaps caps = {}, Sink sink = {}) : m_caps(caps), m_sink(std::move(sink)) {}

    /// Returns the bytes that are text for certain (a possible marker start is held back).
    std::string feed(std::string_view bytes);
    /// End of stream: the held-back bytes are text after all; a marker without its newline is dropped.
    std::string release();

    std::vector<model::Figure> takeFigures() { return std::exchange(m_figures, {}); }
    const std::vector<model::Figure>& figures() const { return m_figures; }
    const std::vector<std::string>& notes() const { return m_notes; }
    std::vector<std::string> takeNotes() { return std::exchange(m_notes, {}); }
    /// Marker bytes dropped because a cap was reached (the collector counts them as output).
    std::uint64_t droppedBytes() const { return m_dropped; }

private:
    void endMarker();
    void drop(std::string note);

    FigureCaps m_caps;
    Sink m_sink;
    std::string m_held;    ///< text that may be the start of a marker
    std::string m_payload; ///< base64 of the marker being read
    bool m_inMarker = false;
    bool m_skipping = false; ///< the marker being read is dropped
    std::int64_t m_textBytes = 0;
    std::int64_t m_markerOffset = 0;
    std::size_t m_totalBytes = 0;
    std::uint64_t m_dropped = 0;
    std::size_t m_seen = 0; ///< markers seen, for the notes
    std::vector<model::Figure> m_figures;
    std::vector<std::string> m_notes;
};

} // namespace agentrun::sandbox
