// REST "collect" (issue 17, files out): a run's files come back in its answer, base64, from POST /v2/runs
// (plain and streamed) and from a run in a session; a client can never name a folder on the server; a
// hostile "collect" is refused with the field named before anything starts. The history keeps a run's
// figures and its files' names and sizes (GET /v2/runs/{id}).
#include "tst_restfixture.h"

#include "agentrun/base64.h"

#include <map>

using namespace resttest;

namespace {

/// path -> decoded bytes of files.contents.
std::map<std::string, std::string> contentsOf(const nlohmann::json& result)
{
    std::map<std::string, std::string> out;
    if (!result.contains("files") || !result["files"].contains("contents")) {
        return out;
    }
    for (const auto& item : result["files"]["contents"]) {
        out[item.value("path", "")] = agentrun::base64Decode(item.value("data", "")).value_or("<not base64>");
    }
    return out;
}

/// The data of the SSE "finished" event.
nlohmann::json finishedOf(const std::string& sse)
{
    const auto at = sse.find("event: finished\ndata: ");
    if (at == std::string::npos) {
        return {};
    }
    const auto start = at + 22;
    return nlohmann::json::parse(sse.substr(start, sse.find('\n', start) - start), nullptr, false);
}

std::string code(const nlohmann::json& answer)
{
    return answer.contains("error") ? answer["error"].value("code", "") : std::string();
}

} // namespace

class TestRestCollect : public QObject
{
    Q_OBJECT

    ServerProcess m_server;

private Q_SLOTS:
    void initTestCase()
    {
        QByteArray why;
        QVERIFY2(engineReady(why), why.constData());
        QString error;
        QVERIFY2(m_server.start({"--max-sessions", "1", "--session-idle", "600"}, &error), qPrintable(error));
    }

    void filesComeBackInTheAnswer()
    {
        auto client = m_server.client();
        const nlohmann::json request = {
            {"code", "import os\nos.makedirs('outputs/deep')\nopen('out.csv','w').write('a,b\\n1,2\\n')\n"
                     "open('outputs/deep/bin.dat','wb').write(bytes(range(256)))\n"
                     "os.symlink('/tmp/out.csv', 'outputs/link')\nprint('done')"},
            {"collect", {"out.csv", "outputs/"}}};
        auto res = client->Post("/v2/runs", request.dump(), Json);
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        const auto answer = body(res);
        QCOMPARE(answer.value("status", ""), std::string("ok"));
        QCOMPARE(answer["files"]["in_memory"].get<bool>(), true);
        QCOMPARE(answer["files"]["error"].get<std::string>(), std::string());
        std::string binary;
        for (int b = 0; b < 256; ++b) {
            binary.push_back(static_cast<char>(b));
        }
        const auto contents = contentsOf(answer);
        QCOMPARE(contents.size(), std::size_t{2});
        QCOMPARE(contents.at("out.csv"), std::string("a,b\n1,2\n"));
        QVERIFY(contents.at("outputs/deep/bin.dat") == binary);
        QCOMPARE(answer["files"]["rejected"][0]["path"].get<std::string>(), std::string("outputs/link"));

        // Streamed: the "finished" event carries the same files.
        nlohmann::json streamed = request;
        streamed["stream"] = true;
        const std::string runId = body(client->Post("/v2/runs", streamed.dump(), Json)).value("run_id", "");
        QVERIFY(!runId.empty());
        auto events = client->Get("/v2/runs/" + runId + "/events");
        QVERIFY(events);
        const auto finished = finishedOf(events->body);
        QCOMPARE(contentsOf(finished), contents);
    }

    void aRunInASessionCollects()
    {
        auto client = m_server.client();
        auto opened = client->Post("/v2/sessions", "{}", Json);
        QVERIFY(opened);
        QCOMPARE(opened->status, 201);
        const std::string id = body(opened).value("id", "");
        auto first = body(
            client->Post("/v2/sessions/" + id + "/runs", R"J({"code": "table = 'x,y\\n3,4\\n'"})J", Json));
        QCOMPARE(first.value("status", ""), std::string("ok"));
        auto second = body(
            client->Post("/v2/sessions/" + id + "/runs",
                         R"J({"code": "open('t.csv', 'w').write(table)", "collect": ["t.csv"]})J", Json));
        QCOMPARE(second.value("status", ""), std::string("ok"));
        QCOMPARE(contentsOf(second), (std::map<std::string, std::string>{{"t.csv", "x,y\n3,4\n"}}));
        QCOMPARE(client->Delete("/v2/sessions/" + id)->status, 204);
    }

    /// Refused with the field named, before anything starts: on a server of its own, no container is made
    /// and no run is recorded.
    void hostileCollectIsRefusedBeforeAnythingStarts_data()
    {
        QTest::addColumn<QByteArray>("collect");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("says");
        QTest::newRow("dot dot") << QByteArray(R"(["out/../../etc/passwd"])") << "request.collect"
                                 << "is not accepted";
        QTest::newRow("absolute") << QByteArray(R"(["/etc/passwd"])") << "request.collect"
                                  << "is not accepted";
        QTest::newRow("option") << QByteArray(R"(["--to-command=sh"])") << "request.collect"
                                << "is not accepted";
        QByteArray many = "[";
        for (int i = 0; i < 1000; ++i) {
            many += (i ? ",\"f" : "\"f") + QByteArray::number(i) + "\"";
        }
        QTest::newRow("1000 entries") << many + "]"
                                      << "request.collect"
                                      << "collect names 1000 paths";
        QTest::newRow("huge string") << "[\"" + QByteArray(200000, 'e') + "\"]"
                                     << "request.collect"
                                     << "is not accepted";
        QTest::newRow("not a list") << QByteArray(R"("out.csv")") << "collect"
                                    << "must be a list of paths";
        QTest::newRow("a number in it") << QByteArray(R"(["a", 1])") << "collect"
                                        << "must be a list of paths";
        QTest::newRow("a server folder") << QByteArray(R"({"paths": ["a"], "to": "/tmp/x"})") << "collect"
                                         << "a folder on the server cannot be named";
        QTest::newRow("nested") << QByteArray(R"([["a"]])") << "collect"
                                << "must be a list of paths";
    }

