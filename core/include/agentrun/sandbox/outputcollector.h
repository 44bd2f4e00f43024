#pragma once

#include "agentrun/run/runresult.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace agentrun::sandbox {

/// Collects one run's stdout and stderr: keeps each stream up to its cap (and says when it was cut),
/// interleaves them in arrival order, forwards what it keeps, and takes the agent's report off the end
/// of stdout. The report is recognised only with this run's nonce, so program output cannot forge it.
class OutputCollector
{
public:
    using Sink = std::function<void(run::Stream, std::string_view)>;

    OutputCollector(std::string nonce, std::int64_t limitPerStream, Sink sink);

    /// Returns false once a stream went past its cap: the caller stops the run.
    bool add(run::Stream stream, std::string_view bytes);

    /// End of stream: releases bytes held back while they looked like the start of a report.
    void finish();

    const std::string& stdoutData() const { return m_stdout; }
    const std::string& stderrData() const { return m_stderr; }
    const std::string& combined() const { return m_combined; }
    bool stdoutTruncated() const { return m_stdoutTruncated; }
    bool stderrTruncated() const { return m_stderrTruncated; }
    /// The whole report line has arrived: the program and everything it started are gone.
    bool reportComplete() const { return m_inReport && m_reportText.find('\n') != std::string::npos; }
    /// The agent's report, when it arrived intact.
    const std::optional<nlohmann::json>& report() const { return m_report; }

    static std::string marker(std::string_view nonce);

private:
    bool keep(run::Stream stream, std::string_view bytes);

    std::string m_marker;
    std::int64_t m_limit;
    Sink m_sink;
    std::string m_stdout;
    std::string m_stderr;
    std::string m_combined;
    std::string m_held;       ///< stdout bytes that may be the start of the marker
    std::string m_reportText; ///< bytes after the marker
    bool m_inReport = false;
    bool m_stdoutTruncated = false;
    bool m_stderrTruncated = false;
    std::optional<nlohmann::json> m_report;
};

} // namespace agentrun::sandbox
