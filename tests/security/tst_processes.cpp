// The P rows (processes, P1–P5) of docs/security.md, "Results of the suite", through Executor::run with
// the static check skipped.
#include "helper_security.h"

using namespace sectest;

namespace {

std::vector<Case> cases()
{
    std::vector<Case> all;
    Limits quick = smallLimits();
    quick.timeoutSeconds = 2;
    Limits roomy = smallLimits();
    roomy.timeoutSeconds = 8;

    all.push_back({.id = "P1",
                   .scenario = "double fork + setsid daemon",
                   .code = "import os, time\n"
                           "if os.fork() == 0:\n"
                           "    os.setsid()\n"
                           "    if os.fork() == 0:\n"
                           "        open('/tmp/daemon.pid', 'w').write(str(os.getpid()))\n"
                           "        while True:\n"
                           "            time.sleep(0.05)\n"
                           "            print('daemon alive', flush=True)\n"
                           "    os._exit(0)\n"
                           "time.sleep(0.3)\n"
                           "print('main exits', flush=True)\n",
                   .status = Status::Ok,
                   .expect = {"daemon alive", "main exits"},
                   .limitKill = true, // the daemon must not outlive the run: container gone, next run clean
                   .limits = quick,
                   // status ok = it ended with the main program, not at the time limit
                   .extra = [](const RunResult& r) {
                       // Once the main program ended, at most one more line got out before the sweep.
                       const auto tail = r.stdoutData.substr(r.stdoutData.find("main exits"));
                       // gVisor's kill sweep is slower: up to three lines (150 ms) there.
                       const std::size_t lines = gvisor() ? 3 : 1;
                       QVERIFY2(tail.size() <= std::string("main exits\n").size() + lines * 13, tail.c_str());
                   }});
    all.push_back(
        {.id = "P2",
         .scenario = "children never waited on",
         .code =
             "import os, time\n"
             "for i in range(20):\n"
             "    if os.fork() == 0:\n"
             "        if os.fork() == 0:\n"
             "            time.sleep(0.1); os._exit(0)\n" // orphan: reparented to init
             "        os._exit(0)\n"
             "while True:\n"
             "    try: os.waitpid(-1, 0)\n"
             "    except ChildProcessError: break\n"
             "time.sleep(0.5)\n"
             "def stat(p): return open('/proc/%s/stat' % p).read().rsplit(')', 1)[1].split()\n"
             "print('init', open('/proc/1/cmdline').read().split('\\0')[1])\n"
             "print('zombies', sum(1 for p in os.listdir('/proc') if p.isdigit() and stat(p)[0] == 'Z'))\n",
         .status = Status::Ok,
         // The agent is the init (docs/security.md, P6) and reaps the orphans while the program runs.
         .expect = {"init /opt/agentrun/agent.py", "zombies 0"}});
    all.push_back({.id = "P3",
                   .scenario = "SIGTERM ignored + busy loop",
                   .code = "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True: pass\n",
                   .status = Status::Timeout,
                   .message = "timed out after 2 s",
                   .limitKill = true,
                   .limits = quick,
                   .maxSeconds = 6,
                   .extra = [](const RunResult& r) { QCOMPARE(r.exitCode, 137); }});
    all.push_back({.id = "P4",
                   .scenario = "timeout with detached children",
                   .code = "import subprocess, time\n"
                           "subprocess.Popen(['sh', '-c', 'while :; do echo child >/tmp/x; done'],"
                           " start_new_session=True)\n"
                           "subprocess.Popen(['sleep', '1000000'], start_new_session=True)\n"
                           "time.sleep(10**6)\n",
                   .status = Status::Timeout,
                   .message = "the sandbox was stopped",
                   .limitKill = true, // gone = the code was killed, not just the client
                   .limits = quick,
                   .maxSeconds = 6});
    all.push_back({.id = "P5.segv",
                   .scenario = "segfault",
                   .code = "import ctypes\nctypes.string_at(0)\n",
                   .status = Status::Killed,
                   .message = "crashed (SIGSEGV)",
                   .extra = [](const RunResult& r) {
                       QCOMPARE(r.exitCode, 139);
                       QCOMPARE(r.errorCode, std::string("run.crashed"));
                   }});
    all.push_back({.id = "P5.exit3",
                   .scenario = "sys.exit(3)",
                   .code = "import sys\nsys.exit(3)\n",
                   .status = Status::Exception,
                   .message = "exited with status 3",
                   .reject = {"SIGSEGV"},
                   .extra = [](const RunResult& r) { QCOMPARE(r.exitCode, 3); }});
    return all;
}

const std::vector<Case>& table()
{
    static const std::vector<Case> all = cases();
    return all;
}

} // namespace

class TestProcesses : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { m_suite.init("processes"); }

    void cases_data() { addRows(table()); }

    void cases()
    {
        QFETCH(int, index);
        m_suite.check(table()[static_cast<std::size_t>(index)]);
    }

    void cleanupTestCase() { m_suite.finish(); }

private:
    Suite m_suite;
};

QTEST_APPLESS_MAIN(TestProcesses)
#include "tst_processes.moc"
