#include "helper_engine.h"
#include "helper_wheel.h"

#include "agentrun/run/executor.h"
#include "agentrun/sandbox/containerspec.h"

#include <unistd.h>

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

#include <chrono>

using namespace agentrun;

namespace {

struct Recorder : run::RunObserver
{
    std::vector<run::Stage> stages;
    std::string live;
    int finishedCount = 0;
    std::vector<run::ResourceSample> samples;
    void stageChanged(run::Stage stage) override { stages.push_back(stage); }
    void resources(const run::ResourceSample& sample) override { samples.push_back(sample); }
    void output(model::Stream, std::string_view bytes) override { live.append(bytes); }
    void finished(const model::RunResult&) override { ++finishedCount; }
};

model::Limits smallLimits()
{
    model::Limits limits;
    limits.timeoutSeconds = 10;
    limits.memoryBytes = 128ll << 20;
    limits.memorySwapBytes = limits.memoryBytes;
    limits.tmpfsBytes = 16ll << 20;
    return limits;
}

QString name(model::Status status)
{
    return QString::fromUtf8(model::toString(status));
}

} // namespace

class TestExecutor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        m_client = testing::requireEngine();
        m_baseline = testing::managedContainers(*m_client);
        m_executor = std::make_unique<run::Executor>(run::ExecutorConfig{testing::sandboxImage(), {}, 2});
    }

    void cleanupTestCase()
    {
        m_executor.reset(); // drains the pool
        QCOMPARE(testing::managedContainers(*m_client), m_baseline);
        // No dependency volume outlives the suite: the cache volumes of its temporary wheelhouses (a new
        // one each time) are removed, and the wheelhouse copies went with their installs.
        QCOMPARE(testing::removeVolumes(*m_client, m_volumes), std::vector<std::string>());
        QCOMPARE(testing::managedVolumes(*m_client), 0);
    }

    void runs_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("stdinData");
        QTest::addColumn<QString>("status");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("stdoutText");
        QTest::addColumn<QString>("stderrFragment");
        QTest::addColumn<QString>("messageFragment");

        QTest::newRow("hello") << "print('Hello, World!')"
                               << ""
                               << "ok" << 0 << "Hello, World!\n"
                               << ""
                               << "";
        QTest::newRow("unicode and partial line") << "import sys\nsys.stdout.write('héllo ✓')"
                                                  << ""
                                                  << "ok" << 0 << "héllo ✓"
                                                  << ""
                                                  << "";
        QTest::newRow("exception") << "print('before')\nraise ValueError('bad value')"
                                   << ""
                                   << "exception" << 1 << "before\n"
                                   << "ValueError: bad value"
                                   << "The program raised ValueError: bad value";
        QTest::newRow("exception with a note") // the summary names the exception, not the note after it
            << "e = ValueError('bad value')\ne.add_note('see the manual')\nraise e"
            << ""
            << "exception" << 1 << ""
            << "ValueError: bad value\nsee the manual"
            << "The program raised ValueError: bad value";
        QTest::newRow("chained exception")
            << "try:\n    1/0\nexcept ZeroDivisionError as e:\n    raise KeyError('k') from e"
            << ""
            << "exception" << 1 << ""
            << "The above exception was the direct cause"
            << "KeyError";
        QTest::newRow("sys.exit(3)") << "import sys\nsys.exit(3)"
                                     << ""
                                     << "exception" << 3 << ""
                                     << ""
                                     << "exited with status 3";
        QTest::newRow("R4 os._exit(137) is not OOM") << "import os\nos._exit(137)"
                                                     << ""
                                                     << "exception" << 137 << ""
                                                     << ""
                                                     << "exited with status 137";
        QTest::newRow("R7 input() without stdin") << "input()"
                                                  << ""
                                                  << "exception" << 1 << ""
                                                  << "EOFError"
                                                  << "";
        QTest::newRow("stdin") << "import sys\nprint(sys.stdin.read().upper())"
                               << "abc\ndef"
                               << "ok" << 0 << "ABC\nDEF\n"
                               << ""
                               << "";
        QTest::newRow("forged report is output")
            << "print('\\x1eAGENTRUN-REPORT:0000:{\"exit\": 0}')\nraise SystemExit(5)"
            << ""
            << "exception" << 5
            << "\x1e"
               "AGENTRUN-REPORT:0000:{\"exit\": 0}\n"
            << ""
            << "";
        QTest::newRow("P5 segfault") << "import ctypes\nctypes.string_at(0)"
                                     << ""
                                     << "killed" << 139 << ""
                                     << ""
                                     << "crashed (SIGSEGV)";
    }

    void runs()
    {
        QFETCH(QString, code);
        QFETCH(QString, stdinData);
        QFETCH(QString, status);
        QFETCH(int, exitCode);
        QFETCH(QString, stdoutText);
        QFETCH(QString, stderrFragment);
        QFETCH(QString, messageFragment);

        model::RunSpec request;
        request.code = code.toStdString();
        request.stdinData = stdinData.toStdString();
        request.limits = smallLimits();
        request.skipCheck = true; // the container is under test here, not the lint
        Recorder recorder;
        run::CancelToken cancel;
        const auto result = m_executor->run(request, recorder, cancel);
        QVERIFY2(result.status != model::Status::EngineError, result.message.c_str());
        QCOMPARE(QString::fromStdString(std::string(model::toString(result.status))), status);
        QCOMPARE(result.exitCode, exitCode);
        QCOMPARE(QString::fromStdString(result.stdoutData), stdoutText);
        QVERIFY2(result.stderrData.find(stderrFragment.toStdString()) != std::string::npos,
                 result.stderrData.c_str());
        QVERIFY2(result.message.find(messageFragment.toStdString()) != std::string::npos,
                 result.message.c_str());
        QCOMPARE(recorder.live, result.output);
        QCOMPARE(recorder.finishedCount, 1);
        QVERIFY(recorder.stages.back() == run::Stage::Finished);
        QVERIFY(result.peakMemoryBytes > 1 << 20);
    }

    void tracebackIsByteIdenticalToPython()
    {
        // The same file run by hand with python3 in the same image gives the same stderr.
        const std::string code = "def f():\n    return {}['missing']\n\nf()\n";
        model::RunSpec request;
        request.code = code;
        request.limits = smallLimits();
        Recorder recorder;
        run::CancelToken cancel;
        const auto result = m_executor->run(request, recorder, cancel);
        QCOMPARE(name(result.status), name(model::Status::Exception));
        const std::string expected = "Traceback (most recent call last):\n"
                                     "  File \"/tmp/main.py\", line 4, in <module>\n"
                                     "    f()\n"
                                     "  File \"/tmp/main.py\", line 2, in f\n"
                                     "    return {}['missing']\n"
                                     "           ~~^^^^^^^^^^^\n"
                                     "KeyError: 'missing'\n";
        QCOMPARE(result.stderrData, expected);
    }

    void timeoutKillsTheContainer()
    {
        model::RunSpec request;
        request.code = "print('started', flush=True)\nwhile True:\n    pass";
        request.limits = smallLimits();
        request.limits.timeoutSeconds = 1.5;
        Recorder recorder;
        run::CancelToken cancel;
        const auto start = std::chrono::steady_clock::now();
        const auto result = m_executor->run(request, recorder, cancel);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        QCOMPARE(name(result.status), name(model::Status::Timeout));
        QCOMPARE(result.stdoutData, std::string("started\n"));
        QCOMPARE(result.message,
                 std::string("Execution timed out after 1.5 s: the sandbox was stopped. Raise the "
                             "timeout if the code needs longer."));
        QVERIFY2(seconds < 4.0, std::to_string(seconds).c_str());
    }

    void outputLimitKeepsTheStart()
    {
        model::RunSpec request;
        request.code = "while True:\n    print('x' * 1000)";
        request.limits = smallLimits();
        request.limits.outputLimitBytes = 64 * 1024;
        Recorder recorder;
        run::CancelToken cancel;
        const auto result = m_executor->run(request, recorder, cancel);
        QCOMPARE(name(result.status), name(model::Status::OutputLimit));
        QVERIFY(result.stdoutTruncated);
        QCOMPARE(result.stdoutData.size(), std::size_t(64 * 1024));
        QVERIFY(result.stdoutData.starts_with(std::string(1000, 'x') + "\n"));
        QVERIFY2(result.message.find("64 KiB") != std::string::npos, result.message.c_str());
    }

    void outOfMemoryFromTheEngine()
    {
        model::RunSpec request;
        request.code = "a = []\nwhile True:\n    a.append(bytearray(10**7))";
        request.limits = smallLimits();
        request.limits.memoryBytes = request.limits.memorySwapBytes = 64ll << 20;
        Recorder recorder;
        run::CancelToken cancel;
        const auto result = m_executor->run(request, recorder, cancel);
        QCOMPARE(name(result.status), name(model::Status::OutOfMemory));
        QCOMPARE(result.exitCode, 137);
        QVERIFY2(result.message.find("64 MiB") != std::string::npos, result.message.c_str());
    }

    void cancelStopsTheRun()
    {
        model::RunSpec request;
        request.code = "import time\nprint('go', flush=True)\ntime.sleep(100)";
        request.limits = smallLimits();
        struct CancelOnOutput : Recorder
        {
            run::CancelToken* token = nullptr;
            void output(model::Stream stream, std::string_view bytes) override
            {
                Recorder::output(stream, bytes);
                token->cancel();
            }
        } recorder;
        run::CancelToken cancel;
        recorder.token = &cancel;
        const auto result = m_executor->run(request, recorder, cancel);
        QCOMPARE(name(result.status), name(model::Status::Cancelled));
        QCOMPARE(result.stdoutData, std::string("go\n"));
    }

    void blockedCodeStartsNothing()
    {
        model::RunSpec request;
        request.code = "import os\nos.system('id')";
        request.limits = smallLimits();
        Recorder recorder;
        run::CancelToken cancel;
        const auto result = m_executor->run(request, recorder, cancel);
        QCOMPARE(name(result.status), name(model::Status::Blocked));
        QVERIFY(!result.findings.empty());
        QCOMPARE(result.findings.front().line, 2);
        QVERIFY(std::ranges::find(recorder.stages, run::Stage::Starting) == recorder.stages.end());
    }

    void invalidLimitsStartNothing()
    {
        model::RunSpec request;
        request.code = "print(1)";
        request.limits.memoryBytes = 5;
        Recorder recorder;
        run::CancelToken cancel;
        const auto result = m_executor->run(request, recorder, cancel);
        QCOMPARE(name(result.status), name(model::Status::InvalidRequest));
        QCOMPARE(result.errorCode, std::string("limits.memory"));
        QVERIFY(std::ranges::find(recorder.stages, run::Stage::Starting) == recorder.stages.end());
    }

    void missingRuntimeFailsClosed()
    {
        auto info = m_client->info();
        QVERIFY(info.has_value());
        if (std::ranges::find(info->runtimes, "runsc") != info->runtimes.end()) {
            QSKIP("runsc is registered with this engine; the fail-closed path needs an engine without it");
        }
        model::RunSpec request;
        request.code = "print(1)";
        request.limits = smallLimits();
        request.limits.runtime = "runsc";
        Recorder recorder;
        run::CancelToken cancel;
        const auto result = m_executor->run(request, recorder, cancel);
        QCOMPARE(name(result.status), name(model::Status::EngineError));
        QCOMPARE(result.errorCode, std::string("runtime.missing"));
        QVERIFY(result.stdoutData.empty());
    }

    void leftoversOfACrashedProcessAreRemoved()
    {
        // A container labelled as ours whose owner process is gone, as a crash mid-run leaves it.
        auto spec = sandbox::containerSpec(smallLimits(), testing::sandboxImage());
        spec["Labels"]["org.agentrun.owner-pid"] = "999999999";
        auto id = m_client->createContainer(spec);
        QVERIFY(id.has_value());
        {
            run::Executor fresh(run::ExecutorConfig{testing::sandboxImage(), {}, 0});
            model::RunSpec request;
            request.code = "print(1)";
            request.limits = smallLimits();
            Recorder recorder;
            run::CancelToken cancel;
            QCOMPARE(name(fresh.run(request, recorder, cancel).status), name(model::Status::Ok));
        }
        auto gone = m_client->inspectContainer(*id);
        QVERIFY(!gone.has_value());
        QCOMPARE(gone.error().code, std::string("container.gone"));
    }

    void leftoverEgressNetworksOfACrashedProcessAreRemoved()
    {
        // An allowlisted run's segment labelled as ours whose owner is gone (issue 19), and one of a live
        // owner that is not ours to judge.
        const std::string dead = "agentrun-test-leftover-" + std::to_string(::getpid());
        const std::string alive = dead + "-alive";
        engine::Client::NetworkOptions options;
        options.labels = {{"org.agentrun.managed", "1"}, {"org.agentrun.owner-pid", "999999999"}};
        QVERIFY(m_client->createNetwork(dead, options).has_value());
        options.labels["org.agentrun.owner-pid"] = std::to_string(::getppid());
        QVERIFY(m_client->createNetwork(alive, options).has_value());
        {
            run::Executor fresh(run::ExecutorConfig{testing::sandboxImage(), {}, 0});
            QVERIFY(fresh.ping().has_value()); // the first use sweeps
        }
        auto deadNow = m_client->inspectNetwork(dead);
        auto aliveNow = m_client->inspectNetwork(alive);
        m_client->removeNetwork(alive);
        QVERIFY(deadNow.has_value() && !deadNow->has_value());
        QVERIFY(aliveNow.has_value() && aliveNow->has_value());
    }

    void resourceSamplesFollowLongRunsOnly()
    {
        model::RunSpec request;
        request.limits = smallLimits();
        request.code = "import time\nx = bytearray(32 << 20)\ntime.sleep(2.5)";
        Recorder recorder;
        run::CancelToken cancel;
        QVERIFY(m_executor->run(request, recorder, cancel).status == model::Status::Ok);
        QVERIFY2(!recorder.samples.empty(), "a 2.5 s run is followed by the stats stream");
        const auto peak = std::ranges::max_element(recorder.samples, {}, &run::ResourceSample::memoryBytes);
        QVERIFY2(peak->memoryBytes > (32ll << 20), std::to_string(peak->memoryBytes).c_str());
        QCOMPARE(peak->memoryLimitBytes, request.limits.memoryBytes);

        // A run shorter than the stream's start delay opens none: nothing reported, nothing to pay for.
        request.code = "print('quick')";
        Recorder quick;
        const auto result = m_executor->run(request, quick, cancel);
        QVERIFY(result.status == model::Status::Ok);
        if (result.durations.runMs < 100) { // a loaded machine may stretch it past the delay
            QVERIFY(quick.samples.empty());
        }
    }

    void warmContainerRemovedWhileWaitingIsReplaced()
    {
        model::RunSpec request;
        request.code = "print('still served')";
        request.limits = smallLimits();
        Recorder first;
        run::CancelToken cancel;
        QVERIFY(m_executor->run(request, first, cancel).status == model::Status::Ok); // sets the pool's key
        // Every container of ours that waits in the pool goes, from outside, while nobody runs.
        QTRY_VERIFY_WITH_TIMEOUT(testing::managedContainers(*m_client) >= 2, 20000);
        auto ids = m_client->listContainers("org.agentrun.owner-pid=" + std::to_string(::getpid()), false);
        QVERIFY(ids && !ids->empty());
        for (const auto& id : *ids) {
            m_client->removeContainer(id, true); // a used one may be going already (the pool removes it)
        }
        for (const auto& id : *ids) {
            QTRY_VERIFY_WITH_TIMEOUT(!m_client->inspectContainer(id).has_value(), 10000);
        }
        Recorder recorder;
        const auto result = m_executor->run(request, recorder, cancel);
        QVERIFY2(result.status == model::Status::Ok, result.message.c_str());
        QCOMPARE(result.stdoutData, std::string("still served\n"));
    }

    void containerRemovedFromOutsideIsAnEngineError()
    {
        model::RunSpec request;
        request.code = "import time\nprint('up', flush=True)\ntime.sleep(60)";
        request.limits = smallLimits();
        struct RemoveOnOutput : Recorder
        {
            engine::Client* client = nullptr;
            bool done = false;
            void output(model::Stream stream, std::string_view bytes) override
            {
                Recorder::output(stream, bytes);
                if (!done) {
                    done = true;
                    auto ids =
                        client->listContainers("org.agentrun.owner-pid=" + std::to_string(::getpid()), false);
                    for (const auto& id : *ids) {
                        client->removeContainer(id, true);
                    }
                }
            }
        } recorder;
        recorder.client = m_client.get();
        run::CancelToken cancel;
        const auto start = std::chrono::steady_clock::now();
        const auto result = m_executor->run(request, recorder, cancel);
        QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::seconds(8));
        QVERIFY2(result.status == model::Status::Killed || result.status == model::Status::EngineError,
                 result.message.c_str());
        QVERIFY2(result.stdoutData.starts_with("up"),
                 result.stdoutData.c_str()); // "\n" may be a second write
        QVERIFY(!result.message.empty());
    }

    void dependenciesFromALocalWheelhouse()
    {
        QTemporaryDir wheelhouse;
        // Left 0700, as QTemporaryDir makes it: the installer gets a copy of the wheels, whatever the modes.
        testing::makeWheel(wheelhouse.path().toStdString(), "tiny-greeter", "tiny_greeter", "1.2.0");
        m_volumes.push_back(
            testing::cacheVolumeFor(*m_client, {{"tiny-greeter", ""}}, wheelhouse.path().toStdString()));
        model::RunSpec request;
        request.code = "import tiny_greeter\nprint(tiny_greeter.VALUE)";
        request.limits = smallLimits();
        request.allow = {"tiny-greeter"};
        request.wheelhouse = wheelhouse.path().toStdString();
        struct Installs : Recorder
        {
            int lines = 0;
            void installProgress(std::string_view) override { ++lines; }
        } recorder;
        run::CancelToken cancel;
        const auto result = m_executor->run(request, recorder, cancel);
        QVERIFY2(result.status == model::Status::Ok, result.message.c_str());
        QCOMPARE(result.stdoutData, std::string("tiny-greeter 1.2.0\n"));
        QCOMPARE(result.packages, std::vector<std::string>{"tiny-greeter"});
        QVERIFY(recorder.lines > 0);
        QVERIFY(std::ranges::find(recorder.stages, run::Stage::Installing) != recorder.stages.end());

        // The same set again comes from the cache; the run container still has no network.
        request.code =
            "import tiny_greeter, socket\ns = socket.socket()\ntry:\n    s.connect(('10.0.0.1', 80))\n"
            "except OSError as e:\n    print('offline', e.errno)";
        const auto again = m_executor->run(request, recorder, cancel);
        QCOMPARE(name(again.status), name(model::Status::Ok));
        QVERIFY2(again.stdoutData.starts_with("offline"), again.stdoutData.c_str());
        QVERIFY2(again.durations.installMs < result.durations.installMs,
                 std::to_string(again.durations.installMs).c_str());
    }

    void dependencyOutsideTheWhitelist()
    {
        model::RunSpec request;
        request.code = "import yaml\nprint(yaml)";
        request.limits = smallLimits();
        request.allow = {"requests"};
        Recorder recorder;
        run::CancelToken cancel;
        const auto result = m_executor->run(request, recorder, cancel);
        QCOMPARE(name(result.status), name(model::Status::DependencyRejected));
        QCOMPARE(result.message, std::string("Dependency: pyyaml is not in the whitelist."));
        QVERIFY(std::ranges::find(recorder.stages, run::Stage::Starting) == recorder.stages.end());
    }

    void missingWheelIsAnInstallFailure()
    {
        QTemporaryDir wheelhouse;
        QFile::setPermissions(wheelhouse.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                                     QFile::ReadOther | QFile::ExeOther | QFile::ReadGroup |
                                                     QFile::ExeGroup);
        model::RunSpec request;
        request.code = "import absent_pkg";
        request.limits = smallLimits();
        request.allow = {"*"};
        request.wheelhouse = wheelhouse.path().toStdString();
        Recorder recorder;
        run::CancelToken cancel;
        const auto result = m_executor->run(request, recorder, cancel);
        QCOMPARE(name(result.status), name(model::Status::InstallFailed));
        QVERIFY2(result.message.starts_with("Failed to install dependency absent-pkg"),
                 result.message.c_str());
    }

    void nothingLeaksBetweenRuns()
    {
        model::RunSpec write;
        write.code = "open('/tmp/secret', 'w').write('x')\nimport os\nprint(os.listdir('/tmp'))";
        write.limits = smallLimits();
        Recorder recorder;
        run::CancelToken cancel;
        auto first = m_executor->run(write, recorder, cancel);
        QCOMPARE(name(first.status), name(model::Status::Ok));
        QVERIFY(first.stdoutData.find("secret") != std::string::npos);
        model::RunSpec read = write;
        read.code = "import os\nprint(os.path.exists('/tmp/secret'))";
        auto second = m_executor->run(read, recorder, cancel);
        QCOMPARE(second.stdoutData, std::string("False\n"));
    }

    void warmPoolMakesRunsFast()
    {
        model::RunSpec request;
        request.code = "print('warm')";
        request.limits = smallLimits();
        Recorder recorder;
        run::CancelToken cancel;
        m_executor->run(request, recorder, cancel); // sets the pool's key and fills it
        QTest::qWait(3000);
        const auto start = std::chrono::steady_clock::now();
        const auto result = m_executor->run(request, recorder, cancel);
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        QCOMPARE(result.stdoutData, std::string("warm\n"));
        qInfo("warm run took %.1f ms", ms);
        QVERIFY2(ms < 200, std::to_string(ms).c_str());
    }

private:
    std::unique_ptr<engine::Client> m_client;
    std::unique_ptr<run::Executor> m_executor;
    int m_baseline = 0;
    std::vector<std::string> m_volumes; ///< dependency cache volumes this suite makes
};

QTEST_APPLESS_MAIN(TestExecutor)
#include "tst_executor.moc"
