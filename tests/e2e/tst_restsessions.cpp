// REST /v2/sessions against a real `agentrun serve` and engine: open, run with state kept, streamed runs in
// a session, one at a time (409), limits fixed at open (422), the cap (429), restart, close (204, then 404),
// hostile bodies and ids, a token, and no container left when the server stops.
#include "tst_restfixture.h"

#include <future>

using namespace resttest;

namespace {

nlohmann::json runIn(httplib::Client& client, const std::string& id, const std::string& code,
                     int* status = nullptr, nlohmann::json extra = nlohmann::json::object())
{
    extra["code"] = code;
    auto res = client.Post("/v2/sessions/" + id + "/runs", extra.dump(), Json);
    if (status) {
        *status = res ? res->status : -1;
    }
    return body(res);
}

/// The stdout events of an SSE body, joined.
std::string stdoutOf(const std::string& sse)
{
    std::string out;
    bool inStdout = false;
    std::size_t start = 0;
    while (start < sse.size()) {
        const auto end = std::min(sse.find('\n', start), sse.size());
        const std::string line = sse.substr(start, end - start);
        if (line.starts_with("event: ")) {
            inStdout = line == "event: stdout";
        } else if (inStdout && line.starts_with("data: ")) {
            out += nlohmann::json::parse(line.substr(6)).value("data", "");
        }
        start = end + 1;
    }
    return out;
}

std::string str(const nlohmann::json& value)
{
    return value.is_string() ? value.get<std::string>() : value.dump();
}

} // namespace

class TestRestSessions : public QObject
{
    Q_OBJECT

    ServerProcess m_server;

private Q_SLOTS:
    void initTestCase()
    {
        QByteArray why;
        QVERIFY2(engineReady(why), why.constData());
        QString error;
        QVERIFY2(m_server.start({"--max-sessions", "2", "--session-idle", "600"}, &error), qPrintable(error));
    }

    void aSessionKeepsItsState()
    {
        auto client = m_server.client();
        auto opened = client->Post("/v2/sessions", R"({"limits": {"memory": "128m"}})", Json);
        QVERIFY(opened);
        QCOMPARE(opened->status, 201);
        const auto session = body(opened);
        const std::string id = session.value("id", "");
        QVERIFY(!id.empty());
        QCOMPARE(opened->get_header_value("Location"), "/v2/sessions/" + id);
        QCOMPARE(session["limits"]["memory"].get<std::int64_t>(), 128LL << 20);
        QCOMPARE(session["busy"].get<bool>(), false);

        int status = 0;
        auto first = runIn(*client, id, "import json\ntotal = 40", &status);
        QCOMPARE(status, 200);
        QCOMPARE(str(first["status"]), std::string("ok"));
        QCOMPARE(str(first["session"]["id"]), id);
        QCOMPARE(first["session"]["cell"].get<int>(), 1);
        auto second = runIn(*client, id, "total += 2\nprint(json.dumps({'total': total}))", &status);
        QCOMPARE(str(second["stdout"]), std::string("{\"total\": 42}\n"));
        QCOMPARE(second["session"]["cell"].get<int>(), 2);
        QCOMPARE(second["session"]["restarted"].get<bool>(), false);
        QCOMPARE(str(second["session"]["variables"][0]["name"]), std::string("total"));

        // A streamed run in the session: the events of /v2/runs, the result with its session.
        auto streamed = body(client->Post("/v2/sessions/" + id + "/runs",
                                          R"J({"code": "print(total * 2)", "stream": true})J", Json));
        const std::string runId = streamed.value("run_id", "");
        QVERIFY(!runId.empty());
        auto events = client->Get("/v2/runs/" + runId + "/events");
        QVERIFY(events);
        QCOMPARE(stdoutOf(events->body), std::string("84\n")); // print() may write "84" and "\n" apart
        QVERIFY(events->body.find("event: finished") != std::string::npos);
        auto stored = body(client->Get("/v2/runs/" + runId));
        QCOMPARE(str(stored["stdout"]), std::string("84\n"));

        auto listed = body(client->Get("/v2/sessions"));
        QCOMPARE(listed["sessions"].size(), std::size_t{1});
        QCOMPARE(listed["sessions"][0]["runs"].get<int>(), 3);
        auto closed = client->Delete("/v2/sessions/" + id);
        QVERIFY(closed);
        QCOMPARE(closed->status, 204);
        runIn(*client, id, "print(total)", &status);
        QCOMPARE(status, 404);
        QCOMPARE(client->Delete("/v2/sessions/" + id)->status, 404);
    }

