#include "restruns.h"

#include "agentrun/run/resultjson.h"
#include "agentrun/safety/reportjson.h"

namespace agentrun::cli {

namespace {

/// Finished streamed runs stay replayable this long, at most this many (each holds its output).
constexpr auto RecentLifetime = std::chrono::minutes(10);
constexpr std::size_t MaxRecent = 32;

/// Length of the complete UTF-8 prefix of `bytes`: a sequence cut at the end of a chunk waits for the next.
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

} // namespace

RunSession::RunSession(std::string id, bool buffered) : m_id(std::move(id)), m_buffered(buffered) {}

void RunSession::append(std::string name, const nlohmann::json& data)
{
    {
        std::lock_guard lock(m_mutex);
        m_events.push_back({std::move(name), run::dumpJson(data)});
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
        append("stage", {{"stage", run::toString(stage)}});
    }
}

void RunSession::findings(const safety::Report& report)
{
    if (!m_buffered) {
        return;
    }
    for (const auto& finding : report.findings) {
        append("finding", safety::toJson(finding));
    }
}

void RunSession::installProgress(std::string_view line)
{
    if (m_buffered) {
        append("install", {{"line", std::string(line)}});
    }
}

std::string RunSession::textFor(run::Stream stream, std::string_view bytes)
{
    std::string& pending = m_pendingUtf8[stream == run::Stream::Stdout ? 0 : 1];
    std::string text = pending + std::string(bytes);
    const std::size_t complete = completeUtf8Prefix(text);
    pending = text.substr(complete);
    text.resize(complete);
    return text;
}

void RunSession::output(run::Stream stream, std::string_view bytes)
{
    if (!m_buffered) {
        return;
    }
    const std::string text = textFor(stream, bytes);
    if (!text.empty()) {
        append(stream == run::Stream::Stdout ? "stdout" : "stderr", {{"data", text}});
    }
}

void RunSession::resources(const run::ResourceSample& sample)
{
    if (m_buffered) {
        append("resources", {{"elapsed_seconds", sample.elapsedSeconds},
                             {"memory_bytes", sample.memoryBytes},
                             {"memory_limit_bytes", sample.memoryLimitBytes},
                             {"cpu_percent", sample.cpuPercent},
                             {"pids", sample.pids}});
    }
}

void RunSession::publishFinished(const nlohmann::json& result)
{
    {
        std::lock_guard lock(m_mutex);
        for (int stream = 0; stream < 2; ++stream) {
            if (m_buffered && !m_pendingUtf8[stream].empty()) {
                // A program that ended mid-sequence: what is left is shown replaced, not lost.
                m_events.push_back({stream == 0 ? "stdout" : "stderr",
                                    run::dumpJson({{"data", std::exchange(m_pendingUtf8[stream], {})}})});
            }
        }
        if (m_buffered) {
            m_events.push_back({"finished", run::dumpJson(result)});
        }
        m_result = result;
        m_stage = "finished";
        m_finishedAt = std::chrono::steady_clock::now();
    }
    m_changed.notify_all();
}

std::vector<RunEvent> RunSession::eventsFrom(std::size_t from, std::chrono::milliseconds timeout,
                                             bool& complete)
{
    std::unique_lock lock(m_mutex);
    m_changed.wait_for(lock, timeout, [&] { return m_events.size() > from || m_result.has_value(); });
    std::vector<RunEvent> events;
    if (from < m_events.size()) {
        events.assign(m_events.begin() + static_cast<std::ptrdiff_t>(from), m_events.end());
    }
    complete = m_result.has_value() && from + events.size() >= m_events.size();
    return events;
}

bool RunSession::isFinished() const
{
    std::lock_guard lock(m_mutex);
    return m_result.has_value();
}

std::string RunSession::stage() const
{
    std::lock_guard lock(m_mutex);
    return m_stage;
}

std::optional<nlohmann::json> RunSession::result() const
{
    std::lock_guard lock(m_mutex);
    return m_result;
}

std::chrono::steady_clock::time_point RunSession::finishedAt() const
{
    std::lock_guard lock(m_mutex);
    return m_finishedAt;
}

RunRegistry::RunRegistry(int maxConcurrent) : m_max(maxConcurrent) {}

RunRegistry::~RunRegistry()
{
    joinAll();
}

std::shared_ptr<RunSession> RunRegistry::begin(const std::string& id, bool buffered)
{
    std::lock_guard lock(m_mutex);
    if (static_cast<int>(m_active.size()) >= m_max) {
        return nullptr;
    }
    auto session = std::make_shared<RunSession>(id, buffered);
    m_active.emplace(id, session);
    return session;
}

void RunRegistry::end(const std::shared_ptr<RunSession>& session)
{
    {
        std::lock_guard lock(m_mutex);
        m_active.erase(session->id());
        if (session->buffered()) {
            m_recent.push_back(session);
        }
        pruneLocked();
    }
    m_idle.notify_all();
}

void RunRegistry::pruneLocked()
{
    const auto now = std::chrono::steady_clock::now();
    while (!m_recent.empty() &&
           (m_recent.size() > MaxRecent || now - m_recent.front()->finishedAt() > RecentLifetime)) {
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
