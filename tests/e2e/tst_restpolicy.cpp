// The server's rules on what a client may ask for (issue 21, items 3, 5 and 8): ceilings, every way a setting
// arrives (the request's own fields, a saved profile it names, the server's defaults), and the budget of
// blocked runs a client may have recorded. Real HTTP against `agentrun serve`, real engine.

#include "tst_restfixture.h"

#include "agentrun/profile/profile.h"

#include <QElapsedTimer>
#include <QFile>

using namespace resttest;
using nlohmann::json;

namespace {

std::string str(const json& value)
{
    return value.is_string() ? value.get<std::string>() : value.dump();
}

/// The runs the server recorded in its history.
json historyRows(const ServerProcess& server)
{
    auto list = server.client()->Get("/v2/runs?limit=1000");
    return list && list->status == 200 ? body(list)["runs"] : json();
}

} // namespace

class TestRestPolicy : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_config; ///< XDG_CONFIG_HOME of the servers: their saved profiles
    QString m_looseFile;

private Q_SLOTS:
    void initTestCase()
    {
        QByteArray why;
        QVERIFY2(engineReady(why), QByteArray("The Docker engine is needed: " + why).constData());
        // The servers started here inherit this: their profile store is this test's.
        qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
        const agentrun::profile::ProfileStore store(agentrun::profile::ProfileStore::defaultDirectory());
        agentrun::profile::Profile netprof;
        netprof.name = "netprof";
        netprof.limits.network = "bridge";
        QVERIFY(store.save(netprof).has_value());
        agentrun::profile::Profile bigprof;
        bigprof.name = "bigprof";
        bigprof.limits.memoryBytes = bigprof.limits.memorySwapBytes = 2ll << 30;
        bigprof.limits.pids = 32768;
        QVERIFY(store.save(bigprof).has_value());
        // A policy file that allows what standard blocks: a profile must not bring it past the server.
        m_looseFile = m_config.filePath("loose.json");
        QFile loose(m_looseFile);
        QVERIFY(loose.open(QIODevice::WriteOnly));
        loose.write(
            R"({"version": 1, "name": "loose", "extends": "standard", "rules": {"process-exec": "off"}})");
        loose.close();
        agentrun::profile::Profile fileprof;
        fileprof.name = "fileprof";
        fileprof.policy = m_looseFile.toStdString();
        QVERIFY(store.save(fileprof).has_value());
    }

    /// Item 3: the issue's requests on a default server (ceilings from the host) are refused, nothing
    /// started, and the error names the field and the ceiling.
    void ceilingsFromTheHostRefuseTheIssuesRequests_data()
    {
        QTest::addColumn<QString>("limits");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("option");
        QTest::newRow("memory 64g") << R"({"memory": "64g"})"
                                    << "limits.memory"
                                    << "(serve --max-memory)";
        QTest::newRow("pids 32768") << R"({"pids": 32768})"
                                    << "limits.pids"
                                    << "(serve --max-pids)";
        QTest::newRow("timeout 3600") << R"({"timeout": 3600})"
                                      << "limits.timeout"
                                      << "(serve --max-timeout)";
        QTest::newRow("tmpfs 63g") << R"({"memory": "64g", "tmpfs_size": "63g"})"
                                   << "limits.memory"
                                   << "(serve --max-memory)";
        QTest::newRow("tmpfs alone") << R"({"memory": "1g", "tmpfs_size": "1000m"})"
                                     << "limits.tmpfs"
                                     << "(serve --max-tmpfs-size)";
        QTest::newRow("output 256m") << R"({"output_limit": "256m"})"
                                     << "limits.output_limit"
                                     << "(serve --max-output-limit)";
    }

    void ceilingsFromTheHostRefuseTheIssuesRequests()
    {
        QFETCH(QString, limits);
        QFETCH(QString, code);
        QFETCH(QString, option);
        ServerProcess server;
        QString error;
        // tmpfs alone: a /tmp ceiling below what memory allows, so /tmp is the limit that is over.
        QVERIFY2(
            server.start(code == "limits.tmpfs" ? QStringList{"--max-tmpfs-size", "512m"} : QStringList{},
                         &error),
            qPrintable(error));
        const auto res = server.client()->Post(
            "/v2/runs", json{{"code", "print(1)"}, {"limits", json::parse(limits.toStdString())}}.dump(),
            Json);
        QVERIFY(res);
        QCOMPARE(res->status, 422);
        const auto reply = body(res);
        QCOMPARE(QString::fromStdString(str(reply["error"]["code"])), code);
        const std::string message = reply["error"]["message"];
        QVERIFY2(message.find("is above this server's ceiling of") != std::string::npos, message.c_str());
        QVERIFY2(message.find(option.toStdString()) != std::string::npos, message.c_str());
        QVERIFY(res->get_header_value("X-Agentrun-Run-Id").empty()); // no run was started
        QCOMPARE(historyRows(server).size(), std::size_t{0});
        QCOMPARE(server.stop(), 0);
    }

    /// Item 3: the operator's ceilings; the server's own defaults are lowered under them.
    void operatorCeilingsAndClampedDefaults()
    {
        ServerProcess server;
        QString error;
        QVERIFY2(server.start({"--max-memory", "128m", "--max-timeout", "5", "--max-pids", "64"}, &error),
                 qPrintable(error));
        auto client = server.client();
        auto over = client->Post("/v2/runs",
                                 json{{"code", "print(1)"}, {"limits", {{"memory", "256m"}}}}.dump(), Json);
        QVERIFY(over);
        QCOMPARE(over->status, 422);
        QCOMPARE(str(body(over)["error"]["message"]),
                 std::string("limits.memory: 256 MiB is above this server's ceiling of 128 MiB (serve "
                             "--max-memory)."));
        auto slow =
            client->Post("/v2/runs", json{{"code", "print(1)"}, {"limits", {{"timeout", 6}}}}.dump(), Json);
        QCOMPARE(slow->status, 422);
        QCOMPARE(str(body(slow)["error"]["code"]), std::string("limits.timeout"));

        // No limits asked: the defaults (256 MiB, 30 s, 128 processes) were lowered to the ceilings.
        auto plain = client->Post("/v2/runs", json{{"code", "print('ok')"}}.dump(), Json);
        QVERIFY(plain);
        QCOMPARE(plain->status, 200);
        QCOMPARE(str(body(plain)["status"]), std::string("ok"));
        auto stored = client->Get("/v2/runs/" + plain->get_header_value("X-Agentrun-Run-Id"));
        const auto limits = body(stored)["limits"];
        QCOMPARE(limits["memory"].get<std::int64_t>(), 128ll << 20);
        QCOMPARE(limits["timeout"].get<double>(), 5.0);
        QCOMPARE(limits["pids"].get<std::int64_t>(), std::int64_t{64});
        // /v1/run/ runs with the same defaults.
        auto compat = client->Post("/v1/run/", json{{"code", "print('v1')"}}.dump(), Json);
        QCOMPARE(compat->status, 200);
        QCOMPARE(str(body(compat)["output"]), std::string("v1\n"));
        QCOMPARE(server.stop(), 0);

        // Defaults given above the ceilings are the operator's contradiction: refused at start.
        QProcess serve;
        serve.start(AGENTRUN_CLI,
                    {"serve", "--listen", "127.0.0.1:0", "--memory", "1g", "--max-memory", "512m"});
        QVERIFY(serve.waitForFinished(20000));
        QCOMPARE(serve.exitCode(), 2);
        const QByteArray stderrText = serve.readAllStandardError();
        QVERIFY2(stderrText.contains("--memory: 1 GiB is above this server's ceiling of 512 MiB"),
                 stderrText.constData());
    }

    /// Item 5: a setting refused in the request's own fields is refused the same when a saved profile brings
    /// it; an explicit field that puts it back within the rules is admitted.
    void profilesCannotBypassTheRules_data()
    {
        QTest::addColumn<QString>("request");
        QTest::addColumn<QString>("code");
        QTest::newRow("explicit network") << R"({"limits": {"network": "bridge"}})"
                                          << "limits.network";
        QTest::newRow("profile network") << R"({"profile": "netprof"})"
                                         << "limits.network";
        QTest::newRow("compat profile whitelist") << R"({"profile": "agentrun-compat"})"
                                                  << "dependencies";
        QTest::newRow("explicit dependency") << R"({"dependencies": ["numpy"]})"
                                             << "dependencies";
        QTest::newRow("profile ceilings") << R"({"profile": "bigprof"})"
                                          << "limits.pids";
        QTest::newRow("profile policy file") << R"({"profile": "fileprof"})"
                                             << "policy";
        QTest::newRow("explicit runtime") << R"({"limits": {"runtime": "runc"}})"
                                          << "limits.runtime";
    }

    void profilesCannotBypassTheRules()
    {
        QFETCH(QString, request);
        QFETCH(QString, code);
        ServerProcess server;
        QString error;
        QStringList args = {"--allow", "requests"};
        if (code == "limits.runtime") {
            args << "--runtime"
                 << "runsc"; // a gVisor server: a request must not move its run to runc
        }
        QVERIFY2(server.start(args, &error), qPrintable(error));
        json body = json::parse(request.toStdString());
        body["code"] = "print(1)";
        auto res = server.client()->Post("/v2/runs", body.dump(), Json);
        QVERIFY(res);
        QVERIFY2(res->status == 422, res->body.c_str());
        const auto reply = resttest::body(res);
        QCOMPARE(QString::fromStdString(str(reply["error"]["code"])), code);
        if (body.contains("profile")) {
            const std::string message = reply["error"]["message"];
            QVERIFY2(message.find("comes from the profile \"" + body["profile"].get<std::string>() + "\"") !=
                         std::string::npos,
                     message.c_str());
        }
        QCOMPARE(historyRows(server).size(), std::size_t{0}); // nothing ran, nothing recorded
        QCOMPARE(server.stop(), 0);
    }

    void profileFieldsOverriddenWithinTheRulesRun()
    {
        ServerProcess server;
        QString error;
        QVERIFY2(server.start({"--allow", "requests"}, &error), qPrintable(error));
        auto client = server.client();
        // The request's own fields come after its profile: what is judged is the result.
        auto net = client->Post(
            "/v2/runs",
            json{{"code", "print(1)"}, {"profile", "netprof"}, {"limits", {{"network", "none"}}}}.dump(),
            Json);
        QVERIFY(net);
        QCOMPARE(net->status, 200);
        QCOMPARE(str(body(net)["status"]), std::string("ok"));
        auto compat = client->Post(
            "/v2/runs",
            json{{"code", "print(2)"}, {"profile", "agentrun-compat"}, {"dependencies", json::array()}}
                .dump(),
            Json);
        QCOMPARE(compat->status, 200);
        QCOMPARE(str(body(compat)["stdout"]), std::string("2\n"));
        // /v2/check follows the same policy rule as a run.
        auto check = client->Post("/v2/check",
                                  json{{"code", "1"}, {"policy", m_looseFile.toStdString()}}.dump(), Json);
        QCOMPARE(check->status, 422);
        QCOMPARE(str(body(check)["error"]["code"]), std::string("policy"));
        QCOMPARE(server.stop(), 0);
    }

    /// Item 8: blocked runs cost a client nothing but a history row; beyond its budget it gets 429 with
    /// Retry-After, on /v1 and /v2, and nothing more is recorded.
    void blockedRunsHaveABudget()
    {
        ServerProcess server;
        QString error;
        QVERIFY2(server.start({"--max-blocked-per-minute", "5"}, &error), qPrintable(error));
        auto client = server.client();
        const std::string blocked = json{{"code", "import os\nos.system('true')"}}.dump();
        for (int i = 0; i < 5; ++i) {
            auto res = client->Post("/v2/runs", blocked, Json);
            QVERIFY(res);
            QCOMPARE(res->status, 200);
            QCOMPARE(str(body(res)["status"]), std::string("blocked"));
        }
        for (const char* path : {"/v2/runs", "/v1/run/"}) {
            auto refused = client->Post(path, blocked, Json);
            QVERIFY(refused);
            QCOMPARE(refused->status, 429);
            QCOMPARE(str(body(refused)["error"]["code"]), std::string("server.blocked_budget"));
            const int retry = std::atoi(refused->get_header_value("Retry-After").c_str());
            QVERIFY2(retry >= 1 && retry <= 60, refused->get_header_value("Retry-After").c_str());
        }
        QCOMPARE(historyRows(server).size(), std::size_t{5});
        // The check itself records nothing and stays available.
        auto check = client->Post("/v2/check", blocked, Json);
        QCOMPARE(check->status, 200);
        QCOMPARE(server.stop(), 0);
    }

    void defaultServerLimitsBlockedRuns()
    {
        // No option: a server without a token limits blocked runs to 60 a minute per client.
        ServerProcess server;
        QString error;
        QVERIFY2(server.start({}, &error), qPrintable(error));
        auto client = server.client();
        const std::string blocked = json{{"code", "import subprocess\nsubprocess.run(['true'])"}}.dump();
        QElapsedTimer timer;
        timer.start();
        int accepted = 0;
        bool limited = false;
        for (int i = 0; i < 200 && !limited; ++i) {
            auto res = client->Post("/v1/run/", blocked, Json);
            QVERIFY(res);
            if (res->status == 429) {
                limited = true;
            } else {
                QCOMPARE(res->status, 200);
                ++accepted;
            }
        }
        QVERIFY2(limited, "200 blocked runs in a row were all recorded");
        // 60 at once, then one a second.
        const int allowed = 60 + static_cast<int>(timer.elapsed() / 1000) + 1;
        QVERIFY2(accepted >= 60 && accepted <= allowed, qPrintable(QString::number(accepted)));
        QCOMPARE(static_cast<int>(historyRows(server).size()), accepted);
        QCOMPARE(server.stop(), 0);
    }

    void cleanupTestCase() { qunsetenv("XDG_CONFIG_HOME"); }
};

QTEST_GUILESS_MAIN(TestRestPolicy)
#include "tst_restpolicy.moc"