    void oneRunAtATimeAndFixedLimits()
    {
        auto client = m_server.client();
        const std::string id = body(client->Post("/v2/sessions", "{}", Json)).value("id", "");
        QVERIFY(!id.empty());
        int status = 0;
        auto bad = runIn(*client, id, "print(1)", &status, {{"limits", {{"memory", "1g"}}}});
        QCOMPARE(status, 422);
        QCOMPARE(str(bad["error"]["code"]), std::string("limits.memory"));
        auto slow = std::async(std::launch::async, [&] {
            auto other = m_server.client();
            int code = 0;
            return std::make_pair(runIn(*other, id, "import time\ntime.sleep(4)\nprint('slow')", &code),
                                  code);
        });
        for (int i = 0; i < 200; ++i) {
            if (body(client->Get("/v2/sessions/" + id)).value("busy", false)) {
                break;
            }
            QThread::msleep(50);
        }
        auto refused = runIn(*client, id, "print('second')", &status);
        QCOMPARE(status, 409);
        QCOMPARE(str(refused["error"]["code"]), std::string("session.busy"));
        QCOMPARE(client->Post("/v2/sessions/" + id + "/restart", "{}", Json)->status, 409);
        auto [result, code] = slow.get();
        QCOMPARE(code, 200);
        QCOMPARE(str(result["stdout"]), std::string("slow\n"));
        // A timeout restarts the session and says so.
        auto stuck =
            runIn(*client, id, "kept = 1\nwhile True:\n    pass", &status, {{"limits", {{"timeout", 2}}}});
        QCOMPARE(str(stuck["status"]), std::string("timeout"));
        QCOMPARE(stuck["session"]["restarted"].get<bool>(), true);
        QVERIFY(stuck["message"].get<std::string>().find("Session restarted: state lost") !=
                std::string::npos);
        auto restarted = client->Post("/v2/sessions/" + id + "/restart", "{}", Json);
        QCOMPARE(restarted->status, 200);
        QCOMPARE(body(restarted)["restarts"].get<int>(), 2);
        QCOMPARE(client->Delete("/v2/sessions/" + id)->status, 204);
    }

    void theCapAndHostileInput()
    {
        auto client = m_server.client();
        const std::string a = body(client->Post("/v2/sessions", "{}", Json)).value("id", "");
        const std::string b = body(client->Post("/v2/sessions", "{}", Json)).value("id", "");
        QVERIFY(!a.empty() && !b.empty());
        auto third = client->Post("/v2/sessions", "{}", Json);
        QCOMPARE(third->status, 429);
        QCOMPARE(str(body(third)["error"]["code"]), std::string("session.limit"));
        QCOMPARE(client->Delete("/v2/sessions/" + b)->status, 204);

        // Bodies: unknown fields, code at open, limits out of range, not an object, nested deep.
        auto unknown = client->Post("/v2/sessions", R"J({"code": "print(1)"})J", Json);
        QCOMPARE(unknown->status, 422);
        auto huge = client->Post("/v2/sessions", R"({"limits": {"memory": "900g"}})", Json);
        QCOMPARE(huge->status, 422);
        QCOMPARE(str(body(huge)["error"]["code"]), std::string("limits.memory"));
        QCOMPARE(client->Post("/v2/sessions", "[1, 2]", Json)->status, 422);
        QCOMPARE(client->Post("/v2/sessions", std::string(5000, '[') + std::string(5000, ']'), Json)->status,
                 400);
        QCOMPARE(client->Post("/v2/sessions", "{}", "text/plain")->status, 415);
        // Ids that are not ids, or name no session.
        QCOMPARE(client->Get("/v2/sessions/../runs")->status, 404);
        QCOMPARE(client->Get("/v2/sessions/ffffffffffffffff")->status, 404);
        QCOMPARE(str(body(client->Get("/v2/sessions/ffffffffffffffff"))["error"]["code"]),
                 std::string("session.not_found"));
        QCOMPARE(client->Post("/v2/sessions/ffffffffffffffff/restart", "{}", Json)->status, 404);
        int status = 0;
        runIn(*client, "zz", "print(1)", &status);
        QCOMPARE(status, 404);
        // Blocked code in a session: nothing runs, the session stays as it was.
        runIn(*client, a, "x = 5", &status);
        auto blocked = runIn(*client, a, "import os\nos.system('id')", &status);
        QCOMPARE(str(blocked["status"]), std::string("blocked"));
        QCOMPARE(str(runIn(*client, a, "print(x)")["stdout"]), std::string("5\n"));
        // From another origin: refused before anything happens.
        httplib::Headers foreign = {{"Origin", "http://evil.example"}};
        auto cross = client->Post("/v2/sessions", foreign, "{}", Json);
        QCOMPARE(cross->status, 403);
        QCOMPARE(body(client->Get("/v2/sessions"))["sessions"].size(), std::size_t{1});
    }

