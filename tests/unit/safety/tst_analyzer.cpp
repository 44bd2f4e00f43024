// The analyzer against the static-check cases S1–S13 (docs/safety.md, "Tests"), bypass variants, ordinary
// code, positions and bounds.

#include "agentrun/safety/analyzer.h"
#include "agentrun/safety/reportjson.h"

#include <atomic>
#include <thread>

#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTest>

using namespace agentrun::safety;

namespace {

Policy standard()
{
    return *Policy::preset("standard");
}

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

const Finding* findRule(const Report& report, const std::string& rule)
{
    for (const auto& f : report.findings)
        if (f.rule == rule)
            return &f;
    return nullptr;
}

} // namespace

class TestAnalyzer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void blocks_data();
    void blocks();
    void ordinaryCode_data();
    void ordinaryCode();
    void positions_data();
    void positions();
    void imports_data();
    void imports();
    void jsonShape();
    void bounded_data();
    void bounded();
    void networkIsInfoInStandard();
    void threadSafe();
};

void TestAnalyzer::blocks_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("rule");
    QTest::addColumn<int>("line");

    // S1 process execution, with aliases
    QTest::newRow("S1 os.system") << "import os; os.system('id')"
                                  << "process-exec" << 1;
    QTest::newRow("S1 line 2") << "import os\nos.system('ls')"
                               << "process-exec" << 2;
    QTest::newRow("alias import as") << "import os as o\no.system('x')"
                                     << "process-exec" << 2;
    QTest::newRow("alias from-import") << "from os import system as s\nx = 1\ns('x')"
                                       << "process-exec" << 1;
    QTest::newRow("alias assignment") << "import subprocess\nrun = subprocess.run\nrun(['ls'])"
                                      << "process-exec" << 2;
    QTest::newRow("alias chain") << "import subprocess as sp\np = sp\np.Popen(['id'])"
                                 << "process-exec" << 3;
    QTest::newRow("star import") << "from subprocess import *\n\ncheck_output(['id'])"
                                 << "process-exec" << 3;
    QTest::newRow("posix module") << "import posix\nposix.system('id')"
                                  << "process-exec" << 2;
    QTest::newRow("getattr literal module") << "import os\ngetattr(os, 'system')('id')"
                                            << "process-exec" << 2;
    QTest::newRow("literal __import__ chain") << "__import__('os').system('id')"
                                              << "process-exec" << 1;
    QTest::newRow("import_module assigned")
        << "import importlib\nm = importlib.import_module('os')\nm.popen('id')"
        << "process-exec" << 3;
    QTest::newRow("inside function") << "def f():\n    import os\n    return os.execv('/bin/sh', [])"
                                     << "process-exec" << 3;
    QTest::newRow("asyncio subprocess") << "import asyncio\nasyncio.create_subprocess_shell('id')"
                                        << "process-exec" << 2;
    QTest::newRow("pty") << "import pty\npty.spawn('/bin/sh')"
                         << "process-exec" << 2;
    // S2 dynamic import
    QTest::newRow("S2 __import__ concat") << "__import__('o'+'s')"
                                          << "dynamic-import" << 1;
    QTest::newRow("S2 import_module concat") << "import importlib\nimportlib.import_module('o'+'s')"
                                             << "dynamic-import" << 2;
    QTest::newRow("S2 variable name") << "mod = 'os'\n__import__(mod)"
                                      << "dynamic-import" << 2;
    QTest::newRow("S2 chr") << "__import__(chr(111)+chr(115))"
                            << "dynamic-import" << 1;
    QTest::newRow("S2 __import__ as value") << "f = map(__import__, ['os'])"
                                            << "dynamic-import" << 1;
    QTest::newRow("runpy") << "import runpy\nrunpy.run_path('x.py')"
                           << "dynamic-import" << 2;
    // S3 introspection
    QTest::newRow("S3 subclasses") << "().__class__.__base__.__subclasses__()"
                                   << "introspection" << 1;
    QTest::newRow("S3 mro") << "x = ''.__class__.__mro__[1]"
                            << "introspection" << 1;
    QTest::newRow("globals of function") << "def f(): pass\nf.__globals__['os']"
                                         << "introspection" << 2;
    QTest::newRow("gc objects") << "import gc\ngc.get_objects()"
                                << "introspection" << 2;
    QTest::newRow("builtin __self__") << "m = print.__self__"
                                      << "introspection" << 1;
    QTest::newRow("module __dict__") << "import os\nos.__dict__['system']('id')"
                                     << "introspection" << 2;
    // S4 reflection
    QTest::newRow("S4 getattr concat") << "getattr(m, 'sys'+'tem')"
                                       << "reflection" << 1;
    QTest::newRow("S4 getattr variable") << "name = input()\ngetattr(obj, name)"
                                         << "reflection" << 2;
    QTest::newRow("S4 attrgetter") << "import operator\noperator.attrgetter('system')(m)"
                                   << "reflection" << 2;
    QTest::newRow("S4 attrgetter from-import")
        << "from operator import attrgetter\nattrgetter('__globals__')(f)"
        << "reflection" << 2;
    QTest::newRow("S4 methodcaller") << "import operator\noperator.methodcaller('system', 'id')(m)"
                                     << "reflection" << 2;
    QTest::newRow("S4 vars module") << "import os as m\nvars(m)['system']('id')"
                                    << "reflection" << 2;
    QTest::newRow("S4 vars unbound") << "vars(m)"
                                     << "reflection" << 1;
    QTest::newRow("S4 getattr dunder literal") << "getattr(f, '__globals__')"
                                               << "reflection" << 1;
    QTest::newRow("getattr alias") << "g = getattr\ng(m, 'sys' + 'tem')"
                                   << "reflection" << 2;
    // S5 format strings
    QTest::newRow("S5 format globals") << "'{0.__globals__}'.format(f)"
                                       << "format-string" << 1;
    QTest::newRow("S5 format item") << "s = '{x.__init__.__globals__[os]}'\ns.format(x=o)"
                                    << "format-string" << 2;
    QTest::newRow("S5 format_map") << "'{a.__class__}'.format_map({'a': 1})"
                                   << "format-string" << 1;
    QTest::newRow("S5 str.format") << "str.format('{0.__globals__}', f)"
                                   << "format-string" << 1;
    QTest::newRow("S5 Formatter") << "import string\nstring.Formatter().format('{0}', 1)"
                                  << "format-string" << 2;
    QTest::newRow("S5 Formatter from") << "from string import Formatter\nFormatter()"
                                       << "format-string" << 1;
    // S6 decorators
    QTest::newRow("S6 @exec") << "@exec\n@(lambda f: 'print(1)')\ndef f(): pass"
                              << "dynamic-code" << 1;
    QTest::newRow("S6 @eval stack") << "@print\n@eval\n@str\nclass C: pass"
                                    << "dynamic-code" << 2;
    // S7 frames
    QTest::newRow("S7 generator frame") << "def g():\n    yield 1\ng().gi_frame.f_back.f_builtins"
                                        << "frame-access" << 3;
    QTest::newRow("S7 traceback frame")
        << "try:\n    1/0\nexcept Exception as e:\n    e.__traceback__.tb_frame"
        << "frame-access" << 4;
    QTest::newRow("S7 sys._getframe") << "import sys\nsys._getframe(1).f_globals"
                                      << "frame-access" << 2;
    QTest::newRow("S7 inspect") << "import inspect\ninspect.currentframe()"
                                << "frame-access" << 2;
    // S8 match class patterns
    QTest::newRow("S8 match object") << "match f:\n    case object(__globals__=g):\n        pass"
                                     << "introspection" << 2;
    QTest::newRow("S8 match nested") << "match f:\n    case C(x=D(__code__=c)):\n        pass"
                                     << "introspection" << 2;
    // S9 default deny
    QTest::newRow("S9 py2 print") << "print 'hello'"
                                  << "unknown-syntax" << 1;
    QTest::newRow("S9 py2 exec") << "x = 1\nexec 'import os'"
                                 << "unknown-syntax" << 2;
    QTest::newRow("S9 py2 chevron") << "import sys\nprint >>sys.stderr, 'x'"
                                    << "unknown-syntax" << 2;
    // S10 NFKC
    QTest::newRow("S10 fullwidth eval") << QStringLiteral("ｅｖａｌ('1')") << "dynamic-code" << 1;
    QTest::newRow("S10 math bold exec") << QStringLiteral("𝐞𝐱𝐞𝐜('1')") << "dynamic-code" << 1;
    QTest::newRow("S10 fullwidth attribute")
        << QStringLiteral("import os\nos.ｓｙｓｔｅｍ('id')") << "process-exec" << 2;
    QTest::newRow("S10 ligature") << QStringLiteral("import os\nos.ﬁx = 1\n__ｉｍｐｏｒｔ__(x)")
                                  << "dynamic-import" << 3;
    QTest::newRow("S10 long s") << QStringLiteral("import os\nos.ſystem('id')") << "process-exec" << 2;
    // S11 deserialisation, code objects, native code
    QTest::newRow("S11 pickle.loads") << "import pickle\npickle.loads(b'')"
                                      << "deserialization" << 2;
    QTest::newRow("S11 from pickle") << "from pickle import loads as l\nl(b'')"
                                     << "deserialization" << 1;
    QTest::newRow("S11 marshal") << "import marshal\nmarshal.loads(b'')"
                                 << "deserialization" << 2;
    QTest::newRow("S11 yaml.load") << "import yaml\nyaml.load(open('x'))"
                                   << "deserialization" << 2;
    QTest::newRow("S11 CodeType") << "import types\ntypes.CodeType(0, 0)"
                                  << "code-objects" << 2;
    QTest::newRow("S11 FunctionType call") << "from types import FunctionType\nFunctionType(c, {})"
                                           << "code-objects" << 2;
    QTest::newRow("S11 ctypes") << "import ctypes\nctypes.CDLL(None)"
                                << "native-code" << 1;
    QTest::newRow("S11 ctypes from") << "from ctypes import util"
                                     << "native-code" << 1;
    QTest::newRow("S11 cffi") << "x = 1\nimport cffi"
                              << "native-code" << 2;
    // S12 strings fed into exec, builtins lookups
    QTest::newRow("S12 exec b64decode") << "from base64 import b64decode\nexec(b64decode('aW1wb3J0IG9z'))"
                                        << "dynamic-code" << 2;
    QTest::newRow("S12 builtins subscript") << "__builtins__['eval']('1')"
                                            << "builtins-access" << 1;
    QTest::newRow("S12 builtins attr") << "__builtins__.eval('1')"
                                       << "builtins-access" << 1;
    QTest::newRow("S12 sys.modules") << "import sys\nsys.modules['os'].system('ls')"
                                     << "builtins-access" << 2;
    QTest::newRow("S12 globals") << "globals()[chr(111)+chr(115)]"
                                 << "builtins-access" << 1;
    QTest::newRow("S12 builtins module") << "import builtins\nbuiltins.exec('1')"
                                         << "dynamic-code" << 2;
    QTest::newRow("exec alias") << "f = eval\nx = 1\nf('1')"
                                << "dynamic-code" << 1;
    QTest::newRow("compile builtin") << "code = compile('1', 'x', 'eval')"
                                     << "dynamic-code" << 1;
    // other rules
    QTest::newRow("signals") << "import os\nos.kill(1, 9)"
                             << "signals" << 2;
    QTest::newRow("syntax error") << "def f(:\n    pass"
                                  << "syntax-error" << 1;
    QTest::newRow("unclosed bracket") << "x = 1\nprint('a'"
                                      << "syntax-error" << 2;
    QTest::newRow("unterminated string") << "x = 'abc\ny = 2"
                                         << "syntax-error" << 1;
}

