// `agentrun serve --recycle N`: consecutive runs share a container (same hostname) up to N, and the
// second sees nothing the first left; the option is validated.
#include "tst_restfixture.h"

using namespace resttest;
using nlohmann::json;

namespace {
std::string hostnameRun(httplib::Client& client, const std::string& extra)
{
    auto res = client.Post(
        "/v2/runs", json{{"code", "import os, socket\nprint(socket.gethostname())\n" + extra}}.dump(), Json);
    if (!res || res->status != 200) {
        return "request failed";
    }
    return json::parse(res->body).value("stdout", std::string());
}
} // namespace

class TestRestRecycle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QByteArray why;
        QVERIFY2(engineReady(why), QByteArray("The Docker engine is needed: " + why).constData());
    }

    void runsShareAContainerUpToN()
    {
        ServerProcess server;
        QString error;
        QVERIFY2(server.start({"--recycle", "2", "--no-history"}, &error), qPrintable(error));
        auto client = server.client();
        const auto first = hostnameRun(*client, "open('left.txt', 'w').write('x')");
        const auto second = hostnameRun(*client, "print(os.path.exists('left.txt'))");
        const auto third = hostnameRun(*client, "");
        QVERIFY2(!first.empty() && first != "request failed", first.c_str());
        QCOMPARE(second, first + "False\n"); // same container, nothing left
        QVERIFY(third.substr(0, third.find('\n')) != first.substr(0, first.find('\n'))); // 2 runs, then fresh
        QCOMPARE(server.stop(), 0);
    }

    void rejectsAbsurdValues()
    {
        for (const char* value : {"0", "1001", "2.5", "x"}) {
            QProcess serve;
            serve.start(AGENTRUN_CLI, {"serve", "--listen", "127.0.0.1:0", "--recycle", value});
            QVERIFY(serve.waitForFinished(30000));
            QCOMPARE(serve.exitCode(), 2);
            QVERIFY2(serve.readAllStandardError().contains(
                         "--recycle needs a whole number of runs per container between 1 and 1000"),
                     value);
        }
    }
};

QTEST_GUILESS_MAIN(TestRestRecycle)
#include "tst_restrecycle.moc"
