// Opt-in recycle mode (issue 4): a container serves several runs, and nothing of one run — files in
// /tmp or /dev/shm, processes, System V IPC, environment, imported or poisoned modules — reaches the
// next. Each check first proves the two runs really shared a container (same hostname).
#include "helper_engine.h"

#include "agentrun/run/executor.h"

#include <QTest>

using namespace agentrun;

namespace {

model::RunResult runCode(run::Executor& executor, const std::string& code, double timeout = 20)
{
    model::RunSpec request;
    request.code = code;
    request.limits.timeoutSeconds = timeout;
    request.skipCheck = true; // the container is under test here, not the lint
    run::RunObserver observer;
    run::CancelToken cancel;
    return executor.run(request, observer, cancel);
}

std::string hostnameOf(const model::RunResult& result)
{
    const auto end = result.stdoutData.find('\n');
    return result.stdoutData.substr(0, end);
}

// Leaves everything it can behind.
constexpr const char* Polluter = R"py(import ctypes, os, socket, subprocess, sys
print(socket.gethostname())
open("/tmp/leak.txt", "w").write("secret")
os.makedirs("/tmp/.hidden/dir", exist_ok=True)
os.makedirs("/tmp/locked/inner")
open("/tmp/locked/inner/f", "w").write("x")
os.chmod("/tmp/locked/inner", 0o500)
os.chmod("/tmp/locked", 0)
open("/dev/shm/leak", "w").write("secret")
os.environ["LEAK"] = "1"
sys.modules["json"] = "poisoned"
libc = ctypes.CDLL(None)
print("shm", libc.shmget(0x5eed, 4096, 0o1666))
subprocess.Popen(["sleep", "1000"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    import time
    time.sleep(1000)
print("left")
)py";

// Looks for all of it.
constexpr const char* Inspector = R"py(import os, socket, sys
print(socket.gethostname())
print("tmp", sorted(os.listdir("/tmp")))
print("shm", sorted(os.listdir("/dev/shm")))
print("env", os.environ.get("LEAK"))
import json
print("json", type(json).__name__)
me, agent = os.getpid(), os.getppid()
others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (me, agent)
          and os.stat("/proc/" + p).st_uid == os.getuid()]
print("procs", others)
rows = open("/proc/sysvipc/shm").read().splitlines()[1:]
print("ipc", len(rows))
try:  # the init outlives runs: nobody may write into it
    open("/proc/1/mem", "r+b")
    print("init writable")
except OSError as error:
    print("init", type(error).__name__)
)py";

} // namespace

class TestRecycle : public QObject
{
    Q_OBJECT

    std::unique_ptr<engine::Client> m_client;
    int m_baseline = 0;

private Q_SLOTS:
    void initTestCase()
    {
        m_client = testing::requireEngine();
        m_baseline = testing::managedContainers(*m_client);
    }

    void nothingReachesTheNextRun()
    {
        run::ExecutorConfig config{testing::sandboxImage(), {}, 1};
        config.recycleRuns = 3;
        run::Executor executor(config);

        const auto first = runCode(executor, Polluter);
        QVERIFY2(first.status == model::Status::Ok,
                 (first.message + " " + first.stdoutData + first.stderrData).c_str());
        QVERIFY2(first.stdoutData.ends_with("left\n"), first.stdoutData.c_str());
        // System V IPC cannot be made at all (ipcfilter.py); tests/security/tst_recycleleaks.cpp looks
        // for every other place.
        QVERIFY2(first.stdoutData.find("shm -1") != std::string::npos, "the polluter made an IPC segment");

        const auto second = runCode(executor, Inspector);
        QVERIFY2(second.status == model::Status::Ok,
                 (second.message + " " + second.stdoutData + second.stderrData).c_str());
        QCOMPARE(hostnameOf(second), hostnameOf(first)); // the same container served both
        QCOMPARE(
            second.stdoutData.substr(second.stdoutData.find('\n') + 1),
            std::string(
                "tmp ['main.py']\nshm []\nenv None\njson module\nprocs []\nipc 0\ninit PermissionError\n"));
        QCOMPARE(second.stderrData, std::string());

        // The third run is the container's last; the fourth gets a fresh one.
        const auto third = runCode(executor, Inspector);
        QCOMPARE(hostnameOf(third), hostnameOf(first));
        const auto fourth = runCode(executor, Inspector);
        QVERIFY2(fourth.status == model::Status::Ok,
                 (fourth.message + " " + fourth.stdoutData + fourth.stderrData).c_str());
        QVERIFY(hostnameOf(fourth) != hostnameOf(first));
    }

    void troubledRunsAreNotRecycled()
    {
        run::ExecutorConfig config{testing::sandboxImage(), {}, 1};
        config.recycleRuns = 10;
        run::Executor executor(config);

        const auto timedOut = runCode(
            executor, "import socket, time\nprint(socket.gethostname(), flush=True)\ntime.sleep(60)", 2);
        QVERIFY2(timedOut.status == model::Status::Timeout,
                 (timedOut.message + " " + timedOut.stdoutData + timedOut.stderrData).c_str());
        const auto after = runCode(executor, Inspector);
        QVERIFY2(after.status == model::Status::Ok,
                 (after.message + " " + after.stdoutData + after.stderrData).c_str());
        QVERIFY(hostnameOf(after) != hostnameOf(timedOut)); // killed: its container went

        // An ordinary failure (exception, exit code) is a clean end: recycled.
        const auto failed =
            runCode(executor, "import socket\nprint(socket.gethostname())\nraise SystemExit(3)");
        QCOMPARE(failed.exitCode, 3);
        const auto next = runCode(executor, Inspector);
        QCOMPARE(hostnameOf(next), hostnameOf(failed));
        QVERIFY(next.stdoutData.find("procs []") != std::string::npos);
    }

    void cleanupTestCase()
    {
        QTRY_COMPARE_WITH_TIMEOUT(testing::managedContainers(*m_client), m_baseline, 30000);
    }
};

QTEST_GUILESS_MAIN(TestRecycle)
#include "tst_recycle.moc"
