// End-to-end: real HTTP against an `agentrun serve` process, real engine.

#include "tst_restfixture.h"

#include <QFile>

#include <atomic>
#include <fstream>
#include <thread>

using namespace resttest;
using nlohmann::json;

namespace {

/// Server-Sent Events of one response body, in order.
std::vector<std::pair<std::string, json>> parseEvents(const std::string& text)
{
    std::vector<std::pair<std::string, json>> events;
    std::string name;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        const std::string line = text.substr(start, end - start);
        if (line.starts_with("event: ")) {
            name = line.substr(7);
        } else if (line.starts_with("data: ")) {
            events.emplace_back(name, json::parse(line.substr(6), nullptr, false));
        }
        start = end + 1;
    }
    return events;
}

/// A JSON value as text for QCOMPARE: strings as they are, everything else dumped.
std::string str(const json& value)
{
    return value.is_string() ? value.get<std::string>() : value.dump();
}

} // namespace

class TestRest : public QObject
{
    Q_OBJECT

private:
    ServerProcess m_server;

private Q_SLOTS:
    void initTestCase()
    {
        QByteArray why;
        QVERIFY2(engineReady(why), QByteArray("The Docker engine is needed: " + why).constData());
        QString error;
        QVERIFY2(m_server.start({"--timeout", "2", "--max-concurrent", "4"}, &error), qPrintable(error));
    }

