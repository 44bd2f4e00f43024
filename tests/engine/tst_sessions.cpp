// Sessions (issue 17): one hardened sandbox whose Python state survives from one run to the next, with the
// guarantees of a single run per run. Against the real engine: state survives, tracebacks point at the
// cells, two sessions never see each other, a timeout and an OOM restart the session and say so, one run
// at a time, idle expiry and close leave no container.
#include "helper_engine.h"

#include "agentrun/errorcodes.h"
#include "agentrun/run/executor.h"

#include <QTest>

#include <future>
#include <thread>

using namespace agentrun;

namespace {

run::ExecutorConfig configWithoutPool(double idleSeconds = 600)
{
    run::ExecutorConfig config;
    config.image = testing::sandboxImage();
    config.poolSize = 0; // every container this process makes is a session's
    config.sessions.idleSeconds = idleSeconds;
    config.sessions.maxSessions = 3;
    return config;
}

model::RunResult runIn(run::Executor& executor, const std::string& session, const std::string& code,
                       double timeout = 30, const std::string& stdinData = {}, bool skipCheck = false)
{
    model::RunSpec request;
    request.skipCheck = skipCheck; // the sandbox is under test, not the lint
    request.code = code;
    request.stdinData = stdinData;
    request.sessionId = session;
    request.limits.timeoutSeconds = timeout;
    run::RunObserver observer;
    run::CancelToken cancel;
    return executor.run(request, observer, cancel);
}

std::string statusOf(model::Status status)
{
    return std::string(model::toString(status));
}

std::string openOne(run::Executor& executor, model::Limits limits = {})
{
    auto session = executor.openSession(limits);
    if (!session) {
        qWarning("openSession: %s (%s)", session.error().message.c_str(), session.error().code.c_str());
        return {};
    }
    return session->id;
}

} // namespace

class TestSessions : public QObject
{
    Q_OBJECT

    std::unique_ptr<engine::Client> m_client;

private Q_SLOTS:
    void initTestCase() { m_client = testing::requireEngine(); }

    void stateSurvivesAcrossRuns()
    {
        run::Executor executor(configWithoutPool());
        const std::string id = openOne(executor);
        QVERIFY(!id.empty());
        auto first = runIn(executor, id, "import math\nx = 41\nrows = [1, 2, 3]\nprint('set')");
        QCOMPARE(statusOf(first.status), std::string("ok"));
        QCOMPARE(first.stdoutData, std::string("set\n"));
        QVERIFY(first.session);
        QCOMPARE(first.session->cell, 1);
        QVERIFY(!first.session->restarted);
        auto second = runIn(executor, id, "x += 1\nprint(x, math.pi > 3, input())", 30, "typed\n");
        QCOMPARE(statusOf(second.status), std::string("ok"));
        QCOMPARE(second.stdoutData, std::string("42 True typed\n"));
        QCOMPARE(second.session->cell, 2);
        // The variables view: names, types, short reprs and sizes; modules are left out.
        bool sawX = false, sawRows = false;
        for (const auto& variable : second.session->variables) {
            QVERIFY(variable.name != "math");
            if (variable.name == "x") {
                sawX = variable.type == "int" && variable.repr == "42";
            }
            if (variable.name == "rows") {
                sawRows = variable.type == "list" && variable.size == "3 items";
            }
        }
        QVERIFY(sawX);
        QVERIFY(sawRows);
        auto info = executor.session(id);
        QVERIFY(info);
        QCOMPARE(info->runs, 2);
        QCOMPARE(info->restarts, 0);
        QVERIFY(executor.closeSession(id));
    }

    void tracebacksPointAtTheCells()
    {
        run::Executor executor(configWithoutPool());
        const std::string id = openOne(executor);
        QVERIFY(!id.empty());
        QCOMPARE(statusOf(runIn(executor, id, "def f(n):\n    return 10 / n\n").status), std::string("ok"));
        auto failed = runIn(executor, id, "print('before')\nf(0)");
        QCOMPARE(statusOf(failed.status), std::string("exception"));
        QCOMPARE(failed.exitCode, 1);
        QCOMPARE(failed.stdoutData, std::string("before\n"));
        QVERIFY2(failed.stderrData.find("File \"<cell 2>\", line 2, in <module>\n    f(0)") !=
                     std::string::npos,
                 failed.stderrData.c_str());
        QVERIFY2(failed.stderrData.find("File \"<cell 1>\", line 2, in f\n    return 10 / n") !=
                     std::string::npos,
                 failed.stderrData.c_str());
        QVERIFY(failed.stderrData.ends_with("ZeroDivisionError: division by zero\n"));
        QVERIFY(failed.stderrData.find("kernel.py") == std::string::npos); // not our frames
        QVERIFY(!failed.session->restarted);                               // an exception keeps the state
        auto exited = runIn(executor, id, "import sys\nsys.exit(3)");
        QCOMPARE(exited.exitCode, 3);
        QVERIFY(!exited.session->restarted);
        auto after = runIn(executor, id, "print(f(5))");
        QCOMPARE(after.stdoutData, std::string("2.0\n"));
        QVERIFY(executor.closeSession(id));
    }

