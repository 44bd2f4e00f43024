#include "helper_cli.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using testing::runCli;

class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void helloFromTheReadme()
    {
        const auto result = runCli({"run", testing::resource("examples/hello.py")});
        QCOMPARE(result.err, QByteArray());
        QCOMPARE(result.out, QByteArray("Hello, World!\n"));
        QCOMPARE(result.exitCode, 0);
    }

    void examplesDoWhatTheySay_data()
    {
        QTest::addColumn<QString>("example");
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<QString>("status");
        QTest::newRow("hello") << "hello.py" << QStringList() << "ok";
        QTest::newRow("fibonacci") << "fibonacci.py" << QStringList() << "ok";
        QTest::newRow("data analysis") << "data_analysis.py" << QStringList() << "ok";
        QTest::newRow("blocked snippet") << "blocked_snippet.py" << QStringList() << "blocked";
        QTest::newRow("memory bomb") << "memory_bomb.py"
                                     << QStringList{"--memory", "64m", "--tmpfs-size", "8m"}
                                     << "out_of_memory";
        QTest::newRow("timeout") << "timeout.py" << QStringList{"--timeout", "1"} << "timeout";
        QTest::newRow("needs a package, no whitelist") << "needs_package.py" << QStringList() << "exception";
        // "--allow pyyaml" with no source is refused before anything runs: e2e.firsthour.
    }

    void examplesDoWhatTheySay()
    {
        QFETCH(QString, example);
        QFETCH(QStringList, options);
        QFETCH(QString, status);
        const auto result = runCli(QStringList{"run", "--json"} + options +
                                   QStringList{testing::resource("examples/" + example)});
        const auto json = QJsonDocument::fromJson(result.out).object();
        QVERIFY2(json["status"].toString() == status, result.out.constData());
    }

    void checkBlocksOsSystemOnLine2()
    {
        const auto result = runCli({"check", "--json", "-"}, "import os\nos.system('ls')\n");
        QCOMPARE(result.exitCode, 1);
        const auto json = QJsonDocument::fromJson(result.out).object();
        QCOMPARE(json["allowed"].toBool(true), false);
        const auto finding = json["findings"].toArray().first().toObject();
        QCOMPARE(finding["line"].toInt(), 2);
        QCOMPARE(finding["severity"].toString(), QString("block"));
        QCOMPARE(finding["rule"].toString(), QString("process-exec"));
        QVERIFY(json["imports"].toArray().contains(QJsonValue("os")));
    }

    void checkAllowsOrdinaryCode()
    {
        const auto result = runCli({"check", "-"}, "import os\nprint(os.path.join('a', 'b'))\n");
        QCOMPARE(result.exitCode, 0);
        QVERIFY(result.out.contains("allowed"));
    }

    void exitStatuses_data()
    {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<QByteArray>("code");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QByteArray>("stderrFragment");
        QTest::newRow("program's own")
            << QStringList() << QByteArray("import sys\nsys.exit(3)") << 3 << QByteArray();
        QTest::newRow("exception") << QStringList() << QByteArray("1/0") << 1
                                   << QByteArray("ZeroDivisionError: division by zero");
        QTest::newRow("timeout") << QStringList{"--timeout", "1"} << QByteArray("while True: pass") << 124
                                 << QByteArray("agentrun: Execution timed out after 1 s");
        QTest::newRow("blocked") << QStringList() << QByteArray("import os\nos.system('id')") << 125
                                 << QByteArray("agentrun: -:2:1: process-exec:");
        QTest::newRow("out of memory") << QStringList{"--memory", "48m", "--tmpfs-size", "8m"}
                                       << QByteArray("a=[]\nwhile 1: a.append(bytearray(10**7))") << 137
                                       << QByteArray("agentrun: Out of memory");
        QTest::newRow("absurd memory")
            << QStringList{"--memory", "5"} << QByteArray("print(1)") << 2
            << QByteArray("agentrun: The memory limit must be between 16 MiB and 64 GiB");
        QTest::newRow("bad size") << QStringList{"--memory", "lots"} << QByteArray("print(1)") << 2
                                  << QByteArray("agentrun: \"lots\" is not a size for --memory");
        QTest::newRow("unknown option") << QStringList{"--frobnicate"} << QByteArray("print(1)") << 2
                                        << QByteArray("agentrun: unknown option --frobnicate");
        QTest::newRow("strict refuses --no-check")
            << QStringList{"--policy", "strict", "--no-check"} << QByteArray("print(1)") << 2
            << QByteArray("does not allow skipping the safety check");
    }

    void exitStatuses()
    {
        QFETCH(QStringList, options);
        QFETCH(QByteArray, code);
        QFETCH(int, exitCode);
        QFETCH(QByteArray, stderrFragment);
        const auto result = runCli(QStringList{"run"} + options + QStringList{"-"}, code);
        QVERIFY2(result.err.contains(stderrFragment), result.err.constData());
        QCOMPARE(result.exitCode, exitCode);
    }

    void jsonObject()
    {
        // stdout and stderr reach the host on separate pipes: they interleave by arrival time, so the
        // program leaves a moment between them (writes within the same millisecond have no defined order).
        const auto result =
            runCli({"run", "--json", "-"},
                   "import sys, time\nprint('out')\ntime.sleep(0.1)\nprint('err', file=sys.stderr)\n");
        QCOMPARE(result.exitCode, 0);
        const auto json = QJsonDocument::fromJson(result.out).object();
        QCOMPARE(json["status"].toString(), QString("ok"));
        QCOMPARE(json["stdout"].toString(), QString("out\n"));
        QCOMPARE(json["stderr"].toString(), QString("err\n"));
        QCOMPARE(json["output"].toString(), QString("out\nerr\n"));
        QCOMPARE(json["message"].toString(), QString());
        QVERIFY(json["peak_memory_bytes"].toDouble() > 1e6);
        QVERIFY(json["duration_ms"].toObject()["total"].toDouble() > 0);
        QVERIFY(!json["run_id"].toString().isEmpty());
        QCOMPARE(json["truncated"].toObject()["stdout"].toBool(true), false);
    }

    void collectCopiesFilesOut()
    {
        QTemporaryDir dir;
        const QString target = dir.filePath("kept");
        const auto result = runCli({"run", "--json", "--no-check", "--collect", "out", "--collect", "missing",
                                    "--collect-to", target, "-"},
                                   "import os\nos.makedirs('out')\nopen('out/a.txt', "
                                   "'w').write('hi')\nos.symlink('/etc/passwd', 'out/p')\n");
        QCOMPARE(result.exitCode, 4); // the program succeeded, but not every file asked for was copied
        const auto files = QJsonDocument::fromJson(result.out).object()["files"].toObject();
        QCOMPARE(files["copied"].toArray().size(), 1);
        QCOMPARE(files["rejected"].toArray()[0].toObject()["reason"].toString(),
                 QString("symbolic link to etc/passwd; links are never copied out"));
        QCOMPARE(files["error"].toString(),
                 QString("Not found in the working directory, so not copied: missing."));
        QFile copied(target + "/out/a.txt");
        QVERIFY(copied.open(QIODevice::ReadOnly));
        QCOMPARE(copied.readAll(), QByteArray("hi"));
        QVERIFY(!QFileInfo::exists(target + "/out/p"));

        const auto bad = runCli({"run", "--collect", "../etc", "-"}, "print('never')\n");
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains("collect path \"../etc\" is not accepted"), bad.err.constData());
        QVERIFY(!bad.out.contains("never"));
    }

    // Issue 22 item 4: collecting into a folder that already had the file said "File exists", "copied
    // 0 file(s)" and exited 0. A folder with anything in it is now refused before the run (exit 2), and
    // a copy that did not complete is exit 4, never a silent 0.
    void collectNeverMergesIntoAFolderNorFailsSilently()
    {
        QTemporaryDir dir;
        const QString target = dir.filePath("kept");
        const QByteArray code = "open('a.txt', 'w').write('new')\nprint('ran')\n";
        const auto first = runCli({"run", "--collect", "a.txt", "--collect-to", target, "-"}, code);
        QCOMPARE(first.exitCode, 0);
        QVERIFY2(first.err.contains(QByteArray(QByteArray("copied 1 file(s) to ") + target.toUtf8())),
                 first.err.constData());

        const auto again = runCli({"run", "--collect", "a.txt", "--collect-to", target, "-"}, code);
        QCOMPARE(again.exitCode, 2);
        QVERIFY2(again.err.contains("is not empty: files are collected only into an empty or new folder"),
                 again.err.constData());
        QVERIFY(!again.out.contains("ran")); // refused before anything started

        const auto missing =
            runCli({"run", "--collect", "absent.txt", "--collect-to", dir.filePath("other"), "-"}, code);
        QCOMPARE(missing.exitCode, 4);
        QVERIFY2(missing.err.contains("Not found in the working directory, so not copied: absent.txt."),
                 missing.err.constData());
    }

    void binaryOutputIsValidJson()
    {
        const auto result =
            runCli({"run", "--json", "-"}, "import sys\nsys.stdout.buffer.write(b'a\\xff\\xfeb')");
        QCOMPARE(result.exitCode, 0);
        QJsonParseError error{};
        const auto json = QJsonDocument::fromJson(result.out, &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(json["stdout"].toString(), QString::fromUtf8("a\uFFFD\uFFFDb"));
    }

    void plainOutputIsByteForByte()
    {
        const auto result = runCli({"run", "-"}, "import sys\nsys.stdout.buffer.write(b'a\\xff\\x00b')");
        QCOMPARE(result.out, QByteArray("a\xff\x00"
                                        "b",
                                        4));
    }

    void engineDownIsExit3()
    {
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert("DOCKER_HOST", "unix:///nonexistent/docker.sock");
        const auto result = runCli({"run", "-"}, "print(1)", environment);
        QCOMPARE(result.exitCode, 3);
        QVERIFY2(result.err.startsWith("agentrun: Docker is not running: there is no socket at "
                                       "unix:///nonexistent/docker.sock."),
                 result.err.constData());
        const auto doctor = runCli({"doctor"}, {}, environment);
        QCOMPARE(doctor.exitCode, 3);
        QVERIFY(doctor.out.contains("engine:   not reachable"));
    }

    void doctorReady()
    {
        const auto result = runCli({"doctor", "--json"});
        const auto json = QJsonDocument::fromJson(result.out).object();
        QVERIFY2(json["ready"].toBool(), result.out.constData());
        QCOMPARE(result.exitCode, 0);
        QVERIFY(json["engine"].toObject()["runtimes"].toArray().contains(QJsonValue("runc")));
    }

    void stdinFile()
    {
        QTemporaryDir dir;
        QFile input(dir.filePath("in.txt"));
        QVERIFY(input.open(QIODevice::WriteOnly));
        input.write("42\n");
        input.close();
        const auto result = runCli({"run", "--stdin", input.fileName(), "-"}, "print(int(input()) + 1)");
        QCOMPARE(result.out, QByteArray("43\n"));
    }

    void depsCacheListIsJson()
    {
        const auto result = runCli({"deps", "list", "--json"});
        QCOMPARE(result.exitCode, 0);
        QJsonParseError error{};
        const auto document = QJsonDocument::fromJson(result.out, &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        QVERIFY(document.isArray());
        for (const auto& entry : document.array()) {
            QVERIFY(entry.toObject()["volume"].toString().startsWith("agentrun-deps-"));
        }
    }

    void helpForEveryCommand_data()
    {
        QTest::addColumn<QString>("command");
        for (const char* command : {"run", "check", "doctor", "serve", "deps", "profile", "image"}) {
            QTest::newRow(command) << command;
        }
    }

    void helpForEveryCommand()
    {
        QFETCH(QString, command);
        const auto result = runCli({command, "--help"});
        QCOMPARE(result.exitCode, 0);
        const QByteArray usage = "Usage: agentrun " + command.toUtf8();
        QVERIFY2(result.out.startsWith(usage), result.out.constData());
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