    void compat_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("exact");
        QTest::addColumn<QString>("contains");
        QFile file(AGENTRUN_TEST_DATA "/safety/agentrun_upstream_cases.json");
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto cases = json::parse(file.readAll().toStdString());
        int rows = 0;
        for (const auto& c : cases) {
            const json config = c.value("config", json::object());
            const std::string expect = c.value("expect", "");
            // The execute_code cases that need neither the network, a per-case whitelist nor a named
            // container.
            if (c.value("api", "") != "execute_code_in_container" || c.value("needs_network", false) ||
                config.contains("container_name") ||
                !config.value("cached_dependencies", json::array()).empty() ||
                expect.find("Dependency:") != std::string::npos) {
                continue;
            }
            const QString exact = QString::fromStdString(c.value("exact_return", ""));
            QString contains;
            if (expect.starts_with("error-contains:")) {
                contains = QString::fromStdString(expect.substr(15));
            }
            QTest::newRow(c.value("name", "").c_str())
                << QString::fromStdString(c["code"]) << exact << contains;
            ++rows;
        }
        QVERIFY(rows >= 8);
    }

    void compat()
    {
        QFETCH(QString, code);
        QFETCH(QString, exact);
        QFETCH(QString, contains);
        auto client = m_server.client();
        auto res = client->Post("/v1/run/", json{{"code", code.toStdString()}}.dump(), Json);
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        const auto reply = body(res);
        QVERIFY2(reply.contains("output") && reply.size() == 1, res->body.c_str());
        const QString output = QString::fromStdString(reply["output"]);
        if (!exact.isEmpty()) {
            QCOMPARE(output, exact);
        }
        if (!contains.isEmpty()) {
            QVERIFY2(output.contains(contains), res->body.c_str());
        }
    }

    void compatDependencyNotWhitelisted()
    {
        // AgentRun's execute_with_dependencies_2: a server whose whitelist does not hold numpy.
        ServerProcess server;
        QString error;
        QVERIFY2(server.start({"--allow", "requests"}, &error), qPrintable(error));
        auto res = server.client()->Post(
            "/v1/run/", json{{"code", "import numpy as np\nprint(np.array([1]))"}}.dump(), Json);
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        QVERIFY2(body(res)["output"].get<std::string>().find("Dependency: numpy is not in the whitelist.") !=
                     std::string::npos,
                 res->body.c_str());
    }

    void compatExceptionKeepsTraceback()
    {
        auto res = m_server.client()->Post("/v1/run/", json{{"code", "print(f'{1/0}')"}}.dump(), Json);
        QVERIFY(res);
        const std::string output = body(res)["output"];
        QVERIFY2(output.starts_with("Traceback (most recent call last):"), output.c_str());
        QVERIFY2(output.ends_with("ZeroDivisionError: division by zero\n"), output.c_str());
    }

    void healthAndOpenApi()
    {
        auto client = m_server.client();
        auto health = client->Get("/v1/health/");
        QVERIFY(health);
        QCOMPARE(str(body(health)), json({{"status", "ok"}}).dump());
        auto doc = client->Get("/openapi.json");
        QVERIFY(doc);
        const auto api = body(doc);
        QVERIFY(api["openapi"].get<std::string>().starts_with("3."));
        for (const char* path : {"/v1/run/", "/v1/health/", "/v2/runs", "/v2/runs/{id}",
                                 "/v2/runs/{id}/events", "/v2/check", "/openapi.json"}) {
            QVERIFY2(api["paths"].contains(path), path);
        }
    }

    void v2WithLimits()
    {
        auto client = m_server.client();
        auto ok = client->Post("/v2/runs",
                               json{{"code", "print(input().upper())"},
                                    {"stdin", "abc\n"},
                                    {"limits", {{"timeout", 10}, {"memory", "128m"}}}}
                                   .dump(),
                               Json);
        QVERIFY(ok);
        QCOMPARE(ok->status, 200);
        auto result = body(ok);
        QCOMPARE(str(result["status"]), std::string("ok"));
        QCOMPARE(str(result["stdout"]), std::string("ABC\n"));
        QCOMPARE(result["run_id"].get<std::string>(), ok->get_header_value("X-Agentrun-Run-Id"));

        auto oom = client->Post("/v2/runs",
                                json{{"code", "b = bytearray(200 * 1024 * 1024)\nprint(len(b))"},
                                     {"limits", {{"memory", "64m"}, {"tmpfs_size", "16m"}, {"timeout", 20}}}}
                                    .dump(),
                                Json);
        QVERIFY(oom);
        QCOMPARE(oom->status, 200);
        QCOMPARE(str(body(oom)["status"]), std::string("out_of_memory"));

        auto slow = client->Post(
            "/v2/runs", json{{"code", "import time\ntime.sleep(5)"}, {"limits", {{"timeout", 1}}}}.dump(),
            Json);
        QVERIFY(slow);
        QCOMPARE(str(body(slow)["status"]), std::string("timeout"));

        auto tiny =
            client->Post("/v2/runs", json{{"code", "print(1)"}, {"limits", {{"memory", "5"}}}}.dump(), Json);
        QVERIFY(tiny);
        QCOMPARE(tiny->status, 422);
        QCOMPARE(str(body(tiny)["error"]["code"]), std::string("limits.memory"));
        QVERIFY(body(tiny)["error"]["message"].get<std::string>().find("16 MiB") != std::string::npos);

        auto unknown =
            client->Post("/v2/runs", json{{"code", "1"}, {"limits", {{"memroy", "1g"}}}}.dump(), Json);
        QCOMPARE(unknown->status, 422);
        QCOMPARE(str(body(unknown)["error"]["code"]), std::string("limits.memroy"));
        auto network =
            client->Post("/v2/runs", json{{"code", "1"}, {"limits", {{"network", "bridge"}}}}.dump(), Json);
        QCOMPARE(network->status, 422);
        QCOMPARE(str(body(network)["error"]["code"]), std::string("limits.network"));
        auto policy = client->Post("/v2/runs", json{{"code", "1"}, {"policy", "/etc/passwd"}}.dump(), Json);
        QCOMPARE(policy->status, 422);
        QCOMPARE(str(body(policy)["error"]["code"]), std::string("policy"));
    }

    void v2WithProfile()
    {
        auto client = m_server.client();
        // The built-in strict profile brings the strict policy, which blocks `import socket` (only
        // information in standard).
        auto strict = client->Post(
            "/v2/runs",
            json{{"code", "import socket\nprint(socket.gethostname())"}, {"profile", "strict"}}.dump(), Json);
        QVERIFY(strict);
        QCOMPARE(strict->status, 200);
        QCOMPARE(str(body(strict)["status"]), std::string("blocked"));
        auto standard =
            client->Post("/v2/runs", json{{"code", "import os\nprint(os.getcwd())"}}.dump(), Json);
        QCOMPARE(str(body(standard)["status"]), std::string("ok"));
        auto unknown =
            client->Post("/v2/runs", json{{"code", "1"}, {"profile", "no-such-profile"}}.dump(), Json);
        QCOMPARE(unknown->status, 422);
        QCOMPARE(str(body(unknown)["error"]["code"]), std::string("profile"));
        QVERIFY(body(unknown)["error"]["message"].get<std::string>().find("known profiles") !=
                std::string::npos);
    }

    void sseEventOrder()
    {
        auto client = m_server.client();
        const std::string code = "import sys, time\nprint('one', flush=True)\ntime.sleep(0.3)\n"
                                 "print('two', file=sys.stderr)\nprint('three')\n";
        auto started = client->Post("/v2/runs", json{{"code", code}, {"stream", true}}.dump(), Json);
        QVERIFY(started);
        QCOMPARE(started->status, 200);
        const std::string id = body(started)["run_id"];
        QVERIFY(!id.empty());

        std::string text;
        auto events = client->Get("/v2/runs/" + id + "/events", [&](const char* data, std::size_t length) {
            text.append(data, length);
            return true;
        });
        QVERIFY(events);
        QCOMPARE(events->status, 200);
        const auto parsed = parseEvents(text);
        QVERIFY2(parsed.size() >= 5, text.c_str());
        QCOMPARE(parsed.front().first, std::string("stage"));
        QCOMPARE(str(parsed.front().second["stage"]), std::string("checking"));
        QCOMPARE(parsed.back().first, std::string("finished"));
        QCOMPARE(str(parsed.back().second["status"]), std::string("ok"));
        QCOMPARE(parsed.back().second["run_id"].get<std::string>(), id);

        std::vector<std::string> stages;
        std::string out;
        std::string err;
        int firstOutput = -1;
        int running = -1;
        for (int i = 0; i < static_cast<int>(parsed.size()); ++i) {
            const auto& [name, data] = parsed[static_cast<std::size_t>(i)];
            if (name == "stage") {
                stages.push_back(data["stage"]);
                if (data["stage"] == "running") {
                    running = i;
                }
            } else if (name == "stdout" || name == "stderr") {
                (name == "stdout" ? out : err) += data["data"].get<std::string>();
                firstOutput = firstOutput < 0 ? i : firstOutput;
            }
        }
        QCOMPARE(out, std::string("one\nthree\n"));
        QCOMPARE(err, std::string("two\n"));
        QVERIFY(running >= 0 && running < firstOutput);
        QCOMPARE(stages.back(), std::string("finished"));

        // The finished event comes after the history row: the run is there at once.
        auto stored = client->Get("/v2/runs/" + id);
        QVERIFY(stored);
        QCOMPARE(stored->status, 200);
        QCOMPARE(str(body(stored)["code"]), code);
        QCOMPARE(str(body(stored)["stdout"]), std::string("one\nthree\n"));

        // A reader arriving after the end still gets every event, from the start.
        std::string again;
        client->Get("/v2/runs/" + id + "/events", [&](const char* data, std::size_t length) {
            again.append(data, length);
            return true;
        });
        QCOMPARE(again, text);
    }

    void sseBlockedRunSendsFindings()
    {
        auto client = m_server.client();
        auto started = client->Post(
            "/v2/runs", json{{"code", "import os\nos.system('ls')"}, {"stream", true}}.dump(), Json);
        const std::string id = body(started)["run_id"];
        std::string text;
        client->Get("/v2/runs/" + id + "/events", [&](const char* data, std::size_t length) {
            text.append(data, length);
            return true;
        });
        const auto parsed = parseEvents(text);
        QVERIFY(!parsed.empty());
        const auto finding = std::ranges::find_if(parsed, [](const auto& e) { return e.first == "finding"; });
        QVERIFY2(finding != parsed.end(), text.c_str());
        QCOMPARE(str(finding->second["rule"]), std::string("process-exec"));
        QCOMPARE(str(parsed.back().second["status"]), std::string("blocked"));
    }

    void check()
    {
        auto res =
            m_server.client()->Post("/v2/check", json{{"code", "import os\nos.system('x')"}}.dump(), Json);
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        QCOMPARE(str(body(res)["allowed"]), std::string("false"));
        QCOMPARE(str(body(res)["findings"][0]["rule"]), std::string("process-exec"));
    }

    void malformedJsonIs400()
    {
        auto res = m_server.client()->Post("/v1/run/", "{\"code\": ", Json);
        QVERIFY(res);
        QCOMPARE(res->status, 400);
        QCOMPARE(str(body(res)["error"]["code"]), std::string("request.json"));
        auto v2 = m_server.client()->Post("/v2/runs", "[1,", Json);
        QCOMPARE(v2->status, 400);
    }

    void missingCodeIs422()
    {
        auto res = m_server.client()->Post("/v1/run/", "{}", Json);
        QVERIFY(res);
        QCOMPARE(res->status, 422);
        const auto reply = body(res);
        // FastAPI's shape for AgentRun clients, and ours.
        QCOMPARE(str(reply["detail"][0]["loc"]), json({"body", "code"}).dump());
        QCOMPARE(str(reply["detail"][0]["type"]), std::string("missing"));
        QCOMPARE(str(reply["error"]["code"]), std::string("code"));
        auto v2 = m_server.client()->Post("/v2/runs", "{\"stdin\": \"x\"}", Json);
        QCOMPARE(v2->status, 422);
        QCOMPARE(str(body(v2)["error"]["code"]), std::string("code"));
    }

    void oversizedIs413()
    {
        const std::string code = "print(1)\n#" + std::string(3u << 20, 'x');
        auto res = m_server.client()->Post("/v1/run/", json{{"code", code}}.dump(), Json);
        QVERIFY(res);
        QCOMPARE(res->status, 413);
        QCOMPARE(str(body(res)["error"]["code"]), std::string("request.too_large"));
    }

    void notJsonIs415AndForeignHostIs403()
    {
        auto text = m_server.client()->Post("/v1/run/", "{\"code\": \"print(1)\"}", "text/plain");
        QVERIFY(text);
        QCOMPARE(text->status, 415);
        auto foreign = m_server.client()->Get("/v1/health/", {{"Host", "attacker.example:8000"}});
        QVERIFY(foreign);
        QCOMPARE(foreign->status, 403);
    }

    void historyListsBlockedRun()
    {
        auto client = m_server.client();
        const std::string code = "import os\nos.system('rm -rf /')";
        auto res = client->Post("/v1/run/", json{{"code", code}}.dump(), Json);
        QVERIFY(res);
        QCOMPARE(str(body(res)["output"]), std::string("Unsafe module import: os"));
        const std::string id = res->get_header_value("X-Agentrun-Run-Id");
        QVERIFY(!id.empty());

        auto list = client->Get("/v2/runs?status=blocked&limit=50");
        QVERIFY(list);
        QCOMPARE(list->status, 200);
        const auto runs = body(list)["runs"];
        const auto row = std::ranges::find_if(runs, [&](const json& r) { return r["run_id"] == id; });
        QVERIFY2(row != runs.end(), list->body.c_str());
        QCOMPARE(str((*row)["status"]), std::string("blocked"));
        QCOMPARE(str((*row)["code_preview"]), std::string("import os"));
        for (const auto& r : runs) {
            QCOMPARE(str(r["status"]), std::string("blocked"));
        }
        auto stored = client->Get("/v2/runs/" + id);
        QCOMPARE(str(body(stored)["code"]), code);
        QCOMPARE(str(body(stored)["policy"]), std::string("agentrun-compat"));
        QCOMPARE(client->Get("/v2/runs?status=nonsense")->status, 422);
        QCOMPARE(client->Get("/v2/runs/00000000deadbeef")->status, 404);

        // The CLI reads the same file.
        QProcess cli;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("XDG_DATA_HOME", m_server.dataDir());
        cli.setProcessEnvironment(env);
        cli.start(AGENTRUN_CLI, {"history", "list", "--status", "blocked", "--json"});
        QVERIFY(cli.waitForFinished(20000));
        QCOMPARE(cli.exitCode(), 0);
        QVERIFY(cli.readAllStandardOutput().contains(QByteArray::fromStdString(id)));
    }

    void requestLogHasNoCode()
    {
        const QString log = m_server.log();
        QVERIFY2(log.contains(QRegularExpression(R"(POST /v1/run/ 200 [0-9.]+ ms run_id=[0-9a-f]{16})")),
                 qPrintable(log));
        QVERIFY(!log.contains("rm -rf"));
        QVERIFY(!log.contains("os.system"));
    }

    void concurrencyCapIs429()
    {
        ServerProcess server;
        QVERIFY(server.start({"--max-concurrent", "1"}));
        std::atomic<int> firstStatus{0};
        std::thread first([&] {
            auto res =
                server.client()->Post("/v1/run/", json{{"code", "import time\ntime.sleep(2)"}}.dump(), Json);
            firstStatus = res ? res->status : -1;
        });
        bool busy = false;
        for (int i = 0; i < 100 && !busy; ++i) {
            auto health = server.client()->Get("/v2/health");
            busy = health && body(health).value("active_runs", 0) == 1;
            if (!busy) {
                QThread::msleep(50);
            }
        }
        QVERIFY(busy);
        auto second = server.client()->Post("/v1/run/", json{{"code", "print(2)"}}.dump(), Json);
        QVERIFY(second);
        QCOMPARE(second->status, 429);
        QCOMPARE(second->get_header_value("Retry-After"), std::string("1"));
        QCOMPARE(str(body(second)["error"]["code"]), std::string("server.busy"));
        first.join();
        QCOMPARE(firstStatus.load(), 200);
        QCOMPARE(server.stop(), 0);
    }

    void tokenIs401()
    {
        QTemporaryDir dir;
        const QString tokenFile = dir.filePath("token");
        std::ofstream(tokenFile.toStdString()) << "s3cret-token-0123456789abcdef\n";
        ServerProcess server;
        QVERIFY(server.start({"--token-file", tokenFile}));
        auto client = server.client();
        auto none = client->Get("/v1/health/");
        QVERIFY(none);
        QCOMPARE(none->status, 401);
        QCOMPARE(str(body(none)["error"]["code"]), std::string("auth.token"));
        auto wrong = client->Get("/v1/health/", {{"Authorization", "Bearer s3cret-token-0123456789abcdeX"}});
        QCOMPARE(wrong->status, 401);
        auto right = client->Get("/v1/health/", {{"Authorization", "Bearer s3cret-token-0123456789abcdef"}});
        QCOMPARE(right->status, 200);
        QCOMPARE(server.stop(), 0);
    }

    void nonLoopbackNeedsToken()
    {
        QProcess serve;
        serve.start(AGENTRUN_CLI, {"serve", "--listen", "0.0.0.0:0"});
        QVERIFY(serve.waitForFinished(20000));
        QCOMPARE(serve.exitCode(), 2);
        QVERIFY(serve.readAllStandardError().contains("without a token"));
    }

    void shutdownCancelsRunsAndLeavesNoContainer()
    {
        ServerProcess server;
        QVERIFY(server.start({}));
        const qint64 pid = server.pid();
        auto started = server.client()->Post(
            "/v2/runs", json{{"code", "import time\ntime.sleep(60)"}, {"stream", true}}.dump(), Json);
        const std::string id = body(started)["run_id"];
        std::string text;
        std::thread reader([&] {
            server.client()->Get("/v2/runs/" + id + "/events", [&](const char* data, std::size_t length) {
                text.append(data, length);
                return true;
            });
        });
        bool running = false;
        for (int i = 0; i < 200 && !running; ++i) {
            auto state = server.client()->Get("/v2/runs/" + id);
            running = state && body(state).value("stage", "") == "running";
            if (!running) {
                QThread::msleep(50);
            }
        }
        QVERIFY(running);
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(server.stop(), 0);
        reader.join();
        QVERIFY2(timer.elapsed() < 30000, "graceful shutdown took too long");
        const auto events = parseEvents(text);
        QVERIFY2(!events.empty() && events.back().first == "finished", text.c_str());
        QCOMPARE(str(events.back().second["status"]), std::string("cancelled"));
        QCOMPARE(containersOf(pid), 0);
    }

    void cleanupTestCase()
    {
        const qint64 pid = m_server.pid();
        QCOMPARE(m_server.stop(), 0);
        QCOMPARE(containersOf(pid), 0);
    }
};

QTEST_GUILESS_MAIN(TestRest)
#include "tst_rest.moc"
