#include "run/livestream.h"

namespace agentrun::run {

LiveRun::LiveRun(sandbox::SandboxEngine& engine, sandbox::WarmContainer& container,
                 const model::RunSpec& request, const std::string& nonce, RunObserver& observer)
    : m_engine(engine), m_container(container), m_limits(request.limits),
      m_start(std::chrono::steady_clock::now()), m_stats(engine, container.id, request.limits, observer),
      m_collector(
          nonce, request.limits.outputLimitBytes,
          [&observer](model::Stream stream, std::string_view bytes) { observer.output(stream, bytes); },
          [&observer](const model::Figure& figure) { observer.figure(figure); })
{}

void LiveRun::stream(const CancelToken& cancel)
{
    const auto deadline = m_start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                        std::chrono::duration<double>(m_limits.timeoutSeconds));
    engine::ContainerStream reader([this] { m_engine.kill(m_container.id); }, m_container.stream,
                                   {.deadline = deadline, .cancel = &cancel.flag()});
    m_read = reader.read(
        [&](engine::FrameDemuxer::Channel channel, std::string_view bytes) {
            const model::Stream stream = channel == engine::FrameDemuxer::Channel::Stderr
                                             ? model::Stream::Stderr
                                             : model::Stream::Stdout;
            if (!m_collector.add(stream, bytes) && !m_overCap) {
                m_overCap = true;
                reader.stop(); // the only stop this run asks for itself: its output limit
            }
        },
        // After the report the agent only exits: the container is removed in the background.
        [&] { return m_collector.complete(); });
    m_collector.finish();
    m_runMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - m_start).count();
    switch (m_read.stop) {
    case engine::ContainerStream::Stop::None:
        m_ending = Ending::Exited;
        break;
    case engine::ContainerStream::Stop::Cancelled:
        m_ending = Ending::Cancelled;
        break;
    case engine::ContainerStream::Stop::Requested:
        m_ending = Ending::OutputLimit;
        break;
    case engine::ContainerStream::Stop::Deadline:
        m_ending = Ending::Timeout;
        break;
    }
    if (m_ending == Ending::Exited && report() && report()->value("deadline", false)) {
        m_ending = Ending::Timeout; // the agent's own clock ended it: the host's kill came too late
    }
}

} // namespace agentrun::run
