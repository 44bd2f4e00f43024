#include "agentrun/sandbox/outputcollector.h"

#include <algorithm>

namespace agentrun::sandbox {

std::string OutputCollector::marker(std::string_view nonce)
{
    return "\x1e"
           "AGENTRUN-REPORT:" +
           std::string(nonce) + ":";
}

OutputCollector::OutputCollector(std::string nonce, std::int64_t limitPerStream, Sink sink)
    : m_marker(marker(nonce)), m_limit(limitPerStream), m_sink(std::move(sink))
{}

bool OutputCollector::keep(run::Stream stream, std::string_view bytes)
{
    std::string& target = stream == run::Stream::Stdout ? m_stdout : m_stderr;
    bool& truncated = stream == run::Stream::Stdout ? m_stdoutTruncated : m_stderrTruncated;
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

bool OutputCollector::add(run::Stream stream, std::string_view bytes)
{
    if (stream == run::Stream::Stderr) {
        return keep(stream, bytes);
    }
    if (m_inReport) {
        m_reportText.append(bytes.substr(0, 4096 - std::min<std::size_t>(4096, m_reportText.size())));
        return true;
    }
    m_held.append(bytes);
    const auto found = m_held.find(m_marker);
    if (found != std::string::npos) {
        const bool ok = keep(stream, std::string_view(m_held).substr(0, found));
        m_reportText = m_held.substr(found + m_marker.size());
        m_held.clear();
        m_inReport = true;
        return ok;
    }
    // Hold back the longest tail that could still grow into the marker.
    std::size_t hold = std::min(m_held.size(), m_marker.size() - 1);
    while (hold > 0 && std::string_view(m_held).substr(m_held.size() - hold) !=
                           std::string_view(m_marker).substr(0, hold)) {
        --hold;
    }
    const bool ok = keep(stream, std::string_view(m_held).substr(0, m_held.size() - hold));
    m_held.erase(0, m_held.size() - hold);
    return ok;
}

void OutputCollector::finish()
{
    if (!m_held.empty()) {
        keep(run::Stream::Stdout, m_held);
        m_held.clear();
    }
    if (m_inReport) {
        const auto newline = m_reportText.find('\n');
        auto json = nlohmann::json::parse(m_reportText.substr(0, newline), nullptr, false);
        if (json.is_object()) {
            m_report = std::move(json);
        }
    }
}

} // namespace agentrun::sandbox
