// Every path a person gives the CLI is read the same way: a directory, a missing file or an unreadable
// one is a usage error (exit 2) that names the path and the reason, never an abort.
#include "helper_cli.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using testing::runCli;

class TestCliInputs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        QVERIFY(QDir(m_home.path()).mkpath(QStringLiteral("folder")));
        QFile snippet(m_home.filePath(QStringLiteral("snippet.py")));
        QVERIFY(snippet.open(QIODevice::WriteOnly));
        snippet.write("print('hi')\n");
    }

    void pathsAreChecked_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("reason");
        const QString dir = m_home.filePath(QStringLiteral("folder"));
        const QString missing = m_home.filePath(QStringLiteral("missing.py"));
        const QString snippet = m_home.filePath(QStringLiteral("snippet.py"));
        QTest::newRow("run DIR") << QStringList{"run", dir} << "is a directory";
        QTest::newRow("check DIR") << QStringList{"check", dir} << "is a directory";
        QTest::newRow("run --stdin DIR") << QStringList{"run", "--stdin", dir, snippet} << "is a directory";
        QTest::newRow("profile import DIR") << QStringList{"profile", "import", dir} << "is a directory";
        QTest::newRow("check --policy DIR")
            << QStringList{"check", "--policy", dir, snippet} << "is a directory";
        QTest::newRow("serve --token-file DIR")
            << QStringList{"serve", "--token-file", dir} << "is a directory";
        QTest::newRow("run MISSING") << QStringList{"run", missing} << "no such file";
        QTest::newRow("check MISSING") << QStringList{"check", missing} << "no such file";
        QTest::newRow("profile import MISSING")
            << QStringList{"profile", "import", missing} << "no such file";
    }

    void pathsAreChecked()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, reason);
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.filePath(QStringLiteral("config")));
        environment.insert(QStringLiteral("XDG_DATA_HOME"), m_home.filePath(QStringLiteral("data")));
        const auto result = runCli(args, {}, environment);
        QVERIFY2(!result.err.contains("terminate called"), result.err.constData());
        QVERIFY2(result.err.contains(reason.toUtf8()), result.err.constData());
        QVERIFY2(result.err.startsWith("agentrun: "), result.err.constData());
        QCOMPARE(result.exitCode, 2);
        QCOMPARE(result.out, QByteArray());
    }

private:
    QTemporaryDir m_home;
};

QTEST_APPLESS_MAIN(TestCliInputs)
#include "tst_cliinputs.moc"
