#pragma once

#include "agentrun/model/runresult.h"

#include <httplib.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace agentrun::cli {

/// Where streamed JSON text goes; false when the client went away (the writer stops).
using TextSink = std::function<bool(std::string_view)>;

/// Length of the complete UTF-8 prefix of `bytes`: a sequence cut at the end waits for more.
std::size_t completeUtf8Prefix(std::string_view bytes);

/// Writes one JSON string value (with its quotes) from raw bytes given in pieces, escaping a bounded
/// piece at a time: a run's whole output is never held a second time as escaped text. Invalid UTF-8 is
/// replaced, as run::dumpJson does. The opening quote goes out with the first add() or finish().
class JsonStringWriter
{
public:
    explicit JsonStringWriter(const TextSink& sink);
    bool add(std::string_view bytes);
    bool finish();

private:
    bool open();
    bool flush(std::string_view bytes);

    const TextSink& m_sink;
    std::string m_pending; ///< an incomplete UTF-8 sequence at the end of the last piece
    bool m_opened = false;
    bool m_ok = true;
};

/// Gives the pieces of the interleaved output ("output") to `piece`, in order; false when it did.
using OutputPieces = std::function<bool(const std::function<bool(std::string_view)>& piece)>;

/// The `agentrun run --json` object of `result`, as run::toJson makes it, written in bounded pieces.
/// `combined` gives the "output" field (default: result.output). Optionally wrapped: `prefix` before it,
/// `suffix` after it (an SSE event's "data: " and blank line).
bool writeResultJson(const model::RunResult& result, const TextSink& sink, const OutputPieces& combined = {},
                     std::string_view prefix = {}, std::string_view suffix = {});

/// {"output": "<text>"} of /v1/run/, written in bounded pieces.
bool writeOutputJson(std::string_view text, const TextSink& sink);

/// A JSON answer written by `write` in pieces (chunked), for bodies that hold a run's output: the server
/// never holds the escaped text of a whole result.
void sendJsonStream(httplib::Response& res, int status, std::function<bool(const TextSink&)> write);

} // namespace agentrun::cli
