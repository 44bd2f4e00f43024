// The command line behaves as users of any well-made CLI expect (CLI11 declarations): --opt=value, short
// aliases, missing values, ranges checked before conversion, `help COMMAND`, profiles that are applied
// however they are spelled and built-in profiles that cannot be replaced. None of these rows needs the
// engine: each ends before a container would start (bad usage, or blocked by the check).
#include "helper_cli.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using testing::runCli;

class TestCliParse : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        m_env = QProcessEnvironment::systemEnvironment();
        m_env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.filePath(QStringLiteral("config")));
        m_env.insert(QStringLiteral("XDG_DATA_HOME"), m_home.filePath(QStringLiteral("data")));
        // A computed setattr: a warning under the standard policy, blocked under strict.
        m_strictOnly =
            write(QStringLiteral("setattr.py"), "class A:\n    pass\nname = 'x'\nsetattr(A, name, 1)\n");
        m_blocked = write(QStringLiteral("blocked.py"), "import os\nos.system('id')\n");
    }

    void helpCommandEqualsDashDashHelp_data()
    {
        QTest::addColumn<QStringList>("command");
        QTest::newRow("run") << QStringList{"run"};
        QTest::newRow("check") << QStringList{"check"};
        QTest::newRow("doctor") << QStringList{"doctor"};
        QTest::newRow("profile") << QStringList{"profile"};
        QTest::newRow("profile import") << QStringList{"profile", "import"};
        QTest::newRow("serve") << QStringList{"serve"};
        QTest::newRow("history") << QStringList{"history"};
    }

    void helpCommandEqualsDashDashHelp()
    {
        QFETCH(QStringList, command);
        const auto viaHelp = runCli(QStringList{"help"} + command, {}, m_env);
        const auto viaFlag = runCli(command + QStringList{"--help"}, {}, m_env);
        QCOMPARE(viaHelp.exitCode, 0);
        QCOMPARE(viaFlag.exitCode, 0);
        QVERIFY(!viaFlag.out.isEmpty());
        QCOMPARE(viaHelp.out, viaFlag.out);
        QCOMPARE(viaHelp.err, QByteArray());
    }

    void helpOfAnUnknownCommand()
    {
        const auto result = runCli({"help", "frobnicate"}, {}, m_env);
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains("no command \"frobnicate\""), result.err.constData());
    }

    void badUsage_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("--timeout without a value")
            << QStringList{"run", "x.py", "--timeout"} << QByteArray("--timeout");
        QTest::newRow("--pids 1e30") << QStringList{"run", "--pids", "1e30", "x.py"}
                                     << QByteArray(
                                            "--pids needs a whole number between 8 and 32768, not \"1e30\"");
        QTest::newRow("--pids=-5") << QStringList{"run", "--pids=-5", "x.py"}
                                   << QByteArray("--pids needs a whole number between 8 and 32768");
        QTest::newRow("--pids 12.5") << QStringList{"run", "--pids", "12.5", "x.py"}
                                     << QByteArray("--pids needs a whole number");
        QTest::newRow("--timeout 1e30") << QStringList{"run", "--timeout", "1e30", "x.py"}
                                        << QByteArray("The timeout must be between 0.1 and 3600 s");
        QTest::newRow("--cpus nan") << QStringList{"run", "--cpus", "nan", "x.py"}
                                    << QByteArray("--cpus needs a number");
        QTest::newRow("--memory 1e30")
            << QStringList{"run", "--memory", "1e30", "x.py"} << QByteArray("is not a size");
        QTest::newRow("two files") << QStringList{"run", "a.py", "b.py"} << QByteArray("b.py");
        QTest::newRow("unknown option") << QStringList{"run", "--frob", "a.py"} << QByteArray("--frob");
        QTest::newRow("unknown profile") << QStringList{"run", "--profile=doesnotexist", "a.py"}
                                         << QByteArray("There is no profile \"doesnotexist\"");
        QTest::newRow("unknown command")
            << QStringList{"frobnicate"} << QByteArray("unknown command \"frobnicate\"");
        QTest::newRow("--reason without --no-check")
            << QStringList{"run", "--reason", "x", "a.py"} << QByteArray("--reason says why");
    }

    void badUsage()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, message);
        const auto result = runCli(args, {}, m_env);
        QVERIFY2(result.err.contains(message), result.err.constData());
        QVERIFY2(result.err.startsWith("agentrun: "), result.err.constData());
        // One error, not two: the first line says it all.
        QCOMPARE(result.err.count("agentrun: "), 1);
        QCOMPARE(result.exitCode, 2);
        QCOMPARE(result.out, QByteArray());
    }

    void optionSpellings_data()
    {
        QTest::addColumn<QStringList>("options");
        QTest::newRow("-t 5") << QStringList{"-t", "5"};
        QTest::newRow("--timeout=5") << QStringList{"--timeout=5"};
        QTest::newRow("-m 64m (tmpfs follows memory)") << QStringList{"-m", "64m"};
        QTest::newRow("--memory 16m, the documented minimum") << QStringList{"--memory", "16m"};
        QTest::newRow("options after the file") << QStringList{};
    }

    void optionSpellings()
    {
        // Accepted options reach the check, which blocks: exit 125, nothing started.
        QFETCH(QStringList, options);
        const QStringList args = QStringList{"run", "--no-history"} + options + QStringList{m_blocked} +
                                 (options.isEmpty() ? QStringList{"--timeout", "5"} : QStringList{});
        const auto result = runCli(args, {}, m_env);
        QVERIFY2(result.err.contains("process-exec"), result.err.constData());
        QCOMPARE(result.exitCode, 125);
    }

    void profileIsAppliedHoweverItIsSpelled_data()
    {
        QTest::addColumn<QString>("spelling");
        QTest::newRow("--profile NAME") << "--profile";
        QTest::newRow("--profile=NAME") << "--profile=";
    }

    void profileIsAppliedHoweverItIsSpelled()
    {
        QFETCH(QString, spelling);
        importStrictAs(QStringLiteral("tight"));
        const QStringList profile = spelling.endsWith('=') ? QStringList{spelling + "tight"}
                                                           : QStringList{spelling, QStringLiteral("tight")};
        // The profile's strict policy blocks a computed setattr that the standard policy only warns about.
        const auto result = runCli(
            QStringList{"run", "--no-history", "--json"} + profile + QStringList{m_strictOnly}, {}, m_env);
        const auto json = QJsonDocument::fromJson(result.out).object();
        QVERIFY2(json["status"].toString() == "blocked", result.out.constData());
        QCOMPARE(result.exitCode, 125);
    }

    void builtinProfilesCannotBeReplacedOrDeleted()
    {
        const QString file = exportProfile(QStringLiteral("default"));
        // The exported default, renamed "strict": importing it must not replace the built-in strict.
        QByteArray text = readAll(file);
        text.replace("\"name\": \"default\"", "\"name\": \"strict\"");
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        out.write(text);
        out.close();
        auto imported = runCli({"profile", "import", file}, {}, m_env);
        QCOMPARE(imported.exitCode, 2);
        QVERIFY2(imported.err.contains("\"strict\" is a built-in profile"), imported.err.constData());
        // Still the real strict: --no-check is refused by it, nothing starts.
        const auto run =
            runCli({"run", "--no-history", "--profile", "strict", "--no-check", m_blocked}, {}, m_env);
        QVERIFY2(run.err.contains("does not allow skipping the safety check"), run.err.constData());
        QCOMPARE(run.exitCode, 2);

        const auto removeBuiltin = runCli({"profile", "delete", "strict"}, {}, m_env);
        QCOMPARE(removeBuiltin.exitCode, 2);
        QVERIFY2(removeBuiltin.err.contains("built-in"), removeBuiltin.err.constData());
    }

    void deleteASavedProfile()
    {
        importStrictAs(QStringLiteral("gone"));
        QVERIFY(runCli({"profile", "list"}, {}, m_env).out.contains("gone\t"));
        const auto removed = runCli({"profile", "delete", "gone"}, {}, m_env);
        QCOMPARE(removed.exitCode, 0);
        QVERIFY(!runCli({"profile", "list"}, {}, m_env).out.contains("gone\t"));
        const auto again = runCli({"profile", "delete", "gone"}, {}, m_env);
        QCOMPARE(again.exitCode, 2);
        QVERIFY2(again.err.contains("no saved profile \"gone\""), again.err.constData());
    }

