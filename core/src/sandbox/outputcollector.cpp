#include "agentrun/sandbox/outputcollector.h"

#include <algorithm>

namespace agentrun::sandbox {

namespace {
constexpr std::size_t MaxAfterMarker = 4096;
}

std::string MarkerScanner::feed(std::string_view bytes)
{
    if (m_found) {
        m_after.append(bytes.substr(0, MaxAfterMarker - std::min(MaxAfterMarker, m_after.size())));
        return {};
    }
    m_held.append(bytes);
    const auto found = m_held.find(m_marker);
    if (found != std::string::npos) {
        m_found = true;
        std::string before = m_held.substr(0, found);
        m_after = m_held.substr(found + m_marker.size(), MaxAfterMarker);
        m_held.clear();
        return before;
    }
    // Hold back the longest tail that could still grow into the marker.
    std::size_t hold = std::min(m_held.size(), m_marker.size() - 1);
    while (hold > 0 && std::string_view(m_held).substr(m_held.size() - hold) !=
                           std::string_view(m_marker).substr(0, hold)) {
        --hold;
    }
    std::string safe = m_held.substr(0, m_held.size() - hold);
    m_held.erase(0, m_held.size() - hold);
    return safe;
}

std::string OutputCollector::marker(std::string_view nonce)
{
    return "\x1e"
           "AGENTRUN-REPORT:" +
           std::string(nonce) + ":";
}

std::string OutputCollector::endMarker(std::string_view nonce)
{
    return "\x1e"
           "AGENTRUN-END:" +
           std::string(nonce) + "\n";
}

OutputCollector::OutputCollector(const std::string& nonce, std::int64_t limitPerStream, Sink sink,
                                 FigureExtractor::Sink figureSink, FigureCaps figureCaps)
    : m_limit(limitPerStream), m_sink(std::move(sink)), m_figures(figureCaps, std::move(figureSink)),
      m_stdoutScanner(marker(nonce)), m_stderrScanner(endMarker(nonce))
{}

bool OutputCollector::keep(model::Stream stream, std::string_view bytes)
{
    std::string& target = stream == model::Stream::Stdout ? m_stdout : m_stderr;
    bool& truncated = stream == model::Stream::Stdout ? m_stdoutTruncated : m_stderrTruncated;
    if (truncated) {
        return false;
    }
    const auto room = static_cast<std::size_t>(
        std::max<std::int64_t>(0, m_limit - static_cast<std::int64_t>(target.size())));
    if (bytes.size() > room) {
        bytes = bytes.substr(0, room);
        truncated = true;
    }
    if (!bytes.empty()) {
        target.append(bytes);
        m_combined.append(bytes);
        if (m_sink) {
            m_sink(stream, bytes);
        }
    }
    return !truncated;
}

bool OutputCollector::add(model::Stream stream, std::string_view bytes)
{
    if (stream == model::Stream::Stderr) {
        return keep(stream, m_stderrScanner.feed(bytes));
    }
    std::string text = m_figures.feed(bytes);
    // Marker bytes dropped over the figure caps are not kept, but they are output all the same: past the
    // stream's cap they stop the run like any flood of text would.
    if (m_figures.droppedBytes() > static_cast<std::uint64_t>(std::max<std::int64_t>(0, m_limit))) {
        keep(stream, m_stdoutScanner.feed(text));
        m_stdoutTruncated = true;
        return false;
    }
    return keep(stream, m_stdoutScanner.feed(text));
}

void OutputCollector::finish()
{
    keep(model::Stream::Stdout, m_stdoutScanner.feed(m_figures.release()));
    keep(model::Stream::Stdout, m_stdoutScanner.release());
    keep(model::Stream::Stderr, m_stderrScanner.release());
    m_stdoutSize = m_stdout.size();
    if (m_stdoutScanner.found()) {
        const auto& after = m_stdoutScanner.after();
        auto json = nlohmann::json::parse(after.substr(0, after.find('\n')), nullptr, false);
        if (json.is_object()) {
            m_report = std::move(json);
        }
    }
}

std::vector<model::Figure> OutputCollector::takeFigures()
{
    auto figures = m_figures.takeFigures();
    // A figure after the text was cut (or after the report marker) sits at the end of what was kept.
    for (auto& figure : figures) {
        figure.stdoutOffset =
            std::min<std::int64_t>(figure.stdoutOffset, static_cast<std::int64_t>(m_stdoutSize));
    }
    return figures;
}

} // namespace agentrun::sandbox
