// Fidelity: a program run through the executor gives the same stdout, stderr and exit status as the
// same file run by hand with `python3 main.py` in /tmp of the same image and the same hardening.
#include "helper_engine.h"

#include "agentrun/engine/demuxer.h"
#include "agentrun/run/executor.h"
#include "agentrun/sandbox/containerspec.h"

#include <QTest>

#include <chrono>
#include <unistd.h>

using namespace agentrun;
using namespace std::chrono_literals;

namespace {

using Outcome = testing::ContainerOutput;

run::Limits limits()
{
    run::Limits l;
    l.timeoutSeconds = 20;
    l.memoryBytes = l.memorySwapBytes = 128ll << 20;
    l.tmpfsBytes = 16ll << 20;
    return l;
}

/// The reference: the file written to /tmp/main.py and run by hand, nothing of AgentRun in between.
Outcome byHand(engine::Client& client, const std::string& code, const std::string& input)
{
    auto spec = sandbox::containerSpec(limits(), testing::sandboxImage());
    // The short sleep keeps the container up while the engine copies the last output (the engine may cut
    // the attach stream at exit: moby/moby#49655); the exit status is python3's.
    spec["Entrypoint"] = {
        "sh", "-c",
        "printf %s \"$CODE\" > /tmp/main.py; unset CODE; cd /tmp; python3 main.py; s=$?; sleep 0.3; "
        "exit $s"};
    spec["Env"].push_back("CODE=" + code);
    spec["Labels"]["org.agentrun.owner-pid"] = std::to_string(::getpid());
    return testing::runAttached(client, spec, input);
}

} // namespace

class TestFidelity : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        m_client = testing::requireEngine();
        m_executor = std::make_unique<run::Executor>(run::ExecutorConfig{testing::sandboxImage(), {}, 2});
    }

    void cleanupTestCase() { m_executor.reset(); }

    void sameAsByHand_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("input");
        const auto row = [](const char* name, const char* code, const char* input = "") {
            QTest::newRow(name) << QString::fromUtf8(code) << QString::fromUtf8(input);
        };
        row("hello", "print('Hello, World!')");
        row("unicode", "print('héllo ✓ 日本語 🎉')");
        row("partial line", "import sys\nsys.stdout.write('no newline')");
        row("both streams", "import sys\nprint('out')\nprint('err', file=sys.stderr)");
        row("value error", "raise ValueError('bad value')");
        row("key error in function", "def f():\n    return {}['missing']\n\nf()");
        row("zero division", "x = 0\nprint(1 / x)");
        row("chained from", "try:\n    1/0\nexcept ZeroDivisionError as e:\n    raise KeyError('k') from e");
        row("chained implicit", "try:\n    int('x')\nexcept ValueError:\n    raise RuntimeError('again')");
        row("exception group", "raise ExceptionGroup('many', [ValueError('a'), TypeError('b')])");
        row("recursion", "def f(n):\n    return f(n + 1)\n\nf(0)");
        row("syntax error", "print(");
        row("indentation error", "if True:\nprint(1)");
        row("name error suggestion", "counter = 1\nprint(countr)");
        row("attribute error suggestion", "import math\nmath.sqroot(2)");
        row("assert", "assert 1 == 2, 'numbers differ'");
        row("sys.exit(0)", "import sys\nprint('x')\nsys.exit(0)");
        row("sys.exit(3)", "import sys\nsys.exit(3)");
        row("sys.exit(message)", "import sys\nsys.exit('goodbye')");
        row("sys.exit(None)", "import sys\nsys.exit(None)");
        row("raise SystemExit(7)", "raise SystemExit(7)");
        row("os._exit", "import os\nprint('flushed', flush=True)\nos._exit(5)");
        row("input without stdin", "input()");
        row("input with stdin", "name = input('name? ')\nprint('hi', name)", "Ada\n");
        row("stdin binary", "import sys\ndata = sys.stdin.buffer.read()\nprint(len(data), data[:5])",
            "\x01\x02"
            "abc\xff");
        row("stdin lines", "import sys\nfor line in sys.stdin:\n    print(line.strip()[::-1])", "abc\ndef\n");
        row("large output", "for i in range(20000):\n    print(i, 'x' * 20)");
        row("stderr flood", "import sys\nfor i in range(5000):\n    print(i, file=sys.stderr)");
        row("binary stdout", "import sys\nsys.stdout.buffer.write(bytes(range(256)))");
        row("__name__", "print(__name__)\nif __name__ == '__main__':\n    print('main')");
        row("__file__", "print(__file__)");
        row("argv and path", "import sys\nprint(sys.argv, sys.path[0])");
        row("globals", "print(sorted(k for k in globals() if k.startswith('__')))");
        row("__spec__ and __loader__", "print(__spec__, type(__loader__).__name__, __cached__, __package__)");
        row("__doc__", "'''The docstring.'''\nprint(__doc__)");
        row("atexit", "import atexit\natexit.register(lambda: print('at exit'))\nprint('main done')");
        row("thread outlives main", "import threading, time\n"
                                    "def late():\n    time.sleep(0.2)\n    print('thread done')\n"
                                    "threading.Thread(target=late).start()\nprint('main done')");
        row("thread exception", "import threading\n"
                                "def boom():\n    raise RuntimeError('in thread')\n"
                                "t = threading.Thread(target=boom)\nt.start()\nt.join()\nprint('after')");
        row("warning", "import warnings\nwarnings.warn('careful')\nprint('ok')");
        row("deprecation shown in main", "import warnings\nwarnings.warn('old', DeprecationWarning)");
        row("cwd and files", "import os\nopen('data.txt', 'w').write('x')\nprint(os.getcwd(), "
                             "sorted(os.listdir('.')) == sorted(os.listdir('/tmp')))");
        row("excepthook set by the program", "import sys\n"
                                             "sys.excepthook = lambda t, v, tb: print('custom:', v)\n"
                                             "raise ValueError('handled by hook')");
        row("unicode error", "b'\\xff'.decode('utf-8')");
        row("print to closed stdout", "import sys, os\nos.close(1)\nprint('lost')");
    }

    void sameAsByHand()
    {
        QFETCH(QString, code);
        QFETCH(QString, input);
        const std::string source = code.toStdString();
        const std::string stdinData = input.toLatin1().toStdString();
        const Outcome expected = byHand(*m_client, source, stdinData);

        run::RunRequest request;
        request.code = source;
        request.stdinData = stdinData;
        request.limits = limits();
        request.skipCheck = true;
        run::RunObserver observer;
        run::CancelToken cancel;
        const auto result = m_executor->run(request, observer, cancel);
        QCOMPARE(result.stdoutData, expected.out);
        QCOMPARE(result.stderrData, expected.err);
        QCOMPARE(result.exitCode, expected.exitCode);
    }

private:
    std::unique_ptr<engine::Client> m_client;
    std::unique_ptr<run::Executor> m_executor;
};

QTEST_APPLESS_MAIN(TestFidelity)
#include "tst_fidelity.moc"
