#include <QProcess>
#include <QRegularExpression>
#include <QTest>

/// The layering promise: the core library and the CLI/REST binary link no Qt at all.
class TestLinkage : public QObject
{
    Q_OBJECT

    static QByteArray run(const QString& program, const QStringList& args)
    {
        QProcess process;
        process.start(program, args);
        if (!process.waitForFinished(60000) || process.exitCode() != 0) {
            qFatal("%s failed: %s", qPrintable(program), process.readAllStandardError().constData());
        }
        return process.readAllStandardOutput();
    }

private Q_SLOTS:
    void cliLinksNoQt()
    {
        const QByteArray libraries = run("ldd", {AGENTRUN_CLI});
        QVERIFY(libraries.contains("libcurl"));
        QVERIFY2(!libraries.contains("libQt"), libraries.constData());
    }

    void coreNeedsNoQtSymbol()
    {
        const QString undefined = QString::fromUtf8(run("nm", {"-C", "-u", AGENTRUN_CORE_LIB}));
        QVERIFY(undefined.contains("curl_easy_perform"));
        static const QRegularExpression qtSymbol(R"(\bQ(Object|String|ByteArray|Core|MetaObject|Debug)\b)");
        const auto match = qtSymbol.match(undefined);
        QVERIFY2(!match.hasMatch(), qPrintable(match.captured(0)));
    }
};

QTEST_APPLESS_MAIN(TestLinkage)
#include "tst_linkage.moc"
