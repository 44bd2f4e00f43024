#include "helper_engine.h"

#include "agentrun/engine/demuxer.h"
#include "agentrun/model/limits.h"
#include "agentrun/sandbox/containerspec.h"

#include <QTest>

#include <chrono>
#include <unistd.h>

using namespace agentrun;
using namespace std::chrono_literals;

namespace {

/// A hardened container that runs `script` with python3 instead of the agent.
nlohmann::json scriptSpec(const std::string& script, std::int64_t memory = 256ll << 20)
{
    model::Limits limits;
    limits.memoryBytes = memory;
    limits.memorySwapBytes = memory;
    limits.tmpfsBytes = 8ll << 20;
    auto spec = sandbox::containerSpec(limits, testing::sandboxImage());
    spec["Entrypoint"] = {"python3", "-c", script};
    // Run containers have the agent as their init (Init false); a bare script needs docker-init, as a
    // program killed by the OOM killer as PID 1 is not what these engine tests look at.
    spec["HostConfig"]["Init"] = true;
    spec["Labels"]["org.agentrun.test"] = "engineclient";
    // Owned by this process: an executor starting in a parallel test must not take it for a leftover.
    spec["Labels"]["org.agentrun.owner-pid"] = std::to_string(::getpid());
    return spec;
}

struct Captured
{
    std::string out;
    std::string err;
};

Captured readAll(engine::AttachStream& stream)
{
    Captured captured;
    engine::FrameDemuxer demuxer([&](engine::FrameDemuxer::Channel channel, std::string_view bytes) {
        (channel == engine::FrameDemuxer::Channel::Stderr ? captured.err : captured.out).append(bytes);
    });
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    bool eof = false;
    while (!eof && std::chrono::steady_clock::now() < deadline) {
        auto chunk = stream.read(100ms, eof);
        if (!chunk) {
            qWarning("stream error: %s", chunk.error().message.c_str());
            break;
        }
        demuxer.feed(*chunk);
    }
    return captured;
}

} // namespace

class TestEngineClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { m_client = testing::requireEngine(); }

    void cleanupTestCase()
    {
        if (m_client) {
            m_client->removeByLabel("org.agentrun.test=engineclient");
        }
    }

    void negotiatesApiVersion()
    {
        auto info = m_client->info();
        QVERIFY(info.has_value());
        QVERIFY2(info->apiVersion >= std::string("1.41"), info->apiVersion.c_str());
        QVERIFY(!info->version.empty());
        QVERIFY(std::ranges::find(info->runtimes, "runc") != info->runtimes.end());
    }

    void unreachableEngineSaysWhatToDo()
    {
        auto endpoint = engine::Endpoint::parse("unix:///nonexistent/docker.sock");
        QVERIFY(endpoint.has_value());
        engine::Client client(*endpoint);
        auto info = client.info();
        QVERIFY(!info.has_value());
        QCOMPARE(info.error().code, std::string("engine.unreachable"));
        QCOMPARE(info.error().message,
                 std::string("Docker is not running: there is no socket at unix:///nonexistent/docker.sock. "
                             "Start it (`sudo systemctl start docker`, or ./packaging/quickstart.sh in a "
                             "source checkout) or set "
                             "DOCKER_HOST to a running engine."));
    }

    void refusedTcpEngine()
    {
        auto endpoint = engine::Endpoint::parse("tcp://127.0.0.1:1");
        QVERIFY(endpoint.has_value());
        engine::Client client(*endpoint);
        auto ping = client.ping();
        QVERIFY(!ping.has_value());
        QCOMPARE(ping.error().code, std::string("engine.unreachable"));
        QVERIFY(ping.error().message.find("tcp://127.0.0.1:1 was refused") != std::string::npos);
    }

    void badDockerHost()
    {
        auto endpoint = engine::Endpoint::parse("ssh://somewhere");
        QVERIFY(!endpoint.has_value());
        QCOMPARE(endpoint.error().code, std::string("engine.address"));
    }

    void missingImage()
    {
        auto spec = scriptSpec("pass");
        spec["Image"] = "agentrun-no-such-image:never";
        auto id = m_client->createContainer(spec);
        QVERIFY(!id.has_value());
        QCOMPARE(id.error().code, std::string("image.missing"));
        QVERIFY(id.error().message.find("agentrun image build") != std::string::npos);
    }

    void lifecycleWithStdinAndBothStreams()
    {
        auto id =
            m_client->createContainer(scriptSpec("import sys\ndata = sys.stdin.read()\nprint('out:' + "
                                                 "data.upper())\nprint('err:' + data, file=sys.stderr)\n"
                                                 // the engine may cut the stream at exit (moby/moby#49655)
                                                 "import time\ntime.sleep(0.3)\nsys.exit(7)"));
        QVERIFY2(id.has_value(), id ? "" : id.error().message.c_str());
        auto stream = m_client->attach(*id);
        QVERIFY2(stream.has_value(), stream ? "" : stream.error().message.c_str());
        QVERIFY(m_client->startContainer(*id).has_value());
        QVERIFY(stream->write("héllo").has_value());
        stream->closeWrite();
        const Captured captured = readAll(*stream);
        QCOMPARE(QString::fromStdString(captured.out), QStringLiteral("out:HÉLLO\n"));
        QCOMPARE(QString::fromStdString(captured.err), QStringLiteral("err:héllo\n"));
        auto code = m_client->waitContainer(*id, 30s);
        QVERIFY(code.has_value());
        QCOMPARE(*code, 7);
        auto state = m_client->inspectContainer(*id);
        QVERIFY(state.has_value());
        QCOMPARE((*state)["State"]["ExitCode"].get<int>(), 7);
        QVERIFY(!(*state)["State"]["OOMKilled"].get<bool>());
        QVERIFY(m_client->removeContainer(*id).has_value());
        auto gone = m_client->inspectContainer(*id);
        QVERIFY(!gone.has_value());
        QCOMPARE(gone.error().code, std::string("container.gone"));
    }

    void execInARunningContainer()
    {
        auto id = m_client->createContainer(scriptSpec("import time\ntime.sleep(60)"));
        QVERIFY(id.has_value());
        QVERIFY(m_client->startContainer(*id).has_value());
        engine::Client::ExecOptions options;
        options.cmd = {"python3", "-c", "import sys, os\nprint(os.getuid(), sys.stdin.read())\nsys.exit(4)"};
        options.attachStdin = true;
        auto exec = m_client->createExec(*id, options);
        QVERIFY2(exec.has_value(), exec ? "" : exec.error().message.c_str());
        auto stream = m_client->startExec(*exec);
        QVERIFY2(stream.has_value(), stream ? "" : stream.error().message.c_str());
        QVERIFY(stream->write("via exec").has_value());
        stream->closeWrite();
        const Captured captured = readAll(*stream);
        QCOMPARE(captured.out, std::string("65534 via exec\n"));
        QTRY_VERIFY_WITH_TIMEOUT(!m_client->inspectExec(*exec)->value("Running", true), 10000);
        QCOMPARE(m_client->inspectExec(*exec)->value("ExitCode", -1), 4);
        auto missing = m_client->createExec("agentrun-no-such-container", options);
        QVERIFY(!missing.has_value());
        QCOMPARE(missing.error().code, std::string("container.gone"));
        m_client->removeContainer(*id);
    }

    void oomKillSeenInInspect()
    {
        auto id = m_client->createContainer(
            scriptSpec("a = []\nwhile True:\n    a.append(bytearray(10**7))", 32ll << 20));
        QVERIFY(id.has_value());
        QVERIFY(m_client->startContainer(*id).has_value());
        auto code = m_client->waitContainer(*id, 60s);
        QVERIFY(code.has_value());
        auto state = m_client->inspectContainer(*id);
        QVERIFY(state.has_value());
        QVERIFY((*state)["State"]["OOMKilled"].get<bool>());
        QCOMPARE(*code, 137);
        m_client->removeContainer(*id);
    }

    void killStopsARunningContainer()
    {
        auto id = m_client->createContainer(scriptSpec("import time\ntime.sleep(1000)"));
        QVERIFY(id.has_value());
        QVERIFY(m_client->startContainer(*id).has_value());
        QVERIFY(m_client->killContainer(*id).has_value());
        auto code = m_client->waitContainer(*id, 30s);
        QVERIFY(code.has_value());
        QCOMPARE(*code, 137);
        auto state = m_client->inspectContainer(*id);
        QVERIFY(!(*state)["State"]["OOMKilled"].get<bool>());
        m_client->removeContainer(*id);
    }

    void statsStreamDeliversSamples()
    {
        auto id =
            m_client->createContainer(scriptSpec("import time\nx = bytearray(20 * 2**20)\ntime.sleep(30)"));
        QVERIFY(id.has_value());
        QVERIFY(m_client->startContainer(*id).has_value());
        std::atomic<bool> stop{false};
        std::int64_t memory = 0;
        int samples = 0;
        auto streamed = m_client->streamStats(
            *id,
            [&](const nlohmann::json& stats) {
                memory = stats["memory_stats"].value("usage", std::int64_t{0});
                return ++samples < 2;
            },
            stop);
        QVERIFY(streamed.has_value());
        QCOMPARE(samples, 2);
        QVERIFY2(memory > (20ll << 20), std::to_string(memory).c_str());
        m_client->removeContainer(*id);
    }

    void removeByLabelLeavesNothing()
    {
        for (int i = 0; i < 3; ++i) {
            auto spec = scriptSpec("pass");
            spec["Labels"]["org.agentrun.test-batch"] = "prune";
            QVERIFY(m_client->createContainer(spec).has_value());
        }
        auto removed = m_client->removeByLabel("org.agentrun.test-batch=prune");
        QVERIFY(removed.has_value());
        QCOMPARE(*removed, 3);
        auto left = m_client->listContainers("org.agentrun.test-batch=prune");
        QVERIFY(left.has_value());
        QVERIFY(left->empty());
    }

private:
    std::unique_ptr<engine::Client> m_client;
};

QTEST_APPLESS_MAIN(TestEngineClient)
#include "tst_engineclient.moc"