private:
    QString write(const QString& name, const QByteArray& text)
    {
        QFile file(m_home.filePath(name));
        if (!file.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(file.fileName()));
        file.write(text);
        return file.fileName();
    }

    static QByteArray readAll(const QString& path)
    {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

    QString exportProfile(const QString& name)
    {
        const auto exported = runCli({"profile", "export", name}, {}, m_env);
        if (exported.exitCode != 0)
            qFatal("profile export %s failed: %s", qPrintable(name), exported.err.constData());
        return write(name + QStringLiteral("-export.json"), exported.out);
    }

    void importStrictAs(const QString& name)
    {
        const QString file = exportProfile(QStringLiteral("strict"));
        QByteArray text = readAll(file);
        text.replace(QByteArray("\"name\": \"strict\""), QByteArray("\"name\": \"" + name.toUtf8() + "\""));
        write(name + QStringLiteral(".json"), text);
        const auto imported =
            runCli({"profile", "import", m_home.filePath(name + QStringLiteral(".json"))}, {}, m_env);
        QVERIFY2(imported.exitCode == 0, imported.err.constData());
    }

    QTemporaryDir m_home;
    QProcessEnvironment m_env;
    QString m_strictOnly;
    QString m_blocked;
};

QTEST_APPLESS_MAIN(TestCliParse)
#include "tst_cliparse.moc"