    void processesARunStartedEndWithIt()
    {
        run::Executor executor(configWithoutPool());
        const std::string id = openOne(executor);
        QVERIFY(!id.empty());
        auto started = runIn(executor, id,
                             "import os, subprocess, time\n"
                             "child = subprocess.Popen(['sleep', '1000'], start_new_session=True)\n"
                             "if os.fork() == 0:\n    os.setsid()\n    time.sleep(1000)\n"
                             "print('started', child.pid)",
                             30, {}, true);
        QVERIFY2(started.stdoutData.starts_with("started "), started.stderrData.c_str());
        auto inspected =
            runIn(executor, id,
                  "import os\nme = os.getpid()\n"
                  "def running(p):\n"
                  "    return open('/proc/%s/stat' % p).read().rpartition(')')[2].split()[0] != 'Z'\n"
                  "others = [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, me)\n"
                  "          and os.stat('/proc/' + p).st_uid == os.getuid() and running(p)]\n"
                  "print(others, child.poll() == -9)",
                  30, {}, true);
        // None left running (killed ones are zombies of the kernel until reaped); `child` was killed.
        QCOMPARE(inspected.stdoutData, std::string("[] True\n"));
        QVERIFY(inspected.durations.runMs < 5000); // zombies do not hold the agent's clean-up
        QVERIFY(!inspected.session->restarted);
        QVERIFY(executor.closeSession(id));
    }

    void twoSessionsNeverMeet()
    {
        run::Executor executor(configWithoutPool());
        const std::string a = openOne(executor);
        const std::string b = openOne(executor);
        QVERIFY(!a.empty() && !b.empty() && a != b);
        runIn(executor, a,
              "secret = 'a'\nopen('/tmp/a.txt', 'w').write('a')\nimport socket\n"
              "print(socket.gethostname())");
        auto fromB = runIn(executor, b,
                           "import os, socket\nprint(socket.gethostname())\n"
                           "print(os.path.exists('/tmp/a.txt'))\nprint(secret)");
        QCOMPARE(statusOf(fromB.status), std::string("exception"));
        QVERIFY(fromB.stdoutData.find("False\n") != std::string::npos);
        QVERIFY(fromB.stderrData.find("NameError: name 'secret' is not defined") != std::string::npos);
        auto hostA = runIn(executor, a, "print(socket.gethostname(), secret)");
        QVERIFY(hostA.stdoutData.ends_with(" a\n"));
        QVERIFY(fromB.stdoutData.find(hostA.stdoutData.substr(0, hostA.stdoutData.find(' '))) ==
                std::string::npos);
        QVERIFY(executor.closeSession(a));
        QVERIFY(executor.closeSession(b));
    }

    void timeoutRestartsTheSession()
    {
        run::Executor executor(configWithoutPool());
        const std::string id = openOne(executor);
        QVERIFY(!id.empty());
        runIn(executor, id, "kept = 1");
        auto stuck = runIn(executor, id, "while True:\n    pass", 2);
        QCOMPARE(statusOf(stuck.status), std::string("timeout"));
        QVERIFY(stuck.session && stuck.session->restarted);
        QVERIFY2(stuck.message.find("Session restarted: state lost") != std::string::npos,
                 stuck.message.c_str());
        auto after = runIn(executor, id, "print('fresh')\nprint(kept)");
        QCOMPARE(after.stdoutData, std::string("fresh\n"));
        QVERIFY(after.stderrData.find("NameError") != std::string::npos);
        QCOMPARE(after.session->cell, 1);
        QVERIFY(!after.session->restarted);
        QCOMPARE(executor.session(id)->restarts, 1);
        QVERIFY(executor.closeSession(id));
    }

    void outOfMemoryRestartsTheSession()
    {
        run::Executor executor(configWithoutPool());
        model::Limits limits;
        limits.memoryBytes = 96LL << 20;
        limits.memorySwapBytes = limits.memoryBytes;
        const std::string id = openOne(executor, limits);
        QVERIFY(!id.empty());
        runIn(executor, id, "kept = 1");
        auto hungry = runIn(executor, id, "blocks = []\nwhile True:\n    blocks.append(bytearray(8 << 20))");
        QCOMPARE(statusOf(hungry.status), std::string("out_of_memory"));
        QVERIFY(hungry.session && hungry.session->restarted);
        QVERIFY(hungry.message.find("Session restarted: state lost") != std::string::npos);
        auto after = runIn(executor, id, "print('alive')");
        QCOMPARE(after.stdoutData, std::string("alive\n"));
        QVERIFY(executor.closeSession(id));
    }

