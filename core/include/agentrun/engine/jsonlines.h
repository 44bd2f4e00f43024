#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace agentrun::engine {

/// Splits the engine's JSON-lines streams (build progress, import answers, stats, events) into JSON
/// values as bytes arrive, whatever the chunking. A line that is not JSON is handed on as a discarded
/// value (`is_discarded()`), never thrown; a line longer than the cap is dropped whole and counted, so
/// a hostile or broken peer cannot make the buffer grow without bound.
class JsonLinesParser
{
public:
    static constexpr std::size_t DefaultMaxLine = 4 * 1024 * 1024;

    /// Returns false to stop: feed() stops at that line and returns false.
    using Sink = std::function<bool(const nlohmann::json&)>;

    explicit JsonLinesParser(Sink sink, std::size_t maxLine = DefaultMaxLine)
        : m_sink(std::move(sink)), m_maxLine(maxLine)
    {}

    /// Feeds raw bytes; returns false once the sink asked to stop.
    bool feed(std::string_view bytes);
    /// Hands on a last line that had no newline (the end of a stream); returns the sink's answer.
    bool finish();

    std::size_t linesDropped() const { return m_dropped; }
    /// Bytes held for an unfinished line (bounded by the cap).
    std::size_t pending() const { return m_pending.size(); }

private:
    bool emit(std::string_view line);

    Sink m_sink;
    std::size_t m_maxLine;
    std::string m_pending;
    bool m_skipping = false; ///< inside an over-long line: discard until its newline
    bool m_stopped = false;
    std::size_t m_dropped = 0;
};

} // namespace agentrun::engine