void TestAnalyzer::blocks()
{
    QFETCH(QString, code);
    QFETCH(QString, rule);
    QFETCH(int, line);
    const Report report = analyze(code.toStdString(), standard());
    QVERIFY2(!report.allowed, qPrintable(describe(report)));
    const Finding* f = findRule(report, rule.toStdString());
    QVERIFY2(f, qPrintable(describe(report)));
    QCOMPARE(toString(f->severity), std::string_view("block"));
    QCOMPARE(f->line, line);
    QVERIFY(!f->message.empty());
    QVERIFY(!f->hint.empty());
}

void TestAnalyzer::ordinaryCode_data()
{
    QTest::addColumn<QString>("code");
    QFile file(QStringLiteral(AGENTRUN_TEST_DATA "/safety/benign.py.txt"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(file.readAll());
    const QRegularExpression separator(QStringLiteral("^#### (.+)$"), QRegularExpression::MultilineOption);
    auto it = separator.globalMatch(text);
    QList<QRegularExpressionMatch> matches;
    while (it.hasNext())
        matches << it.next();
    QVERIFY(matches.size() >= 100);
    for (qsizetype i = 0; i < matches.size(); ++i) {
        const auto start = matches[i].capturedEnd() + 1;
        const auto end = i + 1 < matches.size() ? matches[i + 1].capturedStart() : text.size();
        QTest::newRow(qPrintable(matches[i].captured(1))) << text.mid(start, end - start);
    }
}

void TestAnalyzer::ordinaryCode()
{
    QFETCH(QString, code);
    const Report report = analyze(code.toStdString(), standard());
    QVERIFY2(report.allowed, qPrintable(describe(report)));
    for (const auto& f : report.findings)
        QVERIFY2(f.severity != Severity::Block, qPrintable(describe(report)));
}

void TestAnalyzer::positions_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("rule");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<int>("endLine");
    QTest::addColumn<int>("endColumn");

    QTest::newRow("contract example") << "import os\nos.system('rm -rf /')"
                                      << "process-exec" << 2 << 1 << 2 << 22;
    QTest::newRow("after accents") << QStringLiteral("s = 'héllo wörld'; eval(s)") << "dynamic-code" << 1
                                   << 20 << 1 << 27;
    QTest::newRow("after CJK and emoji")
        << QStringLiteral("x = '日本語😀'; y = eval") << "dynamic-code" << 1 << 17 << 1 << 21;
    QTest::newRow("fullwidth name") << QStringLiteral("# ü\n  ｅｖａｌ('1')") << "dynamic-code" << 2 << 3 << 2
                                    << 12;
    QTest::newRow("multi-line call") << "import subprocess\nsubprocess.run(\n    ['ls']\n)"
                                     << "process-exec" << 2 << 1 << 4 << 2;
    QTest::newRow("syntax error position")
        << QStringLiteral("é = 1\nprint('Hello'") << "syntax-error" << 2 << 6 << 2 << 7;
    QTest::newRow("invalid utf8 position")
        << QStringLiteral("ok = 1\nx = 'ab") + QChar(0xFFFD) << "encoding" << 2 << 8 << 2 << 8;
}

void TestAnalyzer::positions()
{
    QFETCH(QString, code);
    QFETCH(QString, rule);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(int, endLine);
    QFETCH(int, endColumn);
    std::string source = code.toStdString();
    if (rule == QLatin1String("encoding")) // turn the replacement character into a lone invalid byte
        source = source.substr(0, source.size() - 3) + "\xff'";
    const Report report = analyze(source, standard());
    const Finding* f = findRule(report, rule.toStdString());
    QVERIFY2(f, qPrintable(describe(report)));
    QCOMPARE(f->line, line);
    QCOMPARE(f->column, column);
    QCOMPARE(f->endLine, endLine);
    QCOMPARE(f->endColumn, endColumn);
}

void TestAnalyzer::imports_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QStringList>("imports");
    QTest::newRow("plain") << "import sys\nimport numpy as np\nimport os.path"
                           << QStringList{"numpy", "os", "sys"};
    QTest::newRow("from and relative")
        << "from scipy.optimize import minimize\nfrom . import x\nfrom .y import z" << QStringList{"scipy"};
    QTest::newRow("nested and try")
        << "def f():\n    import requests\ntry:\n    import ujson\nexcept ImportError:\n    "
           "import json"
        << QStringList{"json", "requests", "ujson"};
    QTest::newRow("unique sorted") << "import b, a\nimport a.x\nfrom b import c" << QStringList{"a", "b"};
    QTest::newRow("literal dynamic") << "import importlib\nm = importlib.import_module('yaml')"
                                     << QStringList{"importlib", "yaml"};
    QTest::newRow("future") << "from __future__ import annotations\nimport attr" << QStringList{"attr"};
}