    void oneRunAtATime()
    {
        run::Executor executor(configWithoutPool());
        const std::string id = openOne(executor);
        QVERIFY(!id.empty());
        auto slow = std::async(std::launch::async, [&] {
            return runIn(executor, id, "import time\ntime.sleep(4)\nprint('slow')");
        });
        QTRY_VERIFY_WITH_TIMEOUT(executor.session(id)->busy, 20000);
        auto second = runIn(executor, id, "print('second')");
        QCOMPARE(statusOf(second.status), std::string("invalid_request"));
        QCOMPARE(second.errorCode, std::string(errc::SessionBusy));
        QVERIFY(second.stdoutData.empty());
        QCOMPARE(executor.restartSession(id).error().code, std::string(errc::SessionBusy));
        QCOMPARE(slow.get().stdoutData, std::string("slow\n"));
        QCOMPARE(runIn(executor, id, "print('next')").stdoutData, std::string("next\n"));
        QVERIFY(executor.closeSession(id));
    }

    void restartAndCloseOnDemand()
    {
        run::Executor executor(configWithoutPool());
        const std::string id = openOne(executor);
        QVERIFY(!id.empty());
        runIn(executor, id, "kept = 1");
        QVERIFY(executor.restartSession(id));
        auto after = runIn(executor, id, "try:\n    print(kept)\nexcept NameError:\n    print('False')");
        QCOMPARE(after.stdoutData, std::string("False\n"));
        QVERIFY(executor.closeSession(id));
        QCOMPARE(runIn(executor, id, "print(1)").errorCode, std::string(errc::SessionNotFound));
        QCOMPARE(executor.closeSession(id).error().code, std::string(errc::SessionNotFound));
        QTRY_COMPARE_WITH_TIMEOUT(testing::managedContainers(*m_client), 0, 30000);
    }

    void closingStopsARunInIt()
    {
        run::Executor executor(configWithoutPool());
        const std::string id = openOne(executor);
        QVERIFY(!id.empty());
        auto stuck = std::async(std::launch::async,
                                [&] { return runIn(executor, id, "import time\ntime.sleep(60)"); });
        QTRY_VERIFY_WITH_TIMEOUT(executor.session(id)->busy, 20000);
        QTest::qWait(300);
        QVERIFY(executor.closeSession(id));
        auto result = stuck.get();
        QCOMPARE(statusOf(result.status), std::string("killed"));
        QVERIFY(result.session && result.session->restarted);
        QTRY_COMPARE_WITH_TIMEOUT(testing::managedContainers(*m_client), 0, 30000);
    }

    void idleSessionsExpire()
    {
        run::Executor executor(configWithoutPool(2));
        const std::string id = openOne(executor);
        QVERIFY(!id.empty());
        QCOMPARE(testing::managedContainers(*m_client), 1);
        QTRY_VERIFY_WITH_TIMEOUT(!executor.session(id), 30000);
        QCOMPARE(executor.session(id).error().code, std::string(errc::SessionNotFound));
        QTRY_COMPARE_WITH_TIMEOUT(testing::managedContainers(*m_client), 0, 30000);
    }

    void theCapOnSessions()
    {
        run::Executor executor(configWithoutPool());
        std::vector<std::string> ids;
        for (int i = 0; i < 3; ++i) {
            ids.push_back(openOne(executor));
            QVERIFY(!ids.back().empty());
        }
        auto refused = executor.openSession({});
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, std::string(errc::SessionLimit));
        QCOMPARE(executor.sessions().size(), std::size_t{3});
        model::Limits bad;
        bad.memoryBytes = 5;
        QVERIFY(executor.closeSession(ids.front()));
        auto invalid = executor.openSession(bad);
        QVERIFY(!invalid);
        QVERIFY(invalid.error().code.starts_with("limits."));
    }

    void nothingOutlivesTheExecutor()
    {
        {
            run::Executor executor(configWithoutPool());
            QVERIFY(!openOne(executor).empty());
            QVERIFY(!openOne(executor).empty());
        }
        QTRY_COMPARE_WITH_TIMEOUT(testing::managedContainers(*m_client), 0, 30000);
    }
};

QTEST_APPLESS_MAIN(TestSessions)
#include "tst_sessions.moc"
