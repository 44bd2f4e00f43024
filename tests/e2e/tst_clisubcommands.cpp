// `agentrun image`, `deps` and `history` are declared with CLI11 like the other commands: per-subcommand
// help (`help deps bake` = `deps bake --help`), `--opt=value`, a missing value names its option (exit 2),
// the ranges and messages users rely on (docs/cli.md). No row needs the engine: each ends before one
// would be contacted, or names an engine address nothing listens on.
#include "helper_cli.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using testing::runCli;

class TestCliSubcommands : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_home;
    QProcessEnvironment m_env;
    QString m_history;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        m_env = QProcessEnvironment::systemEnvironment();
        m_env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.filePath(QStringLiteral("config")));
        m_env.insert(QStringLiteral("XDG_DATA_HOME"), m_home.filePath(QStringLiteral("data")));
        m_history = m_home.filePath(QStringLiteral("history.sqlite3"));
    }

    void helpOfEverySubcommand_data()
    {
        QTest::addColumn<QStringList>("command");
        QTest::newRow("image") << QStringList{"image"};
        QTest::newRow("image build") << QStringList{"image", "build"};
        QTest::newRow("image status") << QStringList{"image", "status"};
        QTest::newRow("deps") << QStringList{"deps"};
        QTest::newRow("deps list") << QStringList{"deps", "list"};
        QTest::newRow("deps prune") << QStringList{"deps", "prune"};
        QTest::newRow("deps bake") << QStringList{"deps", "bake"};
        QTest::newRow("history") << QStringList{"history"};
        QTest::newRow("history list") << QStringList{"history", "list"};
        QTest::newRow("history show") << QStringList{"history", "show"};
        QTest::newRow("session") << QStringList{"session"};
    }

    // agentrun session: files and # %% cells in one stateful sandbox (issue 17).
    void sessionRunsCellsWithState()
    {
        QTemporaryDir dir;
        QFile notebook(dir.filePath("analysis.py"));
        QVERIFY(notebook.open(QIODevice::WriteOnly));
        notebook.write("import csv, io\nrows = list(csv.reader(io.StringIO('a,b\\n1,2\\n3,4')))\n"
                       "# %% count\nprint(len(rows), rows[1])\n# %%\n"
                       "total = sum(int(r[0]) for r in rows[1:])\nprint('total', total)\n");
        notebook.close();
        auto result = testing::runCli({"session", "--cells", "--no-history", notebook.fileName()}, {}, m_env);
        QCOMPARE(result.exitCode, 0);
        QCOMPARE(result.out, QByteArray("3 ['1', '2']\ntotal 4\n"));
        // Two files: the second sees the first's names; --json: one object per run with its session.
        QFile second(dir.filePath("second.py"));
        QVERIFY(second.open(QIODevice::WriteOnly));
        second.write("print(total * 10)\nraise SystemExit(5)\n");
        second.close();
        result = testing::runCli({"session", "--json", "--no-history", notebook.fileName(), second.fileName(),
                                  notebook.fileName()},
                                 {}, m_env);
        QCOMPARE(result.exitCode, 5); // the failing run's status ends the command
        const auto lines = result.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        const auto last = QJsonDocument::fromJson(lines.at(1)).object();
        QCOMPARE(last.value("stdout").toString(), QString("40\n"));
        QCOMPARE(last.value("session").toObject().value("cell").toInt(), 2);
        // A cell that fails: the session goes on only with --keep-going.
        result = testing::runCli({"session", "--keep-going", "--no-history", second.fileName(), "-"},
                                 "print('after')\n", m_env);
        QCOMPARE(result.exitCode, 1); // the exception's status (agentrun run's: 1)
        QVERIFY(result.err.contains("NameError: name 'total' is not defined"));
        QVERIFY(result.out.endsWith("after\n"));
        // Bad input: a missing file, a directory, limits out of range; nothing starts.
        QCOMPARE(testing::runCli({"session", dir.filePath("missing.py")}, {}, m_env).exitCode, 2);
        QCOMPARE(testing::runCli({"session", dir.path()}, {}, m_env).exitCode, 2);
        QCOMPARE(testing::runCli({"session", "--memory", "5", notebook.fileName()}, {}, m_env).exitCode, 2);
    }

    void helpOfEverySubcommand()
    {
        QFETCH(QStringList, command);
        const auto viaHelp = runCli(QStringList{"help"} + command, {}, m_env);
        const auto viaFlag = runCli(command + QStringList{"--help"}, {}, m_env);
        QCOMPARE(viaHelp.exitCode, 0);
        QCOMPARE(viaFlag.exitCode, 0);
        QCOMPARE(viaHelp.err, QByteArray());
        QCOMPARE(viaHelp.out, viaFlag.out);
        // The usage line names the whole command, so each subcommand has its own help.
        const QByteArray usage = "Usage: agentrun " + command.join(u' ').toUtf8() + " ";
        QVERIFY2(viaFlag.out.startsWith(usage), viaFlag.out.constData());
    }

    void theOptionsOfBakeAreInItsHelp()
    {
        const auto result = runCli({"help", "deps", "bake"}, {}, m_env);
        for (const char* option : {"--profile P", "--wheelhouse DIR", "--index-url URL", "--timeout SECONDS"})
            QVERIFY2(result.out.contains(option), option);
    }

    void badUsage_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("history --limit without a value")
            << QStringList{"history", "--limit"} << QByteArray("--limit");
        QTest::newRow("history --limit=0") << QStringList{"history", "--limit=0"}
                                           << QByteArray("--limit needs a whole number between 1 and 1000");
        QTest::newRow("history list --offset=-1") << QStringList{"history", "list", "--offset=-1"}
                                                  << QByteArray("--offset needs a whole number of 0 or more");
        QTest::newRow("history --status=frob")
            << QStringList{"history", "--status=frob"} << QByteArray("--status frob is not a run status");
        QTest::newRow("history show without an ID")
            << QStringList{"history", "show"} << QByteArray("history show needs a run ID");
        QTest::newRow("history --file without a value")
            << QStringList{"history", "list", "--file"} << QByteArray("--file");
        QTest::newRow("deps bake --timeout without a value")
            << QStringList{"deps", "bake", "x", "--timeout"} << QByteArray("--timeout");
        QTest::newRow("deps bake --timeout=0")
            << QStringList{"deps", "bake", "--timeout=0", "x"}
            << QByteArray("--timeout takes seconds from 1 to 86400, not \"0\"");
        QTest::newRow("deps bake --timeout=1e30") << QStringList{"deps", "bake", "--timeout=1e30", "x"}
                                                  << QByteArray("--timeout takes seconds from 1 to 86400");
        QTest::newRow("deps bake --wheelhouse without a value")
            << QStringList{"deps", "bake", "x", "--wheelhouse"} << QByteArray("--wheelhouse");
        QTest::newRow("deps bake with no source")
            << QStringList{"deps", "bake", "x"} << QByteArray("say where the packages come from");
        QTest::newRow("deps bake --profile=missing")
            << QStringList{"deps", "bake", "--profile=doesnotexist"} << QByteArray("doesnotexist");
        QTest::newRow("deps bake with nothing to bake")
            << QStringList{"deps", "bake", "--wheelhouse=/tmp"} << QByteArray("name the packages to bake");
        QTest::newRow("deps list --frob")
            << QStringList{"deps", "list", "--frob"} << QByteArray("unknown option --frob");
        QTest::newRow("image build --base without a value")
            << QStringList{"image", "build", "--base"} << QByteArray("--base");
        QTest::newRow("image without a subcommand")
            << QStringList{"image"} << QByteArray("image needs a subcommand: build or status");
        QTest::newRow("image frob") << QStringList{"image", "frob"} << QByteArray("image needs a subcommand");
        QTest::newRow("image status --force (a build option)")
            << QStringList{"image", "status", "--force"} << QByteArray("unknown option --force");
    }

    void badUsage()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, message);
        const auto result = runCli(args, {}, m_env);
        QVERIFY2(result.err.contains(message), result.err.constData());
        QVERIFY2(result.err.startsWith("agentrun: "), result.err.constData());
        QCOMPARE(result.err.count("agentrun: "), 1);
        QCOMPARE(result.exitCode, 2);
        QCOMPARE(result.out, QByteArray());
    }

    void historyTakesOptValueAndOptionsAfterTheSubcommand_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("--opt=value") << QStringList{"history", "--limit=3", "--file=" + m_history, "--json"};
        QTest::newRow("--opt value") << QStringList{"history", "--limit", "3", "--file", m_history, "--json"};
        QTest::newRow("after list") << QStringList{"history", "list", "--json", "--file=" + m_history};
        QTest::newRow("before list") << QStringList{"history", "--json", "--file=" + m_history, "list"};
        QTest::newRow("--status=blocked --overridden") << QStringList{
            "history", "--status=blocked", "--overridden", "--offset=0", "--file=" + m_history, "--json"};
    }

    void historyTakesOptValueAndOptionsAfterTheSubcommand()
    {
        QFETCH(QStringList, args);
        const auto result = runCli(args, {}, m_env);
        QCOMPARE(result.exitCode, 0);
        const auto runs = QJsonDocument::fromJson(result.out).object().value(QStringLiteral("runs"));
        QVERIFY2(runs.isArray(), result.out.constData());
        QCOMPARE(runs.toArray().size(), 0);
    }

    void historyShowOfAnUnknownRunExits1()
    {
        const auto result = runCli({"history", "show", "abcdef", "--file=" + m_history}, {}, m_env);
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(result.err.contains("abcdef"), result.err.constData());
    }

    void imageAndDepsUseTheConfiguredEngine_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("image status") << QStringList{"image", "status", "--json"};
        QTest::newRow("deps list") << QStringList{"deps", "list", "--json"};
        QTest::newRow("deps") << QStringList{"deps"};
        QTest::newRow("deps prune") << QStringList{"deps", "prune"};
    }

    void imageAndDepsUseTheConfiguredEngine()
    {
        QFETCH(QStringList, args);
        QProcessEnvironment env = m_env;
        const QString socket = m_home.filePath(QStringLiteral("no-engine.sock"));
        env.insert(QStringLiteral("DOCKER_HOST"), u"unix://" + socket);
        const auto result = runCli(args, {}, env);
        QCOMPARE(result.exitCode, 3);
        QVERIFY2(result.err.contains(socket.toUtf8()), result.err.constData());
        QVERIFY2(result.err.startsWith("agentrun: Docker is not running"), result.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliSubcommands)
#include "tst_clisubcommands.moc"
