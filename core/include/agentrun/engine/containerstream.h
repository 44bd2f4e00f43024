#pragma once

#include "agentrun/engine/demuxer.h"
#include "agentrun/error.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace agentrun::engine {

class AttachStream;

/// Reads one attached container's multiplexed output to its end, and kills the container when its
/// deadline passes, its cancel flag is set or stop() is called (from any thread). The one read loop of
/// the run executor and of the dependency installer's one-shot containers.
///
/// The kill is sent from a thread of its own while the read goes on: while output flows, the engine
/// completes a kill only once the attach stream is drained, so a kill sent from the reading thread
/// would wait out its own 30 s request timeout with nobody reading.
class ContainerStream
{
public:
    using Clock = std::chrono::steady_clock;

    /// Why the host killed the container; None when it ended (or was found ended) on its own.
    enum class Stop : std::uint8_t
    {
        None,
        Deadline,
        Cancelled,
        Requested ///< stop() was called
    };

    struct Options
    {
        Clock::time_point deadline = Clock::time_point::max();
        const std::atomic<bool>* cancel = nullptr; ///< watched between reads; may be set from any thread
        std::chrono::milliseconds poll{20};        ///< longest wait for bytes before the flags are read again
        std::chrono::milliseconds killGrace{5000}; ///< after a kill, how long the engine may take to close
    };

    struct Outcome
    {
        Stop stop = Stop::None;
        bool endOfStream = false;    ///< the engine closed the stream (not cut short by `done` or the grace)
        bool atFrameBoundary = true; ///< no frame was half-read when the loop ended
        std::optional<Error> error;  ///< the stream broke or was malformed (the loop ended there)
        bool killed() const { return stop != Stop::None; }
    };

    /// `stream` must stay open (and this object alive) until read() returns. `kill` ends the container
    /// (Client::killContainer, sandbox::SandboxEngine::kill); it is called from a thread of its own.
    ContainerStream(std::function<void()> kill, AttachStream& stream, Options options);
    ~ContainerStream();
    ContainerStream(const ContainerStream&) = delete;
    ContainerStream& operator=(const ContainerStream&) = delete;

    /// Asks for the container to be killed; returns at once and may be called from any thread (also from
    /// the sink). read() sends the kill and returns once the engine has closed the stream.
    void stop() { m_stopRequested.store(true); }

    /// Feeds every stdout/stderr payload to `sink` until the engine closes the stream, the stream fails,
    /// `done` (checked after each read while no kill was sent) returns true, or the kill's grace passed.
    /// Returns once the kill, if one was sent, has been answered.
    Outcome read(const FrameDemuxer::Sink& sink, const std::function<bool()>& done = {});

private:
    std::function<void()> m_kill;
    AttachStream& m_stream;
    Options m_options;
    std::atomic<bool> m_stopRequested{false};
};

} // namespace agentrun::engine