void TestAnalyzer::imports()
{
    QFETCH(QString, code);
    QFETCH(QStringList, imports);
    const Report report = analyze(code.toStdString(), standard());
    QStringList got;
    for (const auto& m : report.imports)
        got << QString::fromStdString(m);
    QCOMPARE(got, imports);
    QVERIFY(report.packages.empty());
}

void TestAnalyzer::jsonShape()
{
    const Report report = analyze("import os\nos.system('rm -rf /')", standard());
    const nlohmann::json json = toJson(report);
    QCOMPARE(json.size(), 4u);
    QCOMPARE(json.at("allowed").get<bool>(), false);
    QVERIFY(json.at("imports") == nlohmann::json::array({"os"}));
    QVERIFY(json.at("packages") == nlohmann::json::array());
    const auto& finding = json.at("findings").at(0);
    QCOMPARE(finding.size(), 8u);
    QCOMPARE(finding.at("rule").get<std::string>(), std::string("process-exec"));
    QCOMPARE(finding.at("severity").get<std::string>(), std::string("block"));
    QCOMPARE(finding.at("line").get<int>(), 2);
    QCOMPARE(finding.at("column").get<int>(), 1);
    QCOMPARE(finding.at("end_line").get<int>(), 2);
    QCOMPARE(finding.at("end_column").get<int>(), 22);
    QCOMPARE(finding.at("message").get<std::string>(), std::string("`os.system` runs a shell command"));
    QVERIFY(!finding.at("hint").get<std::string>().empty());
    const nlohmann::json clean = toJson(analyze("print(1)", standard()));
    QCOMPARE(clean.dump(), std::string(R"({"allowed":true,"findings":[],"imports":[],"packages":[]})"));
}

