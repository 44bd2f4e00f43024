// Issue 22, "the first hour of a new user": each row is a command as a person types it, against the real
// engine, checked for what the person reads (the text and the exit status).
#include "helper_cli.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using testing::runCli;

namespace {

/// An environment whose history file lives in `dir` (a person's first history).
QProcessEnvironment withHistoryIn(const QTemporaryDir& dir)
{
    auto environment = QProcessEnvironment::systemEnvironment();
    environment.insert("XDG_DATA_HOME", dir.path());
    return environment;
}

} // namespace

class TestFirstHour : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Bug 8: `history` showed exit 137 and "memory: 0 B peak" for a run that exited 124 at its timeout.
    void historyShowsWhatTheTimedOutRunExitedWith()
    {
        QTemporaryDir dir;
        const auto environment = withHistoryIn(dir);
        const auto run = runCli({"run", "--timeout", "1", "-"}, "import time\ntime.sleep(60)\n", environment);
        QCOMPARE(run.exitCode, 124);

        const auto list = runCli({"history"}, {}, environment);
        QCOMPARE(list.exitCode, 0);
        const QList<QByteArray> lines = list.out.split('\n');
        QVERIFY2(lines.size() >= 2, list.out.constData());
        const QByteArray row = lines[1].simplified();
        QVERIFY2(row.contains(" timeout 124 "), list.out.constData());

        const auto json = QJsonDocument::fromJson(runCli({"history", "--json"}, {}, environment).out);
        const QString id = json.object()["runs"].toArray().first().toObject()["run_id"].toString();
        const auto show = runCli({"history", "show", id}, {}, environment);
        QCOMPARE(show.exitCode, 0);
        QVERIFY2(show.out.contains("  status:  timeout (exit 124)\n"), show.out.constData());
        QVERIFY2(show.out.contains("  memory:  not measured (the sandbox was stopped before it reported its "
                                   "peak)\n"),
                 show.out.constData());
        QVERIFY2(!show.out.contains("0 B peak"), show.out.constData());
    }

    void historyShowsAMeasuredPeakAndTheProgramsExit()
    {
        QTemporaryDir dir;
        const auto environment = withHistoryIn(dir);
        QCOMPARE(runCli({"run", "-"}, "import sys\nsys.exit(3)\n", environment).exitCode, 3);
        const auto json = QJsonDocument::fromJson(runCli({"history", "--json"}, {}, environment).out);
        const QString id = json.object()["runs"].toArray().first().toObject()["run_id"].toString();
        const auto show = runCli({"history", "show", id.left(6)}, {}, environment);
        QVERIFY2(show.out.contains("(exit 3)\n"), show.out.constData());
        QVERIFY2(show.out.contains(" peak\n") && !show.out.contains("  memory:  0 B"), show.out.constData());
    }

    void historyShowAsksForFourCharacters()
    {
        QTemporaryDir dir;
        const auto environment = withHistoryIn(dir);
        QCOMPARE(runCli({"run", "-"}, "print(1)\n", environment).exitCode, 0);
        const auto show = runCli({"history", "show", "ab"}, {}, environment);
        QCOMPARE(show.exitCode, 1);
        QVERIFY2(show.err.contains("give at least 4 characters of a run id"), show.err.constData());
    }

    // Bug 8: with no engine nobody knows whether the image is there; "missing" sent people to rebuild it.
    void doctorWithoutEngineCallsTheImageUnknown()
    {
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert("DOCKER_HOST", "unix:///nonexistent/docker.sock");
        const auto doctor = runCli({"doctor"}, {}, environment);
        QCOMPARE(doctor.exitCode, 3);
        QVERIFY2(doctor.out.contains(" unknown (no engine to ask)\n"), doctor.out.constData());
        QVERIFY2(!doctor.out.contains("missing"), doctor.out.constData());
        const auto json = QJsonDocument::fromJson(runCli({"doctor", "--json"}, {}, environment).out).object();
        QVERIFY2(json["image"].toObject()["present"].isNull(), QJsonDocument(json).toJson().constData());
    }

    // Bug 10: a syntax error read "Blocked by the safety check: Syntax error: invalid syntax". It stays a
    // block (exit 125: the check never vouches for code it cannot parse), but the person reads Python's own
    // SyntaxError, its line and its caret, compiled (never run) in a sandbox.
    void syntaxErrorShowsPythonsOwnText()
    {
        const auto run = runCli({"run", "-"}, "x = 1\nprint(x +)\n");
        QCOMPARE(run.exitCode, 125);
        QVERIFY2(run.err.contains("agentrun: The code has a syntax error, so nothing was run"), run.err.constData());
        QVERIFY2(run.err.contains("  File \"/tmp/main.py\", line 2\n    print(x +)\n             ^\n"
                                  "SyntaxError: invalid syntax\n"),
                 run.err.constData());
        QVERIFY2(!run.err.contains("Blocked by the safety check"), run.err.constData());
        QCOMPARE(run.out, QByteArray());

        const auto json = QJsonDocument::fromJson(runCli({"run", "--json", "-"}, "print('hi'\n").out).object();
        QCOMPARE(json["status"].toString(), QString("blocked"));
        QCOMPARE(json["error_code"].toString(), QString("safety.syntax_error"));
        QVERIFY2(json["message"].toString().endsWith("    print('hi'\n         ^\n"
                                                      "SyntaxError: '(' was never closed"),
                 qPrintable(json["message"].toString()));
    }

    void checkQuotesTheLineOfASyntaxError()
    {
        const auto check = runCli({"check", "-"}, "x = 1\nprint(x +)\n");
        QCOMPARE(check.exitCode, 1);
        QVERIFY2(check.out.contains("-:2:9: block syntax-error: Syntax error: invalid syntax\n"
                                    "    print(x +)\n            ^\n"),
                 check.out.constData());
    }
};

QTEST_GUILESS_MAIN(TestFirstHour)
#include "tst_firsthour.moc"
