#include "agentrun/engine/containerstream.h"
#include "agentrun/errorcodes.h"

#include "agentrun/engine/attach.h"

#include <thread>

namespace agentrun::engine {

ContainerStream::ContainerStream(std::function<void()> kill, AttachStream& stream, Options options)
    : m_kill(std::move(kill)), m_stream(stream), m_options(options)
{}

ContainerStream::~ContainerStream() = default;

ContainerStream::Outcome ContainerStream::read(const FrameDemuxer::Sink& sink,
                                               const std::function<bool()>& done)
{
    Outcome outcome;
    FrameDemuxer demuxer(sink);
    std::thread killer;
    Clock::time_point killedAt;
    while (true) {
        if (!outcome.killed()) {
            if (m_options.cancel && m_options.cancel->load()) {
                outcome.stop = Stop::Cancelled;
            } else if (m_stopRequested.load()) {
                outcome.stop = Stop::Requested;
            } else if (Clock::now() >= m_options.deadline) {
                outcome.stop = Stop::Deadline;
            }
            if (outcome.killed()) {
                killer = std::thread([this] { m_kill(); });
                killedAt = Clock::now();
            }
        } else if (Clock::now() - killedAt > m_options.killGrace) {
            break; // the engine did not close the stream after the kill: stop waiting for it
        }
        bool eof = false;
        auto chunk = m_stream.read(m_options.poll, eof);
        if (!chunk) {
            outcome.error = chunk.error();
            break;
        }
        if (!chunk->empty() && !demuxer.feed(*chunk)) {
            outcome.error = Error{errc::EngineProtocol, "The engine sent a malformed output stream."};
            break;
        }
        if (eof) {
            outcome.endOfStream = true;
            break;
        }
        if (!outcome.killed() && done && done()) {
            break;
        }
    }
    if (killer.joinable()) {
        killer.join();
    }
    outcome.atFrameBoundary = demuxer.atFrameBoundary();
    return outcome;
}

} // namespace agentrun::engine