void TestAnalyzer::bounded_data()
{
    QTest::addColumn<QByteArray>("source");
    QTest::addColumn<QString>("rule");
    QTest::newRow("S13 a million open brackets") << QByteArray(1'000'000, '(') << "too-complex";
    QTest::newRow("S13 deep but under 1 MiB")
        << (QByteArray("x = ") + QByteArray(300'000, '-') + "1") << "too-complex";
    QTest::newRow("long attribute chain")
        << (QByteArray("x") + QByteArray(".a").repeated(100'000)) << "too-complex";
    QTest::newRow("S13 20 MB") << QByteArray(20 * 1024 * 1024, 'x') << "too-large";
    QTest::newRow("S13 invalid UTF-8") << QByteArray("print('\xc3\x28')") << "encoding";
    QTest::newRow("overlong UTF-8") << QByteArray("x = '\xc0\xaf'") << "encoding";
    QTest::newRow("surrogate UTF-8") << QByteArray("x = '\xed\xa0\x80'") << "encoding";
    QTest::newRow("NUL byte") << QByteArray("print(1)\0print(2)", 17) << "encoding";
    QTest::newRow("brackets 201 deep") << (QByteArray(201, '[') + QByteArray(201, ']')) << "too-complex";
}

void TestAnalyzer::bounded()
{
    QFETCH(QByteArray, source);
    QFETCH(QString, rule);
    QElapsedTimer timer;
    timer.start();
    const Report report =
        analyze(std::string_view(source.constData(), static_cast<std::size_t>(source.size())), standard());
    const qint64 elapsed = timer.elapsed();
    QVERIFY2(!report.allowed, qPrintable(describe(report)));
    QVERIFY2(findRule(report, rule.toStdString()), qPrintable(describe(report)));
    QVERIFY2(elapsed < 3000, qPrintable(QString::number(elapsed)));
}

void TestAnalyzer::networkIsInfoInStandard()
{
    const Report report = analyze("import socket\ns = socket.socket()", standard());
    QVERIFY(report.allowed);
    QCOMPARE(report.findings.size(), 1u);
    QCOMPARE(report.findings[0].rule, std::string("network"));
    QCOMPARE(toString(report.findings[0].severity), std::string_view("info"));
    const Report strict = analyze("import socket", *Policy::preset("strict"));
    QVERIFY(!strict.allowed);
}

void TestAnalyzer::threadSafe()
{
    const std::string code = "import os\nos.system('x')\n" + std::string(2000, '#');
    std::vector<std::thread> threads;
    std::atomic<int> failures = 0;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            for (int k = 0; k < 50; ++k) {
                const Report r = analyze(code, standard());
                if (r.allowed || r.findings.size() != 1 || r.findings[0].line != 2)
                    ++failures;
            }
        });
    for (auto& t : threads)
        t.join();
    QCOMPARE(failures.load(), 0);
}

QTEST_APPLESS_MAIN(TestAnalyzer)
#include "tst_analyzer.moc"
