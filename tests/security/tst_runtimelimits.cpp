// The R rows (runtime limits, R1–R16) of docs/security.md, "Results of the suite", through Executor::run
// with the static check skipped.
#include "agentrun/run/resultjson.h"
#include "helper_security.h"

#include <nlohmann/json.hpp>

#include <cstdio>

using namespace sectest;

namespace {

std::vector<Case> cases()
{
    std::vector<Case> all;
    Limits quick = smallLimits();
    quick.timeoutSeconds = 2;

    all.push_back({.id = "R1",
                   .scenario = "fork bomb",
                   .code = "import os\nwhile 1: os.fork()\n",
                   // The main program either meets EAGAIN and ends, or keeps forking into the slots its
                   // failing children free until the time limit: contained either way.
                   .status = Status::Exception,
                   .orStatus = {Status::Timeout},
                   // Every failing fork prints a traceback, all at once on one stderr, and Python writes
                   // "BlockingIOError", ": " and the message in separate writes: only the message is
                   // sure to arrive in one piece.
                   .expect = {"[Errno 11] Resource temporarily unavailable"},
                   .limitKill = true,
                   .limits = quick,
                   .maxSeconds = 8,
                   // The summary still names the exception, found among the interleaved lines (each
                   // process writes the name first, so some line starts with it).
                   .extra =
                       [](const RunResult& r) {
                           if (r.status == Status::Exception) {
                               QVERIFY2(r.message.starts_with("The program raised BlockingIOError"),
                                        r.message.c_str());
                           }
                       },
                   // gVisor: 64 forked interpreters cost the sentry more than 128 MiB first: the memory
                   // limit ends it (contained; the container is gone and the next run clean).
                   .underGvisor =
                       [](Case& c) {
                           c.status = Status::OutOfMemory;
                           c.orStatus = {Status::Exception, Status::Timeout};
                           c.expect.clear();
                           c.extra = nullptr;
                       }});
    all.push_back({.id = "R2",
                   .scenario = "1000 threads",
                   .code = "import threading, time\n"
                           "for i in range(1000):\n"
                           "    threading.Thread(target=time.sleep, args=(0.5,), daemon=True).start()\n",
                   .status = Status::Exception,
                   .message = "can't start new thread",
                   .fromTraceback = true,
                   .limitKill = true,
                   .extra = [](const RunResult& r) { QCOMPARE(r.exitCode, 1); },
                   // gVisor: the host pids cgroup is headroom for the sentry (12 per pid + 64) and sleeping
                   // threads are goroutines there, so all 1000 threads start and the program ends normally.
                   .underGvisor =
                       [](Case& c) {
                           c.status = Status::Ok;
                           c.orStatus = {Status::Timeout}; // 1000 starts can take longer under load
                           c.message.clear();
                           c.fromTraceback = false;
                           c.extra = [](const RunResult& r) {
                               // Under load the running threads can reach the host headroom: the sentry
                               // then dies (status 2) and the run ends, contained. Documented.
                               const bool fine = r.status == Status::Ok
                                                     ? r.exitCode == 0
                                                     : r.exitCode == 137 || r.exitCode == 2;
                               QVERIFY2(fine, std::to_string(r.exitCode).c_str());
                           };
                       }});
    all.push_back({.id = "R3",
                   .scenario = "memory hog",
                   .code = "a = []\nwhile 1: a.append(bytearray(10**7))\n",
                   .status = Status::OutOfMemory,
                   .message = "memory limit",
                   .limitKill = true,
                   .extra = [](const RunResult& r) { QCOMPARE(r.exitCode, 137); }});
    all.push_back({.id = "R4",
                   .scenario = "os._exit(137)",
                   .code = "import os\nos._exit(137)\n",
                   .status = Status::Exception,
                   .message = "exited with status 137",
                   .extra = [](const RunResult& r) { QCOMPARE(r.exitCode, 137); }});
    Limits halfCpu = quick;
    halfCpu.cpus = 0.5;
    all.push_back({.id = "R5",
                   .scenario = "busy loop",
                   .code = "while True: pass\n",
                   .status = Status::Timeout,
                   .message = "timed out after 2 s",
                   .limitKill = true,
                   .limits = halfCpu,
                   .maxSeconds = 6});
    all.push_back({.id = "R6.sleep",
                   .scenario = "sleep forever",
                   .code = "import time\ntime.sleep(10**6)\n",
                   .status = Status::Timeout,
                   .message = "timed out",
                   .limitKill = true,
                   .limits = quick,
                   .maxSeconds = 6});
    all.push_back({.id = "R6.urandom",
                   .scenario = "read /dev/urandom forever",
                   .code = "with open('/dev/urandom', 'rb') as f:\n    while True: f.read(1 << 16)\n",
                   .status = Status::Timeout,
                   .message = "timed out",
                   .limitKill = true,
                   .limits = quick,
                   .maxSeconds = 6});
    all.push_back({.id = "R7",
                   .scenario = "input() without stdin",
                   .code = "input()\n",
                   .status = Status::Exception,
                   .message = "EOFError",
                   .fromTraceback = true,
                   .maxSeconds = 10}); // no hang until the timeout; gVisor on a busy machine takes over 2 s
    all.push_back({.id = "R8",
                   .scenario = "write 16 GB",
                   .code = "import errno\n"
                           "for path in ('/opt/big', '/var/tmp/big', '/usr/lib/big'):\n"
                           "    try: open(path, 'wb')\n"
                           "    except OSError as e: print(path, errno.errorcode[e.errno])\n"
                           "with open('big', 'wb') as f:\n"
                           "    for i in range(16 * 1024): f.write(b'\\0' * (1 << 20))\n",
                   .status = Status::Exception,
                   .message = "No space left on device",
                   .fromTraceback = true,
                   .expect = {"/opt/big EROFS", "/var/tmp/big EROFS", "/usr/lib/big EROFS"},
                   // gVisor checks the permission before the read-only mount: EACCES for root-owned dirs.
                   .underGvisor = [](Case& c) {
                       c.expect = {"/opt/big EACCES", "/var/tmp/big EROFS", "/usr/lib/big EACCES"};
                   }});
    Limits tight = smallLimits();
    tight.memoryBytes = tight.memorySwapBytes = 64ll << 20;
    tight.timeoutSeconds = 8;
    all.push_back({.id = "R9",
                   .scenario = "a million tiny files",
                   .code = "import os\nos.mkdir('many')\nn = 0\ntry:\n"
                           "    for n in range(10**6): open('many/%d' % n, 'w').close()\n"
                           "    print('made a million files')\n"
                           "except OSError as e: print('stopped after', n, e.strerror)\n",
                   // /tmp has an inode cap (nr_inodes, from its size): the program gets ENOSPC long
                   // before the inodes could cost the memory limit. C: it fails inside, and goes on.
                   .status = Status::Ok,
                   .expect = {"No space left on device"},
                   .reject = {"made a million files"},
                   .limits = tight,
                   .maxSeconds = 12,
                   // gVisor's tmpfs has no inode cap (nr_inodes is ignored): the files cost memory until the
                   // 64 MiB limit ends the run (contained, but not the runc outcome). Files are slower to
                   // make there (8.5 s were not enough on a busy machine), so the clock is longer.
                   .underGvisor = [](Case& c) {
                       c.status = Status::OutOfMemory;
                       c.expect.clear();
                       c.limits.timeoutSeconds = 40;
                       c.maxSeconds = 50;
                   }});
    Limits bigTmp = quick;
    bigTmp.tmpfsBytes = 120ll << 20; // tmpfs close to the memory limit: the files are what is charged
    all.push_back({.id = "R10.tmp",
                   .scenario = "200 MB into /tmp",
                   .code = "with open('/tmp/fill', 'wb') as f:\n"
                           "    for i in range(200): f.write(b'x' * (1 << 20))\nprint('wrote 200 MB')\n",
                   .status = Status::OutOfMemory,
                   .message = "files in /tmp count too",
                   .reject = {"wrote 200 MB"},
                   .limitKill = true,
                   .limits = bigTmp});
    all.push_back({.id = "R10.shm",
                   .scenario = "200 MB into /dev/shm",
                   .code = "with open('/dev/shm/fill', 'wb') as f:\n"
                           "    for i in range(200): f.write(b'x' * (1 << 20))\nprint('wrote 200 MB')\n",
                   .status = Status::Exception,
                   .message = "No space left on device",
                   .fromTraceback = true,
                   .reject = {"wrote 200 MB"}});
    all.push_back({.id = "R11",
                   .scenario = "leave files for the next run",
                   .code = "import errno\n"
                           "for p in ('/tmp/x', '/dev/shm/x', '/var/tmp/x'):\n"
                           "    try: open(p, 'w').write('left over'); print(p, 'written')\n"
                           "    except OSError as e: print(p, errno.errorcode[e.errno])\n",
                   .status = Status::Ok,
                   .expect = {"/tmp/x written", "/dev/shm/x written", "/var/tmp/x EROFS"},
                   .limitKill = true}); // not a kill, but the point of the row is the next run
    all.push_back({.id = "R12",
                   .scenario = "open 100k files",
                   .code = "fs = []\ntry:\n    for i in range(100000): fs.append(open('/dev/null'))\n"
                           "except OSError as e: print('stopped after', len(fs), e.strerror)\n",
                   .status = Status::Ok,
                   .expect = {"Too many open files"}});
    Limits capped = quick;
    capped.outputLimitBytes = 64ll << 10;
    const auto keptBefore = [](const RunResult& r) {
        QVERIFY(r.stdoutTruncated);
        QVERIFY(r.stdoutData.starts_with("before the flood\n"));
        QVERIFY(r.stdoutData.size() <= (64u << 10));
    };
    all.push_back({.id = "R13.lines",
                   .scenario = "print flood",
                   .code = "print('before the flood', flush=True)\nwhile 1: print('x' * 1000)\n",
                   .status = Status::OutputLimit,
                   .message = "more than 64 KiB to stdout",
                   .limitKill = true,
                   .limits = capped,
                   .maxSeconds = 6,
                   .extra = keptBefore});
    all.push_back({.id = "R13.noline",
                   .scenario = "100 MB without a newline",
                   .code = "import sys\nprint('before the flood', flush=True)\n"
                           "for i in range(100): sys.stdout.write('y' * 10**6)\n",
                   .status = Status::OutputLimit,
                   .message = "more than 64 KiB to stdout",
                   .limitKill = true,
                   .limits = capped,
                   .maxSeconds = 6,
                   .extra = keptBefore});
    all.push_back(
        {.id = "R13.stderr",
         .scenario = "stderr flood",
         .code = "import sys\nprint('stdout is kept')\nwhile 1: sys.stderr.write('e' * 1000 + '\\n')\n",
         .status = Status::OutputLimit,
         .message = "more than 64 KiB to stderr",
         .expect = {"stdout is kept"},
         .limitKill = true,
         .limits = capped,
         .maxSeconds = 6,
         .extra = [](const RunResult& r) {
             QVERIFY(r.stderrTruncated);
             QVERIFY(!r.stdoutTruncated);
         }});
    Limits roomy = quick;
    roomy.outputLimitBytes = 4ll << 20;
    all.push_back({.id = "R14",
                   .scenario = "binary output, lone surrogates",
                   .code = "import os, sys\nsys.stdout.buffer.write(os.urandom(10**6))\n"
                           "sys.stdout.buffer.write(b'\\n\\xed\\xa0\\x80 lone surrogate\\n')\n"
                           "print('\\udcff'.encode('utf-8', 'surrogateescape'))\n",
                   .status = Status::Ok,
                   .expect = {"lone surrogate"},
                   .limits = roomy,
                   .extra = [](const RunResult& r) {
                       // gVisor: one write(2) of 1 MB to the pipe returns after 64 KiB and the unbuffered
                       // raw stream (PYTHONUNBUFFERED) ignores the short count; Linux blocks for all of it.
                       const std::size_t least = gvisor() ? 65536 : 1000000;
                       QVERIFY2(r.stdoutData.size() > least, std::to_string(r.stdoutData.size()).c_str());
                       // The host turns it into valid JSON (U+FFFD for bad bytes) without an exception.
                       std::string text;
                       try {
                           text = agentrun::run::dumpJson(agentrun::run::toJson(r));
                       } catch (...) {
                           QFAIL("serialising the result threw");
                       }
                       const auto parsed = nlohmann::json::parse(text, nullptr, false);
                       QVERIFY(!parsed.is_discarded());
                       QVERIFY(text.find("\xEF\xBF\xBD") != std::string::npos); // U+FFFD
                   }});
    all.push_back({.id = "R15",
                   .scenario = "terminal escapes, bidi, NUL",
                   .code = "print('\\x1b[2J\\x1b]0;title\\x07\\u202eevil\\u202c\\x00end')\n",
                   .status = Status::Ok,
                   .limits = quick,
                   .extra = [](const RunResult& r) {
                       // Byte for byte on the host (the console renders them inert: gui.outputconsole);
                       // in JSON the control characters are escapes, not live bytes.
                       using namespace std::string_literals;
                       QCOMPARE(r.stdoutData, "\x1b[2J\x1b]0;title\x07\xE2\x80\xAE"
                                              "evil\xE2\x80\xAC\0end\n"s);
                       const std::string text = agentrun::run::dumpJson(agentrun::run::toJson(r));
                       QVERIFY(text.find('\x1b') == std::string::npos);
                       QVERIFY(text.find('\0') == std::string::npos);
                       QVERIFY(text.find("\\u001b") != std::string::npos);
                   }});
    all.push_back(
        {.id = "R16",
         .scenario = "thread pools under a pids limit",
         .code = "import os, importlib.util\n"
                 "print({k: os.environ.get(k) for k in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS',"
                 " 'MKL_NUM_THREADS', 'NUMEXPR_NUM_THREADS')})\n"
                 "if importlib.util.find_spec('numpy'):\n"
                 "    import numpy; print('numpy', numpy.ones(3).sum())\n"
                 "else:\n    print('numpy not in the image')\n"
                 "from concurrent.futures import ThreadPoolExecutor\n"
                 "with ThreadPoolExecutor() as pool: print('pool', sum(pool.map(abs, range(-50, 50))))\n",
         .status = Status::Ok,
         .expect = {"'OMP_NUM_THREADS': '1', 'OPENBLAS_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1', "
                    "'NUMEXPR_NUM_THREADS': '1'",
                    "pool 2500"},
         .reject = {"Traceback"},
         .limits = quick});
    return all;
}

const std::vector<Case>& table()
{
    static const std::vector<Case> all = cases();
    return all;
}

} // namespace

class TestRuntimeLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { m_suite.init("runtime limits"); }

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

QTEST_APPLESS_MAIN(TestRuntimeLimits)
#include "tst_runtimelimits.moc"
