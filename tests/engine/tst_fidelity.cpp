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

model::Limits limits()
{
    model::Limits l;
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

/// boot.py run by hand on a program, telling on stderr when it skipped the interpreter's teardown.
Outcome bootByHand(engine::Client& client, const std::string& code)
{
    auto spec = sandbox::containerSpec(limits(), testing::sandboxImage());
    spec["Entrypoint"] = {"sh", "-c",
                          "printf %s \"$CODE\" > /tmp/main.py; { echo 0; cat /tmp/main.py; } > /tmp/payload; "
                          "unset CODE; cd /tmp; AGENTRUN_TRACE_TEARDOWN=1 python3 /opt/agentrun/boot.py "
                          "3</tmp/payload </dev/null; s=$?; sleep 0.3; exit $s"};
    spec["Env"].push_back("CODE=" + code);
    spec["Labels"]["org.agentrun.owner-pid"] = std::to_string(::getpid());
    return testing::runAttached(client, spec);
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
        // What the interpreter's teardown does (boot.py skips the teardown only when none of it shows).
        row("__del__ at exit",
            "class A:\n    def __del__(self):\n        print('deleted')\n\na = A()\nprint('end')");
        row("__del__ of a class with no tracked objects",
            "class A:\n    __slots__ = ()\n    def __del__(self):\n        print('deleted')\n\na = A()");
        row("cycle with __del__", "class A:\n    def __del__(self):\n        print('collected')\n\n"
                                  "a = A()\na.me = a\ndel a\nprint('end')");
        row("__del__ after an exception", "class A:\n    def __del__(self):\n        print('deleted')\n\n"
                                          "a = A()\nraise ValueError('x')");
        row("__del__ after sys.exit(4)",
            "import sys\nclass A:\n    def __del__(self):\n        print('deleted')\n\na = A()\nsys.exit(4)");
        row("generator finally at exit", "def g():\n    try:\n        yield 1\n    finally:\n        "
                                         "print('generator closed')\n\nit = g()\nnext(it)");
        row("unclosed file on fd 1", "f = open(1, 'w', closefd=False)\nf.write('buffered until teardown')");
        row("weakref callback at exit", "import weakref\nclass A:\n    pass\n\na = A()\n"
                                        "r = weakref.ref(a, lambda _: print('callback'))");
        row("logging at exit", "import logging\nlogging.basicConfig()\nlogging.warning('logged')");
        row("C stdio buffer", "import ctypes\nctypes.CDLL(None).printf(b'from C\\n')\nprint('from Python')");
        row("stdout replaced",
            "import sys\nclass W:\n    def write(self, s):\n        sys.__stdout__.write(s.upper())\n"
            "    def flush(self):\n        sys.__stdout__.write('[flush]')\n\nsys.stdout = W()\nprint('hi')");
        row("PYTHONINSPECT set by the program", "import os\nos.environ['PYTHONINSPECT'] = '1'\nprint('x')");
        row("audit hook", "import sys\ndone = [False]\nsys.addaudithook(lambda e, a: done[0] and print(e))\n"
                          "print('x')\ndone[0] = True");
        row("ResourceWarning shown",
            "import warnings, _socket\nwarnings.simplefilter('always')\ns = _socket.socket()\nprint('x')");
        row("daemon thread",
            "import threading, time\nthreading.Thread(target=time.sleep, args=(5,), daemon=True).start()\n"
            "print('main done')");
        row("sys.exit(True)", "import sys\nsys.exit(True)");
        row("sys.exit(256)", "import sys\nsys.exit(256)");
        row("sys.exit(-1)", "import sys\nsys.exit(-1)");
        row("gc sees the program's objects",
            "import gc\nclass A:\n    pass\n\na = A()\nprint(any(o is a for o in gc.get_objects()))");
        row("stdlib imports",
            "import json, re, collections, math, itertools\nprint(json.dumps({'a': math.pi}))");
        // boot.py hands such a source to python3 main.py (as NUL bytes and bytes not UTF-8, which a row
        // cannot carry: checked by hand).
        row("source not in its declared coding", "# -*- coding: ascii -*-\nprint('é')");
        // How Python's top level ends after an uncaught exception (_PyErr_PrintEx, exit_sigint).
        row("KeyboardInterrupt", "print('before')\nraise KeyboardInterrupt");
        row("KeyboardInterrupt subclass", "class Stop(KeyboardInterrupt):\n    pass\n\nraise Stop('stop')");
        row("KeyboardInterrupt and atexit",
            "import atexit, sys\n"
            "atexit.register(lambda: print(repr(sys.last_value), sys.excepthook is sys.__excepthook__))\n"
            "raise KeyboardInterrupt('stop')");
        row("excepthook sees no exception being handled",
            "import sys, traceback\ndef hook(kind, value, tb):\n    print('Unhandled:', value)\n"
            "    traceback.print_exc()\n\nsys.excepthook = hook\nraise ValueError('boom')");
        row("excepthook raises",
            "import sys\ndef hook(kind, value, tb):\n    raise RuntimeError('hook broke')\n\n"
            "sys.excepthook = hook\nraise ValueError('boom')");
        row("excepthook missing", "import sys\ndel sys.excepthook\nraise ValueError('x')");
        row("excepthook exits", "import sys\ndef hook(*args):\n    print('hook')\n    "
                                "sys.exit(5)\n\nsys.excepthook = hook\nraise ValueError");
        row("sys.last_value at exit",
            "import atexit, sys\natexit.register(lambda: print('crashed with', repr(sys.last_value)))\n"
            "raise ValueError('boom')");
        row("audit of sys.excepthook",
            "import sys\nsys.addaudithook(lambda e, a: e == 'sys.excepthook' and print('audit', e))\n"
            "raise ValueError('x')");
        row("warnings.filters rebound",
            "import warnings, _socket\nwarnings.filters = []\ns = _socket.socket()\n"
            "print('end')");
        row("sub-interpreter atexit",
            "import _xxsubinterpreters as s\ni = s.create()\n"
            "s.run_string(i, \"import atexit; atexit.register(print, 'sub atexit')\")\nprint('end')");
        row("exception class with its own with_traceback",
            "class E(Exception):\n    def with_traceback(self, tb):\n        print('called')\n"
            "        return super().with_traceback(tb)\n\nraise E('x')");
        row("file frozen by the program",
            "import gc\nf = open(1, 'w', closefd=False)\nf.write('buffered in a frozen file')\ngc.freeze()");
        row("gc callback at exit",
            "import gc\ngc.callbacks.append(lambda phase, info: print('gc', phase, info['generation']))\n"
            "print('end')");
    }

    void sameAsByHand()
    {
        QFETCH(QString, code);
        QFETCH(QString, input);
        const std::string source = code.toStdString();
        const std::string stdinData = input.toLatin1().toStdString();
        const Outcome expected = byHand(*m_client, source, stdinData);

        model::RunSpec request;
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

    /// The teardown is skipped for plain programs (the speed of a warm run depends on it) and never
    /// when any of it could show; the rows above prove the output is the same either way.
    void teardownSkippedOnlyWhenUnseen_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<bool>("skipped");
        const auto row = [](const char* name, const char* code, bool skipped) {
            QTest::newRow(name) << QString::fromUtf8(code) << skipped;
        };
        row("hello", "print('Hello, World!')", true);
        row("stdlib imports", "import json, re, collections, math\nprint(json.dumps({'a': math.pi}))", true);
        row("uncaught exception", "raise ValueError('x')", true);
        row("sys.exit(3)", "import sys\nsys.exit(3)", true);
        row("threads that ended",
            "import threading\nt = threading.Thread(target=print, args=('t',))\n"
            "t.start()\nt.join()",
            true);
        row("sys.exit(message)", "import sys\nsys.exit('bye')", false);
        row("sys.exit(256)", "import sys\nsys.exit(256)", false);
        row("__del__", "class A:\n    def __del__(self):\n        pass\n\na = A()", false);
        row("class with __del__, no object", "class A:\n    def __del__(self):\n        pass", false);
        row("generator alive", "def g():\n    yield 1\n\nit = g()", false);
        row("open file", "f = open('/tmp/x', 'w')", false);
        row("weakref callback",
            "import weakref\nclass A:\n    pass\n\na = A()\n"
            "r = weakref.ref(a, print)",
            false);
        row("atexit", "import atexit\natexit.register(print, 'bye')", false);
        row("thread alive",
            "import threading, time\n"
            "threading.Thread(target=time.sleep, args=(1,), daemon=True).start()",
            false);
        row("ctypes", "import ctypes", false);
        row("module from /tmp", "open('/tmp/helper.py', 'w').write('X = 1')\nimport helper", false);
        row("warnings filter changed", "import warnings\nwarnings.simplefilter('always')", false);
        row("stdout replaced", "import sys, io\nsys.stdout = io.StringIO()", false);
        row("trace function", "import sys\nsys.settrace(lambda *a: None)", false);
        row("PYTHONINSPECT", "import os\nos.environ['PYTHONINSPECT'] = '1'", false);
        row("audit hook", "import sys\nsys.addaudithook(lambda e, a: None)", false);
        row("audited calls without a hook", "import os\nos.listdir('/tmp')\nopen('/tmp/y', 'w').close()",
            true);
        row("KeyboardInterrupt", "raise KeyboardInterrupt", true);
        row("excepthook of the program",
            "import sys\nsys.excepthook = lambda *a: print('hook')\nraise ValueError", true);
        row("weak containers and thread-local data",
            "import threading, weakref\nclass A:\n    pass\n\na = A()\n"
            "d = weakref.WeakValueDictionary({1: a})\nk = weakref.WeakKeyDictionary({a: 1})\n"
            "s = weakref.WeakSet([a])\nlocal = threading.local()\nlocal.x = A()",
            true);
        // pprint prints the dead weakref (with its address, so not a row above) when the teardown runs it.
        row("standard library function as weakref callback",
            "import pprint, weakref\nclass A:\n    pass\n\na = A()\nr = weakref.ref(a, pprint.pprint)",
            false);
        row("gc callback", "import gc\ngc.callbacks.append(lambda phase, info: None)", false);
        // Lists what the teardown's collection frees (with addresses, so not a row above).
        row("warning shown", "import warnings\nwarnings.warn('careful')", true);
        row("warnings.filters rebound", "import warnings\nwarnings.filters = []", false);
        row("sub-interpreters", "import _xxsubinterpreters", false);
        row("gc.freeze() by the program", "import gc\ngc.freeze()", false);
        row("gc debug", "import gc\ngc.set_debug(gc.DEBUG_COLLECTABLE)", false);
    }

    void teardownSkippedOnlyWhenUnseen()
    {
        QFETCH(QString, code);
        QFETCH(bool, skipped);
        const Outcome outcome = bootByHand(*m_client, code.toStdString());
        QCOMPARE(outcome.err.find("agentrun: teardown skipped\n") != std::string::npos, skipped);
    }

private:
    std::unique_ptr<engine::Client> m_client;
    std::unique_ptr<run::Executor> m_executor;
};

QTEST_APPLESS_MAIN(TestFidelity)
#include "tst_fidelity.moc"