    void filesInARequestBody()
    {
        auto client = m_server.client();
        const nlohmann::json run = {
            {"code", "print(open('notes.txt').read(), open('raw/b.bin', 'rb').read())"},
            {"files",
             {{{"name", "notes.txt"}, {"text", "hello"}}, {{"name", "raw/b.bin"}, {"base64", "AAH/"}}}}};
        auto result = body(client->Post("/v2/runs", run.dump(), Json));
        QCOMPARE(str(result["stdout"]), std::string("hello b'\\x00\\x01\\xff'\n"));
        // Into a session: there for this run and the next.
        const std::string id = body(client->Post("/v2/sessions", "{}", Json)).value("id", "");
        QVERIFY(!id.empty());
        int status = 0;
        runIn(*client, id, "pass", &status, {{"files", {{{"name", "kept.txt"}, {"text", "kept"}}}}});
        QCOMPARE(status, 200);
        QCOMPARE(str(runIn(*client, id, "print(open('kept.txt').read())")["stdout"]), std::string("kept\n"));
        QCOMPARE(client->Delete("/v2/sessions/" + id)->status, 204);
        // Hostile: not a list, no content, bad base64, a path out of the folder, too many.
        const auto refused = [&](const nlohmann::json& files) {
            auto res =
                client->Post("/v2/runs", nlohmann::json{{"code", "print(1)"}, {"files", files}}.dump(), Json);
            return std::make_pair(res ? res->status : -1, str(body(res)["error"]["code"]));
        };
        QCOMPARE(refused("notes.txt"), std::make_pair(422, std::string("files.content")));
        QCOMPARE(refused({{{"name", "a"}}}), std::make_pair(422, std::string("files.content")));
        QCOMPARE(refused({{{"name", "a"}, {"text", "x"}, {"base64", "eA=="}}}),
                 std::make_pair(422, std::string("files.content")));
        QCOMPARE(refused({{{"name", "a"}, {"base64", "not base64!"}}}),
                 std::make_pair(422, std::string("files.content")));
        QCOMPARE(refused({{{"name", "../../etc/x"}, {"text", "x"}}}),
                 std::make_pair(422, std::string("files.name")));
        QCOMPARE(refused({{{"name", 5}, {"text", "x"}}}), std::make_pair(422, std::string("files.name")));
        nlohmann::json many = nlohmann::json::array();
        for (int i = 0; i < 70; ++i) {
            many.push_back({{"name", "f" + std::to_string(i)}, {"text", "x"}});
        }
        QCOMPARE(refused(many), std::make_pair(422, std::string("files.count")));
    }

    void aTokenGuardsSessions()
    {
        ServerProcess guarded;
        QTemporaryDir dir;
        QFile token(dir.filePath("token"));
        QVERIFY(token.open(QIODevice::WriteOnly));
        token.write("s3cret-token-for-sessions");
        token.close();
        QString error;
        QVERIFY2(guarded.start({"--token-file", token.fileName()}, &error), qPrintable(error));
        auto client = guarded.client();
        QCOMPARE(client->Post("/v2/sessions", "{}", Json)->status, 401);
        client->set_bearer_token_auth("wrong");
        QCOMPARE(client->Get("/v2/sessions")->status, 401);
        client->set_bearer_token_auth("s3cret-token-for-sessions");
        auto opened = client->Post("/v2/sessions", "{}", Json);
        QCOMPARE(opened->status, 201);
        const qint64 pid = guarded.pid();
        QCOMPARE(containersOf(pid), 1); // the session's sandbox (the pool fills on the first run)
        QCOMPARE(guarded.stop(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(containersOf(pid), 0, 30000);
    }

    void nothingIsLeftWhenTheServerStops()
    {
        const qint64 pid = m_server.pid();
        QCOMPARE(m_server.stop(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(containersOf(pid), 0, 30000);
    }
};

QTEST_GUILESS_MAIN(TestRestSessions)
#include "tst_restsessions.moc"
