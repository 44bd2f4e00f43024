#pragma once

#include "restjson.h"

#include "agentrun/run/observer.h"
#include "agentrun/model/runresult.h"

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

/// A run the server is doing. Observes it; when `buffered`, keeps every event so that a client that
/// connects to /v2/runs/{id}/events at any time (right after the POST, or after the end) sees all of them
/// from the start. The "finished" event is published by the server after the history row is written, so a
/// client that reads it can fetch /v2/runs/{id} at once.
///
/// Memory: output is kept once, as the raw bytes the program wrote (at most the run's output limit per
/// stream); SSE text is made when an event is sent, a bounded piece at a time. When the run ends, the
/// output events point into the result's own stdout and stderr, and the result's interleaved "output" is
/// made again from the events when it is sent.
class RunSession : public run::RunObserver
{
public:
    RunSession(std::string id, bool buffered, std::int64_t outputCapPerStream);

    const std::string& id() const { return m_id; }
    bool buffered() const { return m_buffered; }
    run::CancelToken& cancelToken() { return m_cancel; }

    void stageChanged(run::Stage stage) override;
    void findings(const safety::Report& report) override;
    void installProgress(std::string_view line) override;
    void output(model::Stream stream, std::string_view bytes) override;
    void resources(const run::ResourceSample& sample) override;
    void figure(const model::Figure& figure) override;

    /// Adds the "finished" event with the run's result and wakes every reader; the result, shared.
    std::shared_ptr<const model::RunResult> publishFinished(model::RunResult result);

    /// Writes the events from `cursor` on as Server-Sent Events to `sink` (about `budget` bytes of output
    /// per call); waits up to `timeout` when there are none yet. False when the client went away.
    /// `complete` is set once "finished" was written; `wrote` when anything was.
    bool sendEvents(std::size_t& cursor, std::chrono::milliseconds timeout, const TextSink& sink,
                    bool& complete, bool& wrote);

    /// The run --json object of the finished run, written in pieces; false when the client went away.
    bool writeResult(const TextSink& sink) const;

    bool isFinished() const;
    std::string stage() const;
    std::chrono::steady_clock::time_point finishedAt() const;
    /// Bytes this session holds once finished (output, result, events): what the finished-run cache counts.
    std::size_t retainedBytes() const;

private:
    enum class Kind : std::uint8_t
    {
        Stage,
        Finding,
        Install,
        Stdout,
        Stderr,
        Resources,
        Figure,
        Finished
    };
    /// 16 bytes: a flood of small writes makes many events (each one a reader has taken stays).
    struct Event
    {
        Kind kind;
        std::uint32_t length = 0; ///< Stdout/Stderr: how many bytes
        std::uint64_t offset = 0; ///< Stdout/Stderr: where they start in the stream; others: index in m_texts
    };
    static const char* name(Kind kind);
    void append(Kind kind, const nlohmann::json& data);
    /// Output events cover whole UTF-8 sequences: `end` is how far the stream's bytes are covered.
    void coverOutput(int stream, std::size_t end);
    std::string_view bytesOf(const Event& event) const;
    bool visitCombined(const std::function<bool(std::string_view)>& piece) const;
    bool combinedEquals(const std::string& output) const;

    const std::string m_id;
    const bool m_buffered;
    const std::size_t m_outputCap;
    run::CancelToken m_cancel;
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<Event> m_events;
    std::vector<std::string> m_texts; ///< the data lines of the events that are not output
    std::size_t m_handedOut = 0;      ///< events before this index went to a reader: never grown again
    std::string m_raw[2];             ///< the bytes of stdout and stderr, until the result holds them
    std::size_t m_covered[2] = {0, 0};
    bool m_rawInResult = false;        ///< m_raw moved to the result's stdout/stderr (same bytes)
    bool m_combinedFromEvents = false; ///< the result's "output" is rebuilt from the events
    std::string m_stage = "queued";
    std::shared_ptr<const model::RunResult> m_result;
    std::chrono::steady_clock::time_point m_finishedAt;
    std::size_t m_retained = 0;
};

/// The runs in flight (bounded by the concurrency cap) and recently finished streamed ones.
class RunRegistry
{
public:
    /// `recentBytes`: what finished streamed runs kept for late readers may hold together.
    RunRegistry(int maxConcurrent, std::size_t recentBytes);
    ~RunRegistry();
    RunRegistry(const RunRegistry&) = delete;
    RunRegistry& operator=(const RunRegistry&) = delete;

    /// A slot for a new run, or nullptr when `maxConcurrent` runs are in flight (→ 429).
    std::shared_ptr<RunSession> begin(const std::string& id, bool buffered, std::int64_t outputCapPerStream);
    /// Frees the slot; a buffered session stays findable for late event readers: for 10 minutes, the 32
    /// latest, within `recentBytes` together.
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
    const std::size_t m_recentBytes;
    std::size_t m_recentHeld = 0;
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
