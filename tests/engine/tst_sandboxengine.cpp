// The sandbox engine seam (sandbox/sandboxengine.h), checked through the interface alone against the
// real engine: what every implementation must do, so that a second one (Kubernetes: docs/scaling.md)
// runs these same checks by giving makeEngine() another answer. Each check names the property the
// pipeline relies on: a sandbox made hardened whatever the request adds, its streams, its figures, a
// command run in it, files out (and none in past its read-only root), kill, wait, state, list by label,
// remove (twice is fine), and nothing left afterwards.
#include "helper_engine.h"

#include "agentrun/engine/demuxer.h"
#include "agentrun/errorcodes.h"
#include "agentrun/sandbox/containerspec.h"
#include "agentrun/sandbox/dockersandboxes.h"

#include <QTest>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

using namespace agentrun;
using namespace std::chrono_literals;

namespace {

constexpr const char* TestLabelKey = "org.agentrun.test";
constexpr const char* TestLabelValue = "sandboxengine";
constexpr const char* TestLabel = "org.agentrun.test=sandboxengine";

template <typename T> std::string errorOf(const Result<T>& result)
{
    return result ? std::string() : result.error().code + ": " + result.error().message;
}

/// What a command printed and how it ended.
struct Ran
{
    std::string out;
    std::string err;
    std::optional<int> exitCode;
    std::string error;
};

Ran runIn(sandbox::SandboxEngine& engine, const std::string& id, const std::vector<std::string>& command,
          const std::string& user = "65534:65534")
{
    Ran ran;
    auto exec = engine.exec(id, command, user);
    if (!exec) {
        ran.error = errorOf(exec);
        return ran;
    }
    engine::FrameDemuxer demuxer([&](engine::FrameDemuxer::Channel channel, std::string_view bytes) {
        (channel == engine::FrameDemuxer::Channel::Stderr ? ran.err : ran.out).append(bytes);
    });
    demuxer.feed(exec->stream.takeLeftover());
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    bool eof = false;
    while (!eof && std::chrono::steady_clock::now() < deadline) {
        auto chunk = exec->stream.read(200ms, eof);
        if (!chunk) {
            ran.error = errorOf(chunk);
            return ran;
        }
        demuxer.feed(*chunk);
    }
    // The engine may record the exit a moment after the stream closed.
    while (std::chrono::steady_clock::now() < deadline) {
        auto code = engine.execExitCode(exec->id);
        if (!code) {
            ran.error = errorOf(code);
            return ran;
        }
        if (*code) {
            ran.exitCode = **code;
            break;
        }
        std::this_thread::sleep_for(100ms);
    }
    return ran;
}

bool listed(sandbox::SandboxEngine& engine, const std::string& id)
{
    auto ids = engine.list(TestLabel);
    return ids && std::find(ids->begin(), ids->end(), id) != ids->end();
}

} // namespace

