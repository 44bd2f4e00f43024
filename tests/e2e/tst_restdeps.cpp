// `agentrun serve --wheelhouse DIR`: a /v2 run that needs a whitelisted package installs it from the
// operator's folder of wheels (issue 16: serve could not be given a source, so such runs failed with
// deps.no_source), under a requirement spelling of the client's own (`Agentrun_Rest.Probe==1.*` against the
// whitelist entry `agentrun-rest-probe`). Real engine, a wheel built at test time, no package index.

#include "helper_wheel.h"
#include "tst_restfixture.h"

using namespace resttest;
using nlohmann::json;

class TestRestDeps : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QByteArray why;
        QVERIFY2(engineReady(why), why.constData());
        QVERIFY(m_dir.isValid());
    }

    void aRunInstallsFromTheServersWheelhouse()
    {
        const QString wheels = m_dir.filePath(QStringLiteral("wheels"));
        QVERIFY(QDir().mkpath(wheels));
        testing::makeWheel(wheels.toStdString(), "agentrun-rest-probe", "agentrun_rest_probe", "1.0");
        ServerProcess server;
        QString error;
        QVERIFY2(server.start({"--allow", "agentrun-rest-probe", "--wheelhouse", wheels}, &error),
                 qPrintable(error));
        auto client = server.client(std::chrono::seconds(300)); // an install on a busy machine
        const json request = {{"code", "import agentrun_rest_probe\nprint(agentrun_rest_probe.__name__)\n"},
                              {"dependencies", {"Agentrun_Rest.Probe==1.*"}}};
        auto answer = client->Post("/v2/runs", request.dump(), Json);
        QVERIFY(answer);
        QVERIFY2(answer->status == 200, answer->body.c_str());
        const auto result = body(answer);
        QVERIFY2(result["status"] == "ok", answer->body.c_str());
        QCOMPARE(result["stdout"].get<std::string>(), std::string("agentrun_rest_probe\n"));
        // A body cannot name a folder of its own.
        auto own = client->Post("/v2/runs", json{{"code", "1"}, {"wheelhouse", "/etc"}}.dump(), Json);
        QVERIFY(own);
        QCOMPARE(own->status, 422);
        QCOMPARE(body(own)["error"]["code"].get<std::string>(), std::string("wheelhouse"));
        QCOMPARE(server.stop(), 0);
    }

    void aWheelhouseThatIsNoFolderIsRefusedAtStart()
    {
        ServerProcess server;
        QString error;
        QVERIFY(!server.start({"--wheelhouse", m_dir.filePath(QStringLiteral("missing"))}, &error));
        const QString log = server.log(); // complete once the process has ended
        QVERIFY2(log.contains(QStringLiteral("--wheelhouse")) && log.contains(QStringLiteral("not a folder")),
                 qPrintable(log));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestRestDeps)
#include "tst_restdeps.moc"
