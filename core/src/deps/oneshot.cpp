#include "deps/oneshot.h"

#include "agentrun/deps/installer.h"
#include "agentrun/engine/client.h"
#include "agentrun/engine/demuxer.h"
#include "agentrun/sandbox/containerspec.h"

#include <unistd.h>

namespace agentrun::deps {

namespace {

using Clock = std::chrono::steady_clock;

/// Splits one stream into lines; a line longer than the cap is delivered in pieces.
class LineSplitter
{
public:
    explicit LineSplitter(const std::function<void(std::string_view)>& sink) : m_sink(sink) {}

    void feed(std::string_view bytes)
    {
        for (char c : bytes) {
            if (c == '\n' || c == '\r') {
                flush();
            } else {
                m_line += c;
                if (m_line.size() >= MaxLine) {
                    flush();
                }
            }
        }
    }

    void flush()
    {
        if (!m_line.empty() && m_sink) {
            m_sink(m_line);
        }
        m_line.clear();
    }

private:
    static constexpr std::size_t MaxLine = 4096;
    const std::function<void(std::string_view)>& m_sink;
    std::string m_line;
};

} // namespace

nlohmann::json helperLabels(std::string_view role)
{
    return {{sandbox::ManagedLabel, "1"},
            {DepsLabel, std::string(role)},
            {"org.agentrun.owner-pid", std::to_string(::getpid())}};
}

Result<OneShotOutcome> runOneShot(engine::Client& client, const nlohmann::json& spec,
                                  std::chrono::milliseconds timeout,
                                  const std::function<void(std::string_view)>& line,
                                  const std::atomic<bool>* cancel, std::size_t keepStdout)
{
    auto id = client.createContainer(spec);
    if (!id) {
        return std::unexpected(id.error());
    }
    // Whatever happens from here, the container goes.
    struct Remover
    {
        engine::Client& client;
        std::string id;
        ~Remover() { client.removeContainer(id, true); }
    } remover{client, *id};

    auto stream = client.attach(*id); // before start: not a byte is missed
    if (!stream) {
        return std::unexpected(stream.error());
    }
    if (auto started = client.startContainer(*id); !started) {
        return std::unexpected(started.error());
    }

    OneShotOutcome outcome;
    LineSplitter out(line);
    LineSplitter err(line);
    engine::FrameDemuxer demuxer([&](engine::FrameDemuxer::Channel channel, std::string_view bytes) {
        if (channel == engine::FrameDemuxer::Channel::Stderr) {
            err.feed(bytes);
            return;
        }
        out.feed(bytes);
        if (outcome.stdoutData.size() < keepStdout) {
            outcome.stdoutData.append(bytes.substr(0, keepStdout - outcome.stdoutData.size()));
        }
    });

    const auto deadline = Clock::now() + timeout;
    bool killed = false;
    Clock::time_point killedAt;
    std::optional<Error> streamError;
    while (true) {
        if (!killed) {
            if (cancel && cancel->load()) {
                outcome.cancelled = true;
            } else if (Clock::now() >= deadline) {
                outcome.timedOut = true;
            }
            if (outcome.cancelled || outcome.timedOut) {
                client.killContainer(*id);
                killed = true;
                killedAt = Clock::now();
            }
        } else if (Clock::now() - killedAt > std::chrono::seconds(5)) {
            break; // the engine did not close the stream after the kill
        }
        bool eof = false;
        auto chunk = stream->read(std::chrono::milliseconds(50), eof);
        if (!chunk) {
            streamError = chunk.error();
            break;
        }
        if (!chunk->empty() && !demuxer.feed(*chunk)) {
            streamError = Error{"engine.protocol", "The engine sent a malformed output stream."};
            break;
        }
        if (eof) {
            break;
        }
    }
    out.flush();
    err.flush();
    if (streamError && !killed) {
        client.killContainer(*id);
        return std::unexpected(*streamError);
    }
    auto exitCode = client.waitContainer(*id, std::chrono::seconds(10));
    if (!exitCode && !killed) {
        return std::unexpected(exitCode.error());
    }
    outcome.exitCode = exitCode ? *exitCode : -1;
    return outcome;
}

} // namespace agentrun::deps
