// Recycle mode (one container, several runs) against every place a run could leave something for the
// next, found by enumeration rather than from a list: run A walks the whole filesystem (all but /proc
// and /sys) and creates a mark in every folder it can write to, makes every kind of IPC object it can
// (System V shared memory, queues and semaphores, a POSIX message queue with a message in it), binds an
// abstract unix socket and leaves processes behind; run B, in the same container, must find none of
// it. A new writable place in the image or the container is caught here without changing the test.
// Issue 21 item 7: run B read run A's POSIX message queue. Runs under runc and (security.*.runsc) gVisor.
#include "helper_security.h"

#include "helper_engine.h"

#include <nlohmann/json.hpp>

using namespace sectest;
using nlohmann::json;

namespace {

// Prints one JSON line: where it left marks, which IPC objects it made.
constexpr const char* Marker = R"py(import ctypes, json, os, socket, subprocess, time
print(socket.gethostname())
token = "agentrun-mark-" + os.urandom(4).hex()
marks, unwritable = [], 0
for root, dirs, files in os.walk("/"):
    if root == "/":
        dirs[:] = [d for d in dirs if d not in ("proc", "sys")]
    path = os.path.join(root, token)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        os.write(fd, b"secret")
        os.close(fd)
        marks.append(path)
    except OSError:
        unwritable += 1
libc = ctypes.CDLL(None, use_errno=True)
rt = ctypes.CDLL("librt.so.1", use_errno=True)
made = {"shm": libc.shmget(0x5eed, 4096, 0o1666) >= 0,
        "msg": libc.msgget(0x5eed, 0o1666) >= 0,
        "sem": libc.semget(0x5eed, 1, 0o1666) >= 0}
q = rt.mq_open(b"/" + token.encode(), os.O_CREAT | os.O_WRONLY, 0o666, None)
made["mq"] = q >= 0
if q >= 0:
    rt.mq_send(q, b"secret", 6, 0)
abstract = b"\0" + token.encode()
if os.fork() == 0:  # holds the abstract socket as long as it lives
    os.setsid()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(abstract)
    s.listen(1)
    time.sleep(1000)
    os._exit(0)
subprocess.Popen(["sleep", "1000"], start_new_session=True)
time.sleep(0.5)
probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
made["abstract"] = probe.connect_ex(abstract) == 0
print(json.dumps({"token": token, "marks": marks, "unwritable": unwritable, "made": made}))
)py";

// Reads run A's line from stdin and prints one JSON line with everything of it still there.
constexpr const char* Checker = R"py(import ctypes, json, os, socket, sys
print(socket.gethostname())
a = json.loads(sys.stdin.read())
token, left = a["token"], []
left += [p for p in a["marks"] if os.path.lexists(p)]
for root, dirs, files in os.walk("/"):  # anything named like a mark, wherever it is now
    if root == "/":
        dirs[:] = [d for d in dirs if d not in ("proc", "sys")]
    left += [os.path.join(root, n) for n in dirs + files if n.startswith("agentrun-mark-")]
libc = ctypes.CDLL(None, use_errno=True)
rt = ctypes.CDLL("librt.so.1", use_errno=True)
if libc.shmget(0x5eed, 0, 0) >= 0: left.append("sysv shm")
if libc.msgget(0x5eed, 0) >= 0: left.append("sysv msg")
if libc.semget(0x5eed, 0, 0) >= 0: left.append("sysv sem")
for kind in ("shm", "msg", "sem"):
    try:
        rows = open("/proc/sysvipc/" + kind).read().splitlines()[1:]
        left += ["sysv %s %s" % (kind, r.split()[1]) for r in rows]
    except OSError:
        pass  # gVisor has no /proc/sysvipc: the calls above are the check
if rt.mq_open(b"/" + token.encode(), os.O_RDONLY | os.O_NONBLOCK, 0, None) >= 0: left.append("mqueue")
probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
if probe.connect_ex(b"\0" + token.encode()) == 0: left.append("abstract socket")
me, agent = os.getpid(), os.getppid()
left += ["process %s" % p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (me, agent, 1)
         and os.stat("/proc/" + p).st_uid == os.getuid()]