    void hostileCollectIsRefusedBeforeAnythingStarts()
    {
        QFETCH(QByteArray, collect);
        QFETCH(QString, code);
        QFETCH(QString, says);
        ServerProcess server;
        QString error;
        QVERIFY2(server.start({}, &error), qPrintable(error));
        auto client = server.client();
        for (const std::string path : {"/v2/runs", "/v2/sessions/0123456789abcdef/runs"}) {
            const std::string request =
                R"J({"code": "print('never')", "collect": )J" + collect.toStdString() + "}";
            auto res = client->Post(path, request, Json);
            QVERIFY(res);
            QCOMPARE(res->status, 422);
            const auto answer = body(res);
            QCOMPARE(::code(answer), code.toStdString());
            const std::string message = answer["error"].value("message", "");
            QVERIFY2(message.find(says.toStdString()) != std::string::npos, message.c_str());
            QVERIFY2(res->body.size() < 2048, res->body.substr(0, 300).c_str()); // a huge path is not echoed
        }
        QCOMPARE(containersOf(server.pid()), 0);
        auto runs = body(client->Get("/v2/runs"));
        QVERIFY2(runs.contains("runs") && runs["runs"].empty(), runs.dump().c_str());
        QCOMPARE(server.stop(), 0);
    }

    /// Item 2: the history keeps a run's figure (its image within the cap) and its files' names and sizes;
    /// GET /v2/runs/{id} of the finished run returns them. A chart from the data-science image.
    void historyKeepsTheFigureAndFiles()
    {
        if (qEnvironmentVariableIsSet("AGENTRUN_NO_DATASCIENCE")) {
            QSKIP("AGENTRUN_NO_DATASCIENCE is set: no data-science image");
        }
        const QByteArray image = qgetenv("AGENTRUN_DATASCIENCE_IMAGE");
        qputenv("AGENTRUN_IMAGE", image.isEmpty() ? QByteArray("agentrun-sandbox:datascience") : image);
        ServerProcess server;
        QString error;
        const bool started = server.start({}, &error);
        qunsetenv("AGENTRUN_IMAGE");
        QVERIFY2(started, qPrintable(error));
        auto client = server.client();
        const nlohmann::json request = {
            {"code", "import matplotlib.pyplot as plt\nopen('table.csv', 'w').write('x,y\\n1,2\\n')\n"
                     "plt.figure(figsize=(4, 3), dpi=100)\nplt.plot([1, 4, 9])\nplt.show()\n"},
            {"collect", {"table.csv"}}};
        auto res = client->Post("/v2/runs", request.dump(), Json);
        QVERIFY(res);
        const auto answer = body(res);
        QVERIFY2(answer.value("status", "") == "ok", res->body.substr(0, 2000).c_str());
        QCOMPARE(answer["figures"].size(), std::size_t{1});
        const std::string runId = answer.value("run_id", "");

        auto stored = client->Get("/v2/runs/" + runId);
        QVERIFY(stored);
        QCOMPARE(stored->status, 200);
        const auto record = body(stored);
        QCOMPARE(record["figures"].size(), std::size_t{1});
        const auto& figure = record["figures"][0];
        QCOMPARE(figure["stored"].get<bool>(), true);
        QCOMPARE(figure["width"].get<int>(), 400);
        QCOMPARE(figure["height"].get<int>(), 300);
        const std::string png = agentrun::base64Decode(figure.value("data", "")).value_or("");
        QCOMPARE(png, agentrun::base64Decode(answer["figures"][0].value("data", "")).value_or("-"));
        QCOMPARE(static_cast<std::int64_t>(png.size()), figure["bytes"].get<std::int64_t>());
        QVERIFY(png.starts_with("\x89PNG\r\n\x1a\n"));
        const auto be32 = [&](std::size_t at) {
            return (static_cast<unsigned char>(png[at]) << 24) |
                   (static_cast<unsigned char>(png[at + 1]) << 16) |
                   (static_cast<unsigned char>(png[at + 2]) << 8) | static_cast<unsigned char>(png[at + 3]);
        };
        QCOMPARE(be32(16), 400); // the IHDR's width and height: the image decodes to the figure's size
        QCOMPARE(be32(20), 300);
        QVERIFY2(record["collected_files"] == nlohmann::json::parse(R"([{"path": "table.csv", "size": 8}])"),
                 record["collected_files"].dump().c_str());
        QVERIFY(!record.contains("files")); // the bytes of collected files are not stored
        QCOMPARE(server.stop(), 0);
    }

    void cleanupTestCase()
    {
        const qint64 pid = m_server.pid();
        QCOMPARE(m_server.stop(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(containersOf(pid), 0, 30000);
    }
};

QTEST_GUILESS_MAIN(TestRestCollect)
#include "tst_restcollect.moc"
