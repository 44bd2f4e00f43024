#pragma once

#include "agentrun/run/observer.h"
#include "agentrun/run/runresult.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace agentrun::cli {

/// One server-side event of a run, as sent over Server-Sent Events.
struct RunEvent
{
    std::string name; ///< stage, finding, install, stdout, stderr, resources, finished
    std::string data; ///< one line of JSON
};

/// A run the server is doing. Observes it; when `buffered`, keeps every event so that a client that
/// connects to /v2/runs/{id}/events at any time (right after the POST, or after the end) sees all of them
/// from the start. The "finished" event is published by the server after the history row is written, so a
/// client that reads it can fetch /v2/runs/{id} at once.
class RunSession : public run::RunObserver
{
public:
    RunSession(std::string id, bool buffered);

    const std::string& id() const { return m_id; }
    bool buffered() const { return m_buffered; }
    run::CancelToken& cancelToken() { return m_cancel; }

    void stageChanged(run::Stage stage) override;
    void findings(const safety::Report& report) override;
    void installProgress(std::string_view line) override;
    void output(run::Stream stream, std::string_view bytes) override;
    void resources(const run::ResourceSample& sample) override;

    /// Adds the "finished" event with the run --json object and wakes every reader.
    void publishFinished(const nlohmann::json& result);

    /// Events from index `from` on; waits up to `timeout` when there are none yet. `complete` is set when
    /// the returned events end with "finished".
    std::vector<RunEvent> eventsFrom(std::size_t from, std::chrono::milliseconds timeout, bool& complete);

    bool isFinished() const;
    std::string stage() const;
    std::optional<nlohmann::json> result() const;
    std::chrono::steady_clock::time_point finishedAt() const;

private:
    void append(std::string name, const nlohmann::json& data);
    std::string textFor(run::Stream stream, std::string_view bytes);

    const std::string m_id;
    const bool m_buffered;
    run::CancelToken m_cancel;
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<RunEvent> m_events;
    std::string m_stage = "queued";
    std::optional<nlohmann::json> m_result;
    std::chrono::steady_clock::time_point m_finishedAt;
    std::string m_pendingUtf8[2]; ///< an incomplete UTF-8 sequence at the end of the last chunk, per stream
};

/// The runs in flight (bounded by the concurrency cap) and recently finished streamed ones.
class RunRegistry
{
public:
    explicit RunRegistry(int maxConcurrent);
    ~RunRegistry();
    RunRegistry(const RunRegistry&) = delete;
    RunRegistry& operator=(const RunRegistry&) = delete;

    /// A slot for a new run, or nullptr when `maxConcurrent` runs are in flight (→ 429).
    std::shared_ptr<RunSession> begin(const std::string& id, bool buffered);
    /// Frees the slot; a buffered session stays findable for a while for late event readers.
    void end(const std::shared_ptr<RunSession>& session);
    std::shared_ptr<RunSession> find(const std::string& id);

    /// Runs `work` on a thread of its own (streamed runs); joined by joinAll().
    void spawn(std::function<void()> work);
    void cancelAll();
    /// Waits until no run is in flight or the timeout passes; true when none is left.
    bool waitIdle(std::chrono::milliseconds timeout);
    void joinAll();

    int active() const;
    int maxConcurrent() const { return m_max; }

private:
    void pruneLocked();

    const int m_max;
    mutable std::mutex m_mutex;
    std::condition_variable m_idle;
    std::map<std::string, std::shared_ptr<RunSession>> m_active;
    std::deque<std::shared_ptr<RunSession>> m_recent;
    struct Worker
    {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    std::vector<Worker> m_threads;
};

/// Frees a run's slot when the handler is done with it, whatever way it leaves.
class RunSlot
{
public:
    RunSlot(RunRegistry& registry, std::shared_ptr<RunSession> session)
        : m_registry(registry), m_session(std::move(session))
    {}
    ~RunSlot() { m_registry.end(m_session); }
    RunSlot(const RunSlot&) = delete;
    RunSlot& operator=(const RunSlot&) = delete;

private:
    RunRegistry& m_registry;
    std::shared_ptr<RunSession> m_session;
};

} // namespace agentrun::cli
