#include "restjson.h"

#include "agentrun/run/resultjson.h"

#include <nlohmann/json.hpp>

namespace agentrun::cli {

namespace {

/// Raw bytes escaped per call at most: the escaped text of one piece is at most six times this.
constexpr std::size_t EscapeChunk = 64 * 1024;

} // namespace

std::size_t completeUtf8Prefix(std::string_view bytes)
{
    const std::size_t size = bytes.size();
    for (std::size_t back = 1; back <= 3 && back <= size; ++back) {
        const auto byte = static_cast<unsigned char>(bytes[size - back]);
        if ((byte & 0xC0) == 0x80) {
            continue; // continuation byte: look further back for the lead byte
        }
        std::size_t needed = 1;
        if ((byte & 0xE0) == 0xC0) {
            needed = 2;
        } else if ((byte & 0xF0) == 0xE0) {
            needed = 3;
        } else if ((byte & 0xF8) == 0xF0) {
            needed = 4;
        }
        return needed > back ? size - back : size;
    }
    return size;
}

JsonStringWriter::JsonStringWriter(const TextSink& sink) : m_sink(sink) {}

bool JsonStringWriter::open()
{
    if (!m_opened) {
        m_opened = true;
        m_ok = m_sink("\"");
    }
    return m_ok;
}

bool JsonStringWriter::flush(std::string_view bytes)
{
    if (bytes.empty() || !m_ok) {
        return m_ok;
    }
    const std::string escaped = run::dumpJson(nlohmann::json(std::string(bytes)));
    m_ok = m_sink(std::string_view(escaped).substr(1, escaped.size() - 2)); // without the quotes
    return m_ok;
}

bool JsonStringWriter::add(std::string_view bytes)
{
    open();
    while (m_ok && !bytes.empty()) {
        std::string chunk = std::exchange(m_pending, {});
        const std::size_t take = std::min(bytes.size(), EscapeChunk);
        chunk.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        const std::size_t complete = completeUtf8Prefix(chunk);
        m_pending = chunk.substr(complete);
        chunk.resize(complete);
        flush(chunk);
    }
    return m_ok;
}

bool JsonStringWriter::finish()
{
    open();
    flush(std::exchange(m_pending, {})); // a sequence cut at the very end: replaced, not lost
    return m_ok && (m_ok = m_sink("\""));
}

bool writeResultJson(const model::RunResult& result, const TextSink& sink, const OutputPieces& combined,
                     std::string_view prefix, std::string_view suffix)
{
    // Everything but the three output fields is small: made as run::toJson does, then the big strings are
    // appended to the object one bounded piece at a time.
    nlohmann::json head = run::toJsonWithoutOutput(result);
    if (result.files.inMemory) {
        // Bounded by the collect cap (16 MiB by default, model/files.h): one piece like the figures.
        head["files"]["contents"] = run::collectedContentsJson(result, true);
    }
    std::string text = run::dumpJson(head);
    text.pop_back(); // the closing brace: the output fields follow
    if (!sink(prefix) || !sink(text)) {
        return false;
    }
    const auto field = [&](std::string_view name, const OutputPieces& pieces) {
        if (!sink(",\"" + std::string(name) + "\":")) {
            return false;
        }
        JsonStringWriter writer(sink);
        return pieces([&](std::string_view bytes) { return writer.add(bytes); }) && writer.finish();
    };
    const auto one = [](const std::string& value) -> OutputPieces {
        return [&value](const std::function<bool(std::string_view)>& piece) { return piece(value); };
    };
    return field("stdout", one(result.stdoutData)) && field("stderr", one(result.stderrData)) &&
           field("output", combined ? combined : one(result.output)) &&
           sink(",\"figures\":" + run::dumpJson(run::figuresJson(result))) && sink("}") && sink(suffix);
}

bool writeOutputJson(std::string_view text, const TextSink& sink)
{
    if (!sink("{\"output\":")) {
        return false;
    }
    JsonStringWriter writer(sink);
    return writer.add(text) && writer.finish() && sink("}");
}

void sendJsonStream(httplib::Response& res, int status, std::function<bool(const TextSink&)> write)
{
    res.status = status;
    res.set_chunked_content_provider("application/json",
                                     [write = std::move(write)](std::size_t, httplib::DataSink& sink) {
                                         const TextSink text = [&sink](std::string_view piece) {
                                             return piece.empty() || sink.write(piece.data(), piece.size());
                                         };
                                         if (!write(text)) {
                                             return false; // the client went away
                                         }
                                         sink.done();
                                         return true;
                                     });
}

} // namespace agentrun::cli
