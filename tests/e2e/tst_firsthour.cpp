// Issue 22, "the first hour of a new user": each row is a command as a person types it, against the real
// engine, checked for what the person reads (the text and the exit status).
#include "helper_cli.h"
#include "helper_wheel.h"

#include "agentrun/deps/installer.h"
#include "agentrun/engine/client.h"

#include <sys/stat.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
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

    std::vector<std::string> m_volumes; ///< dependency cache volumes these tests' installs make

    std::unique_ptr<agentrun::engine::Client> client()
    {
        auto endpoint = agentrun::engine::Endpoint::resolve();
        return endpoint ? std::make_unique<agentrun::engine::Client>(*endpoint) : nullptr;
    }

private Q_SLOTS:
    void cleanupTestCase()
    {
        // A temporary wheelhouse makes a new cache volume each time: none may outlive the suite (bug 11).
        auto engine = client();
        QVERIFY(engine);
        for (const auto& volume : m_volumes) {
            engine->request("DELETE", "/volumes/" + volume);
            auto left = engine->request("GET", "/volumes/" + volume);
            QVERIFY2(left && left->status == 404, volume.c_str());
        }
    }

    // Bug 7: a wheelhouse made by `mktemp -d` (0700) failed inside pip with "Permission denied:
    // '/wheelhouse'" (exit 126): the installer now gets a copy of the wheels, whatever the host modes.
    void wheelhouseMadeByMktempJustWorks()
    {
        QTemporaryDir wheelhouse;
        const std::string dir = wheelhouse.path().toStdString();
        struct stat info
        {};
        QCOMPARE(::stat(dir.c_str(), &info), 0);
        QCOMPARE(info.st_mode & 0777, 0700u); // as mktemp -d makes it
        testing::makeWheel(dir, "PyYAML", "yaml", "6.0.99");
        ::chmod((dir + "/PyYAML-6.0.99-py3-none-any.whl").c_str(), 0600);
        auto engine = client();
        QVERIFY(engine);
        auto image = engine->inspectImage(
            qEnvironmentVariable("AGENTRUN_IMAGE", "agentrun-sandbox:latest").toStdString());
        QVERIFY(image);
        m_volumes.push_back(
            agentrun::deps::cacheVolumeName({{"pyyaml", ""}}, image->value("Id", ""), {"", dir, true}));

        const auto run = runCli({"run", "--allow", "pyyaml", "--wheelhouse", wheelhouse.path(), "-"},
                                "import yaml\nprint(yaml.VALUE)\n");
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QCOMPARE(run.out, QByteArray("PyYAML 6.0.99\n"));
    }

    // Bug 7: every dependency setting is checked before anything starts (exit 2, no container, nothing in
    // the history), whether or not the code imports the package.
    void dependencySettingsAreCheckedFirst_data()
    {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("--allow with no source")
            << QStringList{"--allow", "pyyaml"}
            << QByteArray(
                   "agentrun: The whitelist names packages to install (pyyaml) but no package source is "
                   "set: give a local wheelhouse (--wheelhouse DIR) or an index URL (--index-url URL).");
        QTest::newRow("extras") << QStringList{"--allow", "requests[socks]", "--wheelhouse", "."}
                                << QByteArray(
                                       "Dependency spec \"requests[socks]\" is not allowed (extras are "
                                       "refused)");
        QTest::newRow("URL") << QStringList{"--allow", "x @ http://example.org/x.whl", "--wheelhouse", "."}
                             << QByteArray("(URLs and direct references are refused)");
        QTest::newRow("missing wheelhouse")
            << QStringList{"--allow", "pyyaml", "--wheelhouse", "/nonexistent/wheels"}
            << QByteArray("The wheelhouse \"/nonexistent/wheels\" is not an existing directory");
        QTest::newRow("index URL not http")
            << QStringList{"--allow", "pyyaml", "--index-url", "ftp://mirror.invalid/simple"}
            << QByteArray("is not an http(s) URL without spaces");
    }

    void dependencySettingsAreCheckedFirst()
    {
        QFETCH(QStringList, options);
        QFETCH(QByteArray, message);
        QTemporaryDir dir;
        const auto environment = withHistoryIn(dir);
        const auto run =
            runCli(QStringList{"run"} + options + QStringList{"-"}, "print('ran')\n", environment);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(message), run.err.constData());
        QCOMPARE(run.out, QByteArray()); // nothing ran
        QVERIFY(runCli({"history"}, {}, environment).out.contains("No runs recorded yet."));
    }

    // Bug 6: on an engine without a bridge network (started with --bridge=none), `--network bridge` ran
    // with loopback only and said nothing, and `--index-url` took 11 s of pip retries to say "No matching
    // distribution". Both now say the cause before anything starts; `doctor` shows it.
    void networkNeedsABridge()
    {
        auto engine = client();
        QVERIFY(engine);
        auto bridge = engine->request("GET", "/networks/bridge");
        QVERIFY(bridge);
        const bool hasBridge = bridge->status == 200;
        const auto doctor = runCli({"doctor"});
        QVERIFY2(
            doctor.out.contains(hasBridge ? "network:  bridge available" : "network:  no bridge network"),
            doctor.out.constData());

        const auto run = runCli({"run", "--network", "bridge", "-"},
                                "import socket\nprint(sorted(n for _, n in socket.if_nameindex()))\n");
        if (hasBridge) { // the run gets more than loopback
            QVERIFY2(run.exitCode == 0 && run.out != "['lo']\n", run.out.constData());
            return;
        }
        QCOMPARE(run.exitCode, 3);
        QVERIFY2(run.err.contains("--network bridge needs a network, but this Docker engine has no bridge "
                                  "network"),
                 run.err.constData());
        QCOMPARE(run.out, QByteArray()); // nothing ran

        QElapsedTimer timer;
        timer.start();
        const auto install = runCli(
            {"run", "--allow", "pyyaml", "--index-url", "http://127.0.0.1:9/simple", "-"}, "import yaml\n");
        qInfo("--index-url without a network answered in %lld ms", timer.elapsed());
        QCOMPARE(install.exitCode, 3);
        QVERIFY2(install.err.contains("--index-url needs a network"), install.err.constData());
        QVERIFY2(!install.err.contains("No matching distribution"), install.err.constData());
    }

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
        // The resource samples' peak stands in for the report the stopped sandbox never sent; a run stopped
        // before the first sample says so instead. Never a made-up zero.
        static const QRegularExpression measured(QStringLiteral("\n  memory:  [0-9.]+ (KiB|MiB) peak\n"));
        QVERIFY2(measured.match(QString::fromUtf8(show.out)).hasMatch() ||
                     show.out.contains("  memory:  not measured (the sandbox was stopped before it reported "
                                       "its peak)\n"),
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
        QVERIFY2(run.err.contains("agentrun: The code has a syntax error, so nothing was run"),
                 run.err.constData());
        QVERIFY2(run.err.contains("  File \"/tmp/main.py\", line 2\n    print(x +)\n             ^\n"
                                  "SyntaxError: invalid syntax\n"),
                 run.err.constData());
        QVERIFY2(!run.err.contains("Blocked by the safety check"), run.err.constData());
        QCOMPARE(run.out, QByteArray());

        const auto json =
            QJsonDocument::fromJson(runCli({"run", "--json", "-"}, "print('hi'\n").out).object();
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
