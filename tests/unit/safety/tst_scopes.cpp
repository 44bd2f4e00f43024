// Values the analysis follows through names and parameters respect Python's scopes: a name bound in
// one function does not leak into another or into the module, a parameter shadows a module-level name
// (an import alias, a builtin) of the same spelling, nested functions see the bindings of the functions
// around them, comprehensions have their own scope, and global/nonlocal declarations are followed.
// Each `benign` row was blocked and each `dangerous` row marked "missed before" was allowed while the
// analysis was scope-insensitive.

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

class TestScopes : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void benign_data();
    void benign();
    void dangerous_data();
    void dangerous();
};

void TestScopes::benign_data()
{
    QTest::addColumn<QString>("code");
    auto row = [](const char* name, const char* code) { QTest::newRow(name) << QString::fromUtf8(code); };
    // A parameter shadows the module-level import alias of the same name.
    row("parameter-shadows-import-alias", "import subprocess as sp\n"
                                          "class Runner:\n"
                                          "    def run(self):\n"
                                          "        return 1\n"
                                          "def helper(sp):\n"
                                          "    return sp.run()\n"
                                          "print(helper(Runner()))\n");
    // Two functions with a parameter of the same name: what one is called with is not the other's.
    row("same-parameter-two-functions", "import os\n"
                                        "def a(m):\n"
                                        "    return m.path.join('x', 'y')\n"
                                        "def b(m):\n"
                                        "    return m.system()\n"
                                        "class Machine:\n"
                                        "    def system(self):\n"
                                        "        return 'linux'\n"
                                        "print(a(os), b(Machine()))\n");
    // A local of one function does not leak into another function's parameter.
    row("local-does-not-leak", "import subprocess\n"
                               "def a():\n"
                               "    tool = subprocess\n"
                               "    return tool.DEVNULL\n"
                               "def b(tool):\n"
                               "    return tool.run()\n"
                               "class Job:\n"
                               "    def run(self):\n"
                               "        return 0\n"
                               "print(a(), b(Job()))\n");
    // A parameter shadows a builtin of the same name.
    row("parameter-shadows-builtin", "def render(data, compile=False):\n"
                                     "    if compile:\n"
                                     "        return str(data)\n"
                                     "    return data\n"
                                     "print(render(1, compile=True))\n");
    // A comprehension's loop variable is its own, not the import of the same name.
    row("comprehension-variable", "import subprocess as p\n"
                                  "class Pipeline:\n"
                                  "    def run(self):\n"
                                  "        return 2\n"
                                  "pipelines = [Pipeline(), Pipeline()]\n"
                                  "print([p.run() for p in pipelines])\n");
    // A lambda's parameter shadows the module-level alias.
    row("lambda-parameter", "import os as o\n"
                            "class Sys:\n"
                            "    def system(self):\n"
                            "        return 'x'\n"
                            "f = lambda o: o.system()\n"
                            "print(f(Sys()))\n");
}

void TestScopes::benign()
{
    QFETCH(QString, code);
    const Report report = analyze(code.toStdString(), *Policy::preset("standard"));
    QVERIFY2(report.allowed, qPrintable(describe(report)));
    for (const auto& f : report.findings)
        QVERIFY2(f.severity == Severity::Info, qPrintable(describe(report)));
}

void TestScopes::dangerous_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("rule");
    QTest::addColumn<int>("line");
    auto row = [](const char* name, const char* code, const char* rule, int line) {
        QTest::newRow(name) << QString::fromUtf8(code) << QString::fromUtf8(rule) << line;
    };
    // Missed before: a parameter named `system` somewhere hid the star import everywhere.
    row("star-import-beside-parameter",
        "from os import *\n"
        "def show(system):\n"
        "    return system\n"
        "system('id')\n",
        "process-exec", 4);
    // Missed before: `stmt` bound in two functions had no single value, so the code string was not read.
    row("code-string-local-to-its-function",
        "import timeit\n"
        "def warmup():\n"
        "    stmt = 'x = 1'\n"
        "    return stmt\n"
        "def attack():\n"
        "    stmt = \"__import__('os').system('id')\"\n"
        "    timeit.timeit(stmt)\n",
        "process-exec", 7);
    // Missed before: a parameter named `map` somewhere hid the builtin map at module level.
    row("builtin-map-beside-parameter",
        "import os\n"
        "def draw(map):\n"
        "    return map\n"
        "list(map(lambda m: m.system('id'), [os]))\n",
        "process-exec", 4);
    // Kept: nested functions see the enclosing function's bindings.
    row("closure-sees-enclosing",
        "import os\n"
        "def outer():\n"
        "    m = os\n"
        "    def inner():\n"
        "        return m.system('id')\n"
        "    return inner\n",
        "process-exec", 5);
    // Kept: a global declaration sends the binding to the module, where another function reads it.
    row("global-declaration",
        "import os\n"
        "def setup():\n"
        "    global shell\n"
        "    shell = os\n"
        "def go():\n"
        "    shell.system('id')\n",
        "process-exec", 6);
    // Kept: nonlocal sends the binding to the enclosing function.
    row("nonlocal-declaration",
        "import subprocess\n"
        "def outer():\n"
        "    tool = None\n"
        "    def pick():\n"
        "        nonlocal tool\n"
        "        tool = subprocess\n"
        "    pick()\n"
        "    tool.run(['id'])\n",
        "process-exec", 8);
    // Kept: a function's parameter follows what its callers pass.
    row("parameter-from-call-site",
        "import os\n"
        "def go(m):\n"
        "    m.system('id')\n"
        "go(os)\n",
        "process-exec", 3);
    // Kept: a default value is evaluated where the function is defined.
    row("default-from-enclosing-scope",
        "import os\n"
        "def go(m=os):\n"
        "    m.system('id')\n",
        "process-exec", 3);
    // Kept: a comprehension's first iterable is evaluated in the enclosing scope.
    row("comprehension-first-iterable",
        "import os\n"
        "def f(mods):\n"
        "    return [m.system('id') for m in [os]]\n",
        "process-exec", 3);
    // Kept: the walrus in a comprehension binds in the function around it.
    row("walrus-in-comprehension",
        "import os\n"
        "def f():\n"
        "    [(s := os) for _ in range(1)]\n"
        "    s.system('id')\n",
        "process-exec", 4);
}

void TestScopes::dangerous()
{
    QFETCH(QString, code);
    QFETCH(QString, rule);
    QFETCH(int, line);
    const Report report = analyze(code.toStdString(), *Policy::preset("standard"));
    QVERIFY2(!report.allowed, qPrintable(describe(report)));
    bool found = false;
    for (const auto& f : report.findings)
        found = found || (f.rule == rule.toStdString() && f.line == line);
    QVERIFY2(found, qPrintable(describe(report)));
}

QTEST_APPLESS_MAIN(TestScopes)
#include "tst_scopes.moc"