class TestSandboxEngine : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<engine::Client> m_client;
    std::unique_ptr<sandbox::SandboxEngine> m_engine;
    std::string m_id; ///< the running sandbox the checks share
    engine::AttachStream m_stream;

    /// The implementation under test.
    std::unique_ptr<sandbox::SandboxEngine> makeEngine()
    {
        return std::make_unique<sandbox::DockerSandboxes>(*m_client);
    }

    sandbox::SandboxRequest request() const
    {
        sandbox::SandboxRequest made;
        made.limits.memoryBytes = made.limits.memorySwapBytes = 128ll << 20;
        made.image = testing::sandboxImage();
        made.env = {"CONFORMANCE=yes"};
        made.labels = {{TestLabelKey, TestLabelValue},
                       {sandbox::ManagedLabel, "0"}}; // cannot unmark it: the hardening's labels stay
        return made;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_client = testing::requireEngine();
        m_engine = makeEngine();
        QVERIFY(!m_engine->address().empty());
    }

    void cleanupTestCase()
    {
        m_stream = engine::AttachStream();
        if (m_engine) {
            if (auto ids = m_engine->list(TestLabel)) {
                for (const auto& id : *ids) {
                    m_engine->remove(id);
                }
            }
        }
        if (m_client) {
            QCOMPARE(testing::managedContainers(*m_client), 0);
        }
    }

    // Made, listed by its label, not running; attached before start, then running.
    void createAttachStart()
    {
        auto id = m_engine->create(request());
        QVERIFY2(id, errorOf(id).c_str());
        m_id = *id;
        QVERIFY(listed(*m_engine, m_id));
        auto made = m_engine->state(m_id);
        QVERIFY2(made, errorOf(made).c_str());
        QVERIFY(!made->running);
        QCOMPARE(made->labels[TestLabelKey], std::string(TestLabelValue));
        QCOMPARE(made->labels[sandbox::ManagedLabel], std::string("1"));
        QVERIFY(!made->labels["org.agentrun.owner-pid"].empty()); // the reaper judges by it

        auto stream = m_engine->attach(m_id);
        QVERIFY2(stream, errorOf(stream).c_str());
        m_stream = std::move(*stream);
        auto started = m_engine->start(m_id);
        QVERIFY2(started, errorOf(started).c_str());
        auto running = m_engine->state(m_id);
        QVERIFY2(running, errorOf(running).c_str());
        QVERIFY(running->running);
        QVERIFY(!running->oomKilled);
    }

    // The hardening is the engine's: the sandbox user, no capabilities, a read-only root, no network
    // but loopback, the request's environment added.
    void hardenedWhateverTheRequestAdds()
    {
        QVERIFY(!m_id.empty());
        const Ran who = runIn(*m_engine, m_id, {"sh", "-c", "id -u; id -g; echo $CONFORMANCE"});
        QVERIFY2(who.error.empty(), who.error.c_str());
        QCOMPARE(who.out, std::string("65534\n65534\nyes\n"));
        const Ran caps =
            runIn(*m_engine, m_id, {"sh", "-c", "grep -E '^Cap(Eff|Prm|Bnd):' /proc/self/status"});
        QVERIFY2(caps.error.empty(), caps.error.c_str());
        QVERIFY2(caps.out.find("CapEff:\t0000000000000000") != std::string::npos, caps.out.c_str());
        QVERIFY2(caps.out.find("CapBnd:\t0000000000000000") != std::string::npos, caps.out.c_str());
        const Ran write = runIn(*m_engine, m_id, {"sh", "-c", "touch /usr/conformance"});
        QVERIFY2(write.error.empty(), write.error.c_str());
        QVERIFY2(write.exitCode && *write.exitCode != 0, "the root file system took a write");
        const Ran net = runIn(*m_engine, m_id, {"sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1"});
        QVERIFY2(net.error.empty(), net.error.c_str());
        QCOMPARE(QString::fromStdString(net.out).simplified(), QString("lo"));
    }

    // A command's two streams apart, and its exit code.
    void execReportsStreamsAndExitCode()
    {
        QVERIFY(!m_id.empty());
        const Ran ran = runIn(*m_engine, m_id, {"sh", "-c", "echo out; echo err >&2; exit 3"});
        QVERIFY2(ran.error.empty(), ran.error.c_str());
        QCOMPARE(ran.out, std::string("out\n"));
        QCOMPARE(ran.err, std::string("err\n"));
        QVERIFY(ran.exitCode.has_value());
        QCOMPARE(*ran.exitCode, 3);
    }

    // Figures of a running sandbox: memory and processes, until the callback says stop.
    void statsArriveAndStop()
    {
        QVERIFY(!m_id.empty());
        int samples = 0;
        sandbox::SandboxStats last;
        const std::atomic<bool> stop{false};
        auto streamed = m_engine->stats(
            m_id,
            [&](const sandbox::SandboxStats& figures) {
                last = figures;
                return ++samples < 2;
            },
            stop);
        QVERIFY2(streamed, errorOf(streamed).c_str());
        QCOMPARE(samples, 2);
        QVERIFY2(last.memoryBytes > 0, "no memory figure");
        QVERIFY2(last.pids >= 1, "no process figure");
        QVERIFY(last.cpuSeconds >= 0);
    }

    // Files out as a tar archive; a path that is not there is an error; files in past the read-only
    // root are refused, not written somewhere the sandbox cannot see.
    void filesOutNotIn()
    {
        QVERIFY(!m_id.empty());
        std::string tar;
        const std::atomic<bool> cancel{false};
        auto got = m_engine->getFiles(
            m_id, "/etc/debian_version",
            [&](std::string_view chunk) {
                tar.append(chunk);
                return true;
            },
            cancel);
        QVERIFY2(got, errorOf(got).c_str());
        QVERIFY(tar.size() >= 1024 && tar.size() % 512 == 0);
        QVERIFY(tar.find("debian_version") != std::string::npos);
        QVERIFY2(tar.find("\n12.") != std::string::npos ||
                     tar.find(std::string(1, '\0') + "12.") != std::string::npos,
                 "the file's content is not in the archive");

        auto missing = m_engine->getFiles(
            m_id, "/nowhere/at/all", [](std::string_view) { return true; }, cancel);
        QVERIFY(!missing);

        // One file "planted" in a tar archive (header, content, two empty blocks).
        std::string archive(512, '\0');
        const std::string name = "planted";
        std::copy(name.begin(), name.end(), archive.begin());
        const char* mode = "0000644";
        std::copy(mode, mode + 7, archive.begin() + 100);
        const char* size = "00000000003";
        std::copy(size, size + 11, archive.begin() + 124);
        const char* mtime = "00000000000";
        std::copy(mtime, mtime + 11, archive.begin() + 136);
        archive[156] = '0';
        std::fill(archive.begin() + 148, archive.begin() + 156, ' ');
        unsigned sum = 0;
        for (const unsigned char c : archive) {
            sum += c;
        }
        char checksum[8];
        std::snprintf(checksum, sizeof checksum, "%06o", sum);
        std::copy(checksum, checksum + 7, archive.begin() + 148);
        archive += std::string("hi\n") + std::string(509, '\0') + std::string(1024, '\0');
        for (const char* directory : {"/", "/tmp"}) {
            auto put = m_engine->putFiles(m_id, directory, archive);
            QVERIFY2(!put,
                     qPrintable(QString("putFiles into %1 of a read-only root went through").arg(directory)));
        }
        const Ran look = runIn(*m_engine, m_id, {"sh", "-c", "ls /planted /tmp/planted 2>&1; true"});
        QVERIFY2(look.out.find("No such file") != std::string::npos, look.out.c_str());
    }

    // Kill ends it, wait gives its exit code, state says so; remove, then it is gone (removing it again
    // is fine, its state is container.gone, and no list has it).
    void killWaitRemove()
    {
        QVERIFY(!m_id.empty());
        auto killed = m_engine->kill(m_id);
        QVERIFY2(killed, errorOf(killed).c_str());
        auto exitCode = m_engine->wait(m_id, 60s);
        QVERIFY2(exitCode, errorOf(exitCode).c_str());
        QCOMPARE(*exitCode, 137); // SIGKILL
        auto ended = m_engine->state(m_id);
        QVERIFY2(ended, errorOf(ended).c_str());
        QVERIFY(!ended->running);
        QCOMPARE(ended->exitCode, 137);
        m_stream = engine::AttachStream();

        auto removed = m_engine->remove(m_id);
        QVERIFY2(removed, errorOf(removed).c_str());
        auto again = m_engine->remove(m_id);
        QVERIFY2(again, errorOf(again).c_str());
        auto gone = m_engine->state(m_id);
        QVERIFY(!gone);
        QCOMPARE(gone.error().code, std::string(errc::ContainerGone));
        QVERIFY(!listed(*m_engine, m_id));
        auto ids = m_engine->list(TestLabel);
        QVERIFY2(ids, errorOf(ids).c_str());
        QVERIFY(ids->empty());
    }

    // A sandbox that ran out of memory says so (the pipeline's out_of_memory status depends on it).
    void outOfMemoryIsReported()
    {
        auto small = request();
        small.limits.memoryBytes = small.limits.memorySwapBytes = 32ll << 20;
        auto id = m_engine->create(small);
        QVERIFY2(id, errorOf(id).c_str());
        auto stream = m_engine->attach(*id); // its agent waits on this stdin meanwhile
        QVERIFY2(stream, errorOf(stream).c_str());
        auto started = m_engine->start(*id);
        QVERIFY2(started, errorOf(started).c_str());
        // The first process is the agent (waiting on stdin); a command filling memory is killed by the
        // kernel inside the sandbox's cgroup.
        const Ran hog =
            runIn(*m_engine, *id, {"python3", "-c", "b = []\nwhile True:\n    b.append(bytearray(1 << 20))"});
        QVERIFY2(hog.error.empty(), hog.error.c_str());
        QVERIFY2(hog.exitCode && *hog.exitCode == 137, hog.err.c_str());
        // The record is final once the sandbox has ended.
        QVERIFY(m_engine->kill(*id));
        QVERIFY(m_engine->wait(*id, 60s));
        auto state = m_engine->state(*id);
        QVERIFY2(state, errorOf(state).c_str());
        QVERIFY2(state->oomKilled, "the engine did not record the OOM kill");
        QVERIFY(m_engine->remove(*id));
    }
};

QTEST_GUILESS_MAIN(TestSandboxEngine)
#include "tst_sandboxengine.moc"
