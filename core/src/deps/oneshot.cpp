#include "deps/oneshot.h"

#include "agentrun/deps/installer.h"
#include "agentrun/engine/client.h"
#include "agentrun/engine/containerstream.h"
#include "agentrun/engine/demuxer.h"
#include "agentrun/errorcodes.h"
#include "agentrun/sandbox/containerspec.h"

#include <unistd.h>

namespace agentrun::deps {

namespace {

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

/// The one-shot's init (PID 1, without docker-init), so that the helper ends by itself when its owner is
/// gone or its time is up, with no help from the host: argv[1] = seconds, argv[2:] = the command. It
/// runs the command as its child and exits with its status (128 + signal when killed), and ends the
/// container (its exit as init kills every process in it) at end of file on stdin, which the engine
/// closes when the owner's attach connection closes, or when the seconds have passed. Non-dumpable and
/// with every catchable signal ignored, like the run's agent, so what it runs cannot take it over.
constexpr const char* Supervisor = R"PY(
import ctypes, os, select, signal, sys, threading, time
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)
end = time.monotonic() + float(sys.argv[1])
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.execvp(sys.argv[2], sys.argv[2:])
for number in signal.valid_signals():
    if number not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
        try:
            signal.signal(number, signal.SIG_IGN)
        except (OSError, ValueError):
            pass
def finish(status):
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    os._exit(status)
def watch():
    while True:
        left = end - time.monotonic()
        if left <= 0:
            finish(137)
        if select.select([0], [], [], left)[0] and not os.read(0, 65536):
            finish(0)
threading.Thread(target=watch, daemon=True).start()
while True:
    child, status = os.waitpid(-1, 0)
    if child == pid:
        finish(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
)PY";

/// Seconds past the host's own timeout before the helper ends itself.
constexpr int SupervisorGraceSeconds = 2;

/// The spec with the supervisor above in front of its command, stdin attached for the owner's end.
nlohmann::json supervised(nlohmann::json spec, std::chrono::milliseconds timeout)
{
    nlohmann::json command = nlohmann::json::array();
    for (const auto* key : {"Entrypoint", "Cmd"}) {
        if (spec.contains(key) && spec[key].is_array()) {
            for (const auto& part : spec[key]) {
                command.push_back(part);
            }
        }
    }
    const double seconds = std::chrono::duration<double>(timeout).count() + SupervisorGraceSeconds;
    nlohmann::json entrypoint = {"python3", "-I", "-c", Supervisor, std::to_string(seconds)};
    for (auto& part : command) {
        entrypoint.push_back(std::move(part));
    }
    spec["Entrypoint"] = std::move(entrypoint);
    spec["Cmd"] = nlohmann::json::array();
    spec["AttachStdin"] = true;
    spec["OpenStdin"] = true;
    spec["StdinOnce"] = true;
    spec["HostConfig"]["Init"] = false;
    return spec;
}

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
                                  const std::atomic<bool>* cancel, std::size_t keepStdout,
                                  const std::function<void(const std::string& id)>& started)
{
    auto id = client.createContainer(supervised(spec, timeout));
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
    if (auto running = client.startContainer(*id); !running) {
        return std::unexpected(running.error());
    }
    if (started) {
        started(*id);
    }

    OneShotOutcome outcome;
    LineSplitter out(line);
    LineSplitter err(line);
    engine::ContainerStream reader([&client, &id] { client.killContainer(*id); }, *stream,
                                   {.deadline = engine::ContainerStream::Clock::now() + timeout,
                                    .cancel = cancel,
                                    .poll = std::chrono::milliseconds(50)});
    const auto read = reader.read([&](engine::FrameDemuxer::Channel channel, std::string_view bytes) {
        if (channel == engine::FrameDemuxer::Channel::Stderr) {
            err.feed(bytes);
            return;
        }
        out.feed(bytes);
        if (outcome.stdoutData.size() < keepStdout) {
            outcome.stdoutData.append(bytes.substr(0, keepStdout - outcome.stdoutData.size()));
        }
    });
    const bool killed = read.killed();
    outcome.cancelled = read.stop == engine::ContainerStream::Stop::Cancelled;
    outcome.timedOut = read.stop == engine::ContainerStream::Stop::Deadline;
    const std::optional<Error>& streamError = read.error;
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
