#pragma once

#include "agentrun/model/runresult.h"
#include "agentrun/sandbox/figures.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace agentrun::sandbox {

/// Collects one run's stdout and stderr: keeps each stream up to its cap (and says when it was cut),
/// interleaves them in arrival order, forwards what it keeps, and takes the agent's report off the end
/// of stdout. The report is recognised only with this run's nonce, so program output cannot forge it.
/// Finds one marker in a byte stream, letting through everything before it as soon as it cannot be
/// the start of the marker, and keeping (up to 4 KiB of) what follows it.
class MarkerScanner
{
public:
    explicit MarkerScanner(std::string marker) : m_marker(std::move(marker)) {}
    /// Returns the bytes that are program output for certain.
    std::string feed(std::string_view bytes);
    /// End of stream: the bytes held back because they looked like the marker's start.
    std::string release() { return std::exchange(m_held, {}); }
    bool found() const { return m_found; }
    const std::string& after() const { return m_after; }

private:
    std::string m_marker;
    std::string m_held;
    std::string m_after;
    bool m_found = false;
};

/// Collects one run's stdout and stderr: keeps each stream up to its cap (and says when it was cut),
/// interleaves them in arrival order, forwards what it keeps, and takes the agent's markers off the end
/// of both streams: the report on stdout, an end mark on stderr. Markers are recognised only with this
/// run's nonce, so program output cannot forge them. Figure marker lines are taken out of stdout first
/// (FigureExtractor): they never reach the text, the sink or the caps of the text.
class OutputCollector
{
public:
    using Sink = std::function<void(model::Stream, std::string_view)>;

    OutputCollector(const std::string& nonce, std::int64_t limitPerStream, Sink sink,
                    FigureExtractor::Sink figureSink = {}, FigureCaps figureCaps = {});

    /// Returns false once a stream went past its cap: the caller stops the run.
    bool add(model::Stream stream, std::string_view bytes);

    /// End of stream: releases bytes held back while they looked like the start of a marker.
    void finish();

    const std::string& stdoutData() const { return m_stdout; }
    const std::string& stderrData() const { return m_stderr; }
    const std::string& combined() const { return m_combined; }
    /// The same, moved out (after finish()): the collector is done with them.
    std::string takeStdout() { return std::exchange(m_stdout, {}); }
    std::string takeStderr() { return std::exchange(m_stderr, {}); }
    std::string takeCombined() { return std::exchange(m_combined, {}); }
    bool stdoutTruncated() const { return m_stdoutTruncated; }
    bool stderrTruncated() const { return m_stderrTruncated; }
    /// Figures taken out of stdout (after finish(): offsets are within stdoutData) and why any were dropped.
    std::vector<model::Figure> takeFigures();
    std::vector<std::string> takeFigureNotes() { return m_figures.takeNotes(); }

    /// Both markers arrived: every byte the program wrote is here, and it and everything it started
    /// are gone.
    bool complete() const
    {
        return m_stdoutScanner.found() && m_stdoutScanner.after().find('\n') != std::string::npos &&
               m_stderrScanner.found();
    }
    /// The agent's report, after finish(), when it arrived intact.
    const std::optional<nlohmann::json>& report() const { return m_report; }

    static std::string marker(std::string_view nonce);    ///< the stdout report marker
    static std::string endMarker(std::string_view nonce); ///< the stderr end marker

private:
    bool keep(model::Stream stream, std::string_view bytes);

    std::int64_t m_limit;
    Sink m_sink;
    FigureExtractor m_figures;
    MarkerScanner m_stdoutScanner;
    MarkerScanner m_stderrScanner;
    std::string m_stdout;
    std::string m_stderr;
    std::string m_combined;
    bool m_stdoutTruncated = false;
    bool m_stderrTruncated = false;
    std::size_t m_stdoutSize = 0; ///< of the text kept, at finish()
    std::optional<nlohmann::json> m_report;
};

} // namespace agentrun::sandbox