print(json.dumps(left))
)py";

std::string firstLine(const std::string& text)
{
    return text.substr(0, text.find('\n'));
}

std::string secondLine(const std::string& text)
{
    const auto start = text.find('\n') + 1;
    return text.substr(start, text.find('\n', start) - start);
}

} // namespace

class TestRecycleLeaks : public QObject
{
    Q_OBJECT

    Suite m_suite;

private Q_SLOTS:
    void initTestCase() { m_suite.init("recycleleaks"); }

    void nothingOfRunAReachesRunB()
    {
        agentrun::run::ExecutorConfig config;
        config.image = testing::sandboxImage();
        config.poolSize = 1;
        config.recycleRuns = 2;
        agentrun::run::Executor executor(config);

        auto run = [&](const std::string& code, const std::string& input) {
            agentrun::model::RunSpec request;
            request.code = code;
            request.stdinData = input;
            request.limits = smallLimits();
            request.limits.timeoutSeconds = 120; // a walk of the whole filesystem, on a busy machine
            request.skipCheck = true;
            agentrun::run::RunObserver observer;
            agentrun::run::CancelToken cancel;
            return executor.run(request, observer, cancel);
        };

        const auto a = run(Marker, {});
        QVERIFY2(a.status == Status::Ok, (a.message + " " + a.stdoutData + a.stderrData).c_str());
        const auto marks = json::parse(secondLine(a.stdoutData));
        std::printf("run A: writable %s, unwritable folders %d, made %s\n", marks["marks"].dump().c_str(),
                    marks["unwritable"].get<int>(), marks["made"].dump().c_str());
        // The walk reached the places a run may write to, and the folders it may not.
        const auto written = marks["marks"].dump();
        QVERIFY2(written.find("\"/tmp/agentrun-mark-") != std::string::npos, written.c_str());
        QVERIFY2(written.find("\"/dev/shm/agentrun-mark-") != std::string::npos, written.c_str());
        QVERIFY(marks["unwritable"].get<int>() > 100);
        QVERIFY(marks["made"]["abstract"].get<bool>());

        const auto b = run(Checker, secondLine(a.stdoutData));
        QVERIFY2(b.status == Status::Ok, (b.message + " " + b.stdoutData + b.stderrData).c_str());
        QCOMPARE(firstLine(b.stdoutData), firstLine(a.stdoutData)); // the same container served both
        QVERIFY2(secondLine(b.stdoutData) == "[]", ("left for run B: " + secondLine(b.stdoutData)).c_str());
        // IPC objects cannot be made at all (ipcfilter.py; fs.mqueue.queues_max=0 under runc).
        for (const char* kind : {"shm", "msg", "sem", "mq"}) {
            QVERIFY2(!marks["made"][kind].get<bool>(), kind);
        }
    }

    // The IPC filter leaves what programs use: multiprocessing's locks, queues and pools run on POSIX
    // semaphores and files in /dev/shm, not on System V IPC or message queues.
    void multiprocessingStillWorks()
    {
        Limits limits = smallLimits();
        limits.timeoutSeconds = 60;
        const auto result = m_suite.run(R"py(import multiprocessing as mp
def square(x):
    return x * x
if __name__ == "__main__":
    lock, queue = mp.Lock(), mp.Queue()
    with lock:
        queue.put("queued")
    print(queue.get(timeout=30))
    with mp.Pool(2) as pool:
        print(sum(pool.map(square, range(10))))
)py",
                                        limits);
        QVERIFY2(result.status == Status::Ok, (result.message + " " + result.stderrData).c_str());
        QCOMPARE(result.stdoutData, std::string("queued\n285\n"));
    }

    void cleanupTestCase() { m_suite.finish(); }
};

QTEST_GUILESS_MAIN(TestRecycleLeaks)
#include "tst_recycleleaks.moc"
