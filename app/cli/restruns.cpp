#include "restruns.h"

#include "agentrun/base64.h"
#include "agentrun/run/resultjson.h"
#include "agentrun/safety/reportjson.h"

namespace agentrun::cli {

namespace {

/// Finished streamed runs stay replayable this long, at most this many (and within the registry's bytes).
constexpr auto RecentLifetime = std::chrono::minutes(10);
constexpr std::size_t MaxRecent = 32;
/// Output events not yet sent grow up to this size: a program writing a line at a time makes few events.
constexpr std::size_t MaxEventBytes = 64 * 1024;
/// Output bytes copied out of the session per sendEvents call: what one reader holds at a time.
constexpr std::size_t SendBudget = 256 * 1024;

int streamIndex(model::Stream stream)
{
    return stream == model::Stream::Stdout ? 0 : 1;
}

} // namespace

RunSession::RunSession(std::string id, bool buffered, std::int64_t outputCapPerStream)
    : m_id(std::move(id)), m_buffered(buffered),
      m_outputCap(static_cast<std::size_t>(std::max<std::int64_t>(0, outputCapPerStream)))
{}

const char* RunSession::name(Kind kind)
{
    switch (kind) {
    case Kind::Stage:
        return "stage";
    case Kind::Finding:
        return "finding";
    case Kind::Install:
        return "install";
    case Kind::Stdout:
        return "stdout";
    case Kind::Stderr:
        return "stderr";
    case Kind::Resources:
        return "resources";
    case Kind::Figure:
        return "figure";
    case Kind::Finished:
        break;
    }
    return "finished";
}

void RunSession::append(Kind kind, const nlohmann::json& data)
{
    {
        std::lock_guard lock(m_mutex);
        m_events.push_back({kind, 0, m_texts.size()});
        m_texts.push_back(run::dumpJson(data));
    }
    m_changed.notify_all();
}

void RunSession::stageChanged(run::Stage stage)
{
    {
        std::lock_guard lock(m_mutex);
        m_stage = std::string(run::toString(stage));
    }
    if (m_buffered) {
        append(Kind::Stage, {{"stage", run::toString(stage)}});
    }
}

void RunSession::findings(const safety::Report& report)
{
    if (!m_buffered) {
        return;
    }
    for (const auto& finding : report.findings) {
        append(Kind::Finding, safety::toJson(finding));
    }
}

void RunSession::installProgress(std::string_view line)
{
    if (m_buffered) {
        append(Kind::Install, {{"line", std::string(line)}});
    }
}

void RunSession::figure(const model::Figure& figure)
{
    if (m_buffered) {
        // The same object as in the result's "figures" (capped there: FigureCaps), data included.
        auto data = run::figureJson(figure);
        data["data"] = base64Encode(figure.bytes);
        append(Kind::Figure, data);
    }
}

void RunSession::coverOutput(int stream, std::size_t end)
{
    const Kind kind = stream == 0 ? Kind::Stdout : Kind::Stderr;
    std::size_t& covered = m_covered[stream];
    if (end <= covered) {
        return;
    }
    const std::size_t length = end - covered;
    // The last event grows while no reader has it yet: a flood of small writes makes few events.
    if (!m_events.empty() && m_events.size() > m_handedOut) {
        Event& last = m_events.back();
        if (last.kind == kind && last.offset + last.length == covered &&
            last.length + length <= MaxEventBytes) {
            last.length += static_cast<std::uint32_t>(length);
            covered = end;
            return;
        }
    }
    m_events.push_back({kind, static_cast<std::uint32_t>(length), covered});
    covered = end;
}

void RunSession::output(model::Stream stream, std::string_view bytes)
{
    if (!m_buffered) {
        return;
    }
    const int index = streamIndex(stream);
    {
        std::lock_guard lock(m_mutex);
        std::string& raw = m_raw[index];
        // The executor stops a stream at the run's output limit; the session never holds more.
        raw.append(bytes.substr(0, m_outputCap - std::min(m_outputCap, raw.size())));
        const std::size_t from = m_covered[index];
        coverOutput(index, from + completeUtf8Prefix(std::string_view(raw).substr(from)));
    }
    m_changed.notify_all();
}

void RunSession::resources(const run::ResourceSample& sample)
{
    if (m_buffered) {
        append(Kind::Resources, {{"elapsed_seconds", sample.elapsedSeconds},
                                 {"memory_bytes", sample.memoryBytes},
                                 {"memory_limit_bytes", sample.memoryLimitBytes},
                                 {"cpu_percent", sample.cpuPercent},
                                 {"pids", sample.pids}});
    }
}

std::string_view RunSession::bytesOf(const Event& event) const
{
    const int index = event.kind == Kind::Stdout ? 0 : 1;
    const std::string& raw =
        m_rawInResult ? (index == 0 ? m_result->stdoutData : m_result->stderrData) : m_raw[index];
    return std::string_view(raw).substr(event.offset, event.length);
}

bool RunSession::visitCombined(const std::function<bool(std::string_view)>& piece) const
{
    for (const auto& event : m_events) {
        if ((event.kind == Kind::Stdout || event.kind == Kind::Stderr) && !piece(bytesOf(event))) {
            return false;
        }
    }
    return true;
}

bool RunSession::combinedEquals(const std::string& output) const
{
    std::size_t at = 0;
    const bool same = visitCombined([&](std::string_view bytes) {
        if (output.compare(at, bytes.size(), bytes) != 0) {
            return false;
        }
        at += bytes.size();
        return true;
    });
    return same && at == output.size();
}

std::shared_ptr<const model::RunResult> RunSession::publishFinished(model::RunResult result)
{
    std::shared_ptr<const model::RunResult> shared;
    {
        std::lock_guard lock(m_mutex);
        if (m_buffered) {
            // A program that ended mid-sequence: what is left is shown replaced, not lost.
            coverOutput(0, m_raw[0].size());
            coverOutput(1, m_raw[1].size());
            // The result holds the same bytes as the events (the collector forwards what it keeps): keep them
            // once. Anything else (a run that ended before its output was read) keeps both.
            if (m_raw[0] == result.stdoutData && m_raw[1] == result.stderrData) {
                // Swapped with empty strings: assigning one would keep the allocated buffer.
                if (combinedEquals(result.output)) {
                    std::string().swap(result.output);
                    m_combinedFromEvents = true;
                }
                std::string().swap(m_raw[0]);
                std::string().swap(m_raw[1]);
                m_rawInResult = true;
            }
            m_events.push_back({Kind::Finished});
            // Kept for late readers: no spare capacity from growth (a copy now, a bound for minutes).
            result.stdoutData.shrink_to_fit();
            result.stderrData.shrink_to_fit();
            m_events.shrink_to_fit();
            m_result = std::make_shared<const model::RunResult>(std::move(result));
        } else {
            m_result = std::make_shared<const model::RunResult>(std::move(result));
        }
        shared = m_result;
        m_stage = "finished";
        m_finishedAt = std::chrono::steady_clock::now();
        m_retained = m_raw[0].capacity() + m_raw[1].capacity() + m_result->stdoutData.capacity() +
                     m_result->stderrData.capacity() + m_result->output.capacity() +
                     m_events.capacity() * sizeof(Event);
        m_retained += m_texts.capacity() * sizeof(std::string);
        for (const auto& text : m_texts) {
            m_retained += text.capacity();
        }
        // Collected files and figures are kept for late readers too: counted against the recent-runs budget.
        for (const auto& file : m_result->files.contents) {
            m_retained += file.data.capacity();
        }
        for (const auto& figure : m_result->figures) {
            m_retained += figure.bytes.capacity();
        }
    }
    m_changed.notify_all();
    return shared;
}

bool RunSession::sendEvents(std::size_t& cursor, std::chrono::milliseconds timeout, const TextSink& sink,
                            bool& complete, bool& wrote)
{
    struct Item
    {
        std::size_t id;
        Kind kind;
        std::string text; ///< the JSON data line, or the raw output bytes
    };
    std::vector<Item> batch;
    bool finishedNext = false;
    complete = false;
    wrote = false;
    {
        std::unique_lock lock(m_mutex);
        m_changed.wait_for(lock, timeout, [&] { return m_events.size() > cursor; });
        // Copied out under the lock, a bounded batch at a time; formatted and written without it, so a slow
        // reader never holds up the run.
        std::size_t bytes = 0;
        while (cursor < m_events.size() && bytes < SendBudget) {
            const Event& event = m_events[cursor];
            if (event.kind == Kind::Finished) {
                finishedNext = true;
                break;
            }
            const bool output = event.kind == Kind::Stdout || event.kind == Kind::Stderr;
            batch.push_back(
                {cursor, event.kind, output ? std::string(bytesOf(event)) : m_texts[event.offset]});
            bytes += batch.back().text.size();
            ++cursor;
        }
        m_handedOut = std::max(m_handedOut, std::min(cursor, m_events.size()));
        // A reader that resumes after the last event (Last-Event-ID of "finished") has nothing left to read.
        complete = m_result != nullptr && cursor >= m_events.size();
    }
    for (const auto& item : batch) {
        const bool output = item.kind == Kind::Stdout || item.kind == Kind::Stderr;
        const std::string head =
            "id: " + std::to_string(item.id) + "\nevent: " + name(item.kind) + "\ndata: ";
        if (output) {
            JsonStringWriter writer(sink);
            if (!sink(head) || !sink("{\"data\":") || !writer.add(item.text) || !writer.finish() ||
                !sink("}\n\n")) {
                return false;
            }
        } else if (!sink(head + item.text + "\n\n")) {
            return false;
        }
        wrote = true;
    }
    if (finishedNext && batch.empty()) {
        // Nothing is added after "finished": the events and the result are read without the lock.
        const std::string head = "id: " + std::to_string(cursor) + "\nevent: finished\ndata: ";
        if (!writeResultJson(*m_result, sink,
                             m_combinedFromEvents
                                 ? OutputPieces([this](const auto& piece) { return visitCombined(piece); })
                                 : OutputPieces(),
                             head, "\n\n")) {
            return false;
        }
        ++cursor;
        wrote = true;
        complete = true;
    }
    return true;
}

bool RunSession::writeResult(const TextSink& sink) const
{
    if (!isFinished()) {
        return false;
    }
    return writeResultJson(*m_result, sink,
                           m_combinedFromEvents
                               ? OutputPieces([this](const auto& piece) { return visitCombined(piece); })
                               : OutputPieces());
}

bool RunSession::isFinished() const
{
    std::lock_guard lock(m_mutex);
    return m_result != nullptr;
}

std::string RunSession::stage() const
{
    std::lock_guard lock(m_mutex);
    return m_stage;
}

std::chrono::steady_clock::time_point RunSession::finishedAt() const
{
    std::lock_guard lock(m_mutex);
    return m_finishedAt;
}

std::size_t RunSession::retainedBytes() const
{
    std::lock_guard lock(m_mutex);
    return m_retained;
}

RunRegistry::RunRegistry(int maxConcurrent, std::size_t recentBytes)
    : m_max(maxConcurrent), m_recentBytes(recentBytes)
{}

RunRegistry::~RunRegistry()
{
    joinAll();
}

std::shared_ptr<RunSession> RunRegistry::begin(const std::string& id, bool buffered,
                                               std::int64_t outputCapPerStream)
{
    std::lock_guard lock(m_mutex);
    if (static_cast<int>(m_active.size()) >= m_max) {
        return nullptr;
    }
    auto session = std::make_shared<RunSession>(id, buffered, outputCapPerStream);
    m_active.emplace(id, session);
    return session;
}

void RunRegistry::end(const std::shared_ptr<RunSession>& session)
{
    {
        std::lock_guard lock(m_mutex);
        m_active.erase(session->id());
        if (session->buffered() && session->isFinished()) {
            m_recent.push_back(session);
            m_recentHeld += session->retainedBytes();
        }
        pruneLocked();
    }
    m_idle.notify_all();
}

void RunRegistry::pruneLocked()
{
    const auto now = std::chrono::steady_clock::now();
    // Oldest first; a run alone larger than the budget is not kept (its result stays in the history).
    while (!m_recent.empty() && (m_recent.size() > MaxRecent || m_recentHeld > m_recentBytes ||
                                 now - m_recent.front()->finishedAt() > RecentLifetime)) {
        m_recentHeld -= m_recent.front()->retainedBytes();
        m_recent.pop_front();
    }
}

std::shared_ptr<RunSession> RunRegistry::find(const std::string& id)
{
    std::lock_guard lock(m_mutex);
    if (auto it = m_active.find(id); it != m_active.end()) {
        return it->second;
    }
    pruneLocked();
    for (const auto& session : m_recent) {
        if (session->id() == id) {
            return session;
        }
    }
    return nullptr;
}

void RunRegistry::spawn(std::function<void()> work)
{
    std::lock_guard lock(m_mutex);
    // Threads of streamed runs that are done are joined here, so the list stays as long as the runs in
    // flight.
    std::erase_if(m_threads, [](Worker& worker) {
        if (!worker.done->load()) {
            return false;
        }
        worker.thread.join();
        return true;
    });
    auto done = std::make_shared<std::atomic<bool>>(false);
    m_threads.push_back({std::thread([work = std::move(work), done] {
                             work();
                             done->store(true);
                         }),
                         done});
}

void RunRegistry::cancelAll()
{
    std::lock_guard lock(m_mutex);
    for (auto& [id, session] : m_active) {
        session->cancelToken().cancel();
    }
}

bool RunRegistry::waitIdle(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(m_mutex);
    return m_idle.wait_for(lock, timeout, [&] { return m_active.empty(); });
}

void RunRegistry::joinAll()
{
    std::vector<Worker> workers;
    {
        std::lock_guard lock(m_mutex);
        workers.swap(m_threads);
    }
    for (auto& worker : workers) {
        if (worker.thread.joinable()) {
            worker.thread.join();
        }
    }
}

int RunRegistry::active() const
{
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_active.size());
}

} // namespace agentrun::cli
