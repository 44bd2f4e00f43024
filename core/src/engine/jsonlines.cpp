#include "agentrun/engine/jsonlines.h"

namespace agentrun::engine {

bool JsonLinesParser::emit(std::string_view line)
{
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
        return true; // blank lines (keep-alives) carry nothing
    }
    if (!m_sink(nlohmann::json::parse(line, nullptr, false))) {
        m_stopped = true;
        return false;
    }
    return true;
}

bool JsonLinesParser::feed(std::string_view bytes)
{
    while (!m_stopped && !bytes.empty()) {
        const auto newline = bytes.find('\n');
        const auto piece = bytes.substr(0, newline);
        if (m_skipping) {
            if (newline == std::string_view::npos) {
                return true;
            }
            m_skipping = false;
        } else if (m_pending.size() + piece.size() > m_maxLine) {
            m_pending.clear();
            ++m_dropped;
            m_skipping = newline == std::string_view::npos;
            if (m_skipping) {
                return true;
            }
        } else if (newline == std::string_view::npos) {
            m_pending.append(piece);
            return true;
        } else if (m_pending.empty()) {
            emit(piece);
        } else {
            m_pending.append(piece);
            const std::string line = std::move(m_pending);
            m_pending.clear();
            emit(line);
        }
        bytes.remove_prefix(newline + 1);
    }
    return !m_stopped;
}

bool JsonLinesParser::finish()
{
    if (m_stopped) {
        return false;
    }
    if (m_skipping) {
        m_skipping = false;
        return true;
    }
    const std::string line = std::move(m_pending);
    m_pending.clear();
    return emit(line);
}

} // namespace agentrun::engine
