// The agentrun-compat preset against AgentRun 0.2.5's own test cases: same safe/unsafe verdict, and the
// same message as the first finding where AgentRun's test names one.

#include "agentrun/safety/analyzer.h"

#include <QFile>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace agentrun::safety;

class TestCompat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void upstreamCases_data();
    void upstreamCases();
    void compatStillBlocksWhatAgentRunMissed_data();
    void compatStillBlocksWhatAgentRunMissed();
    void restrictedPythonPatterns_data();
    void restrictedPythonPatterns();
};

void TestCompat::upstreamCases_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<bool>("safe");
    QTest::addColumn<QString>("message");
    QFile file(QStringLiteral(AGENTRUN_TEST_DATA "/safety/agentrun_upstream_cases.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto cases = nlohmann::json::parse(file.readAll().toStdString());
    int verdicts = 0;
    for (const auto& c : cases) {
        const std::string expect = c.at("expect").get<std::string>();
        const std::string api = c.at("api").get<std::string>();
        // A case speaks about the check when it is a safety_check, or a run whose outcome shows the check
        // let the code through (output, timeout, dependency verdicts) or stopped it ("unsafe").
        bool safe = false;
        if (expect == "safe" || expect == "unsafe")
            safe = expect == "safe";
        else if (api == "execute_code_in_container")
            safe = true; // every other run outcome happened after the check passed
        else
            continue;
        const std::string message = c.contains("message") && c.at("message").is_string() && expect == "unsafe"
                                        ? c.at("message").get<std::string>()
                                        : std::string();
        QTest::newRow(c.at("name").get<std::string>().c_str())
            << QString::fromStdString(c.at("code").get<std::string>()) << safe
            << QString::fromStdString(message);
        ++verdicts;
    }
    QVERIFY(verdicts >= 25);
}

void TestCompat::upstreamCases()
{
    QFETCH(QString, code);
    QFETCH(bool, safe);
    QFETCH(QString, message);
    const Report report = analyze(code.toStdString(), *Policy::preset("agentrun-compat"));
    QCOMPARE(report.allowed, safe);
    if (!message.isEmpty()) {
        QVERIFY(!report.findings.empty());
        QCOMPARE(QString::fromStdString(report.findings.front().message), message);
        QCOMPARE(toString(report.findings.front().severity), std::string_view("block"));
    }
}

void TestCompat::compatStillBlocksWhatAgentRunMissed_data()
{
    QTest::addColumn<QString>("code");
    QTest::newRow("import_module concat")
        << "import importlib\nimportlib.import_module('o' + 's').system('id')";
    QTest::newRow("posix") << "import posix\nposix.system('id')";
    QTest::newRow("pickle") << "import pickle\npickle.loads(data)";
}

void TestCompat::compatStillBlocksWhatAgentRunMissed()
{
    QFETCH(QString, code);
    QVERIFY(!analyze(code.toStdString(), *Policy::preset("agentrun-compat")).allowed);
}

void TestCompat::restrictedPythonPatterns_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");
    QTest::newRow("main guard")
        << "if __name__ == '__main__':\n    print(1)"
        << R"(RestrictedPython detected an unsafe pattern: ('Line 1: "__name__" is an invalid variable name because it starts with "_"',))";
    QTest::newRow("annotation")
        << "x: int = 1"
        << "RestrictedPython detected an unsafe pattern: ('Line 1: AnnAssign statements are not allowed.',)";
    QTest::newRow("async and private")
        << "async def f():\n    pass\nobj._x = 1"
        << "RestrictedPython detected an unsafe pattern: ('Line 1: AsyncFunctionDef statements are not "
           "allowed.', "
           "'Line 3: \"_x\" is an invalid attribute name because it starts with \"_\".')";
    QTest::newRow("compile attribute") << "import re\nre.compile('x')"
                                       << "Unsafe function call: compile";
    QTest::newRow("unclosed") << "x = [1,\n     2"
                              << "Syntax error: '[' was never closed (<unknown>, line 1)";
    QTest::newRow("py2 print") << "print 'x'"
                               << "Syntax error: Missing parentheses in call to 'print'. Did you mean "
                                  "print(...)? (<unknown>, line 1)";
}

void TestCompat::restrictedPythonPatterns()
{
    QFETCH(QString, code);
    QFETCH(QString, message);
    const Report report = analyze(code.toStdString(), *Policy::preset("agentrun-compat"));
    QVERIFY(!report.allowed);
    QCOMPARE(QString::fromStdString(report.findings.front().message), message);
}

QTEST_APPLESS_MAIN(TestCompat)
#include "tst_compat.moc"
