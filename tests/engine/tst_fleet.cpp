// A fleet of engines (issue 24) against real engines: the machine's engine and a second dockerd of the
// test's own reached over TLS only (tlsengine.h), named by a docker context made with the docker CLI.
// The sandbox image is copied into the second engine (docker save | docker load, no registry). Proves:
// runs go to both, each engine with its own pool; a session stays on its engine; an engine killed
// mid-run ends its run with an engine status, is drained, and new runs go to the other; nothing is
// left on the machine's engine afterwards. No traffic leaves loopback.
#include "helper_engine.h"
#include "tlsengine.h"

#include "agentrun/errorcodes.h"
#include "agentrun/run/fleet.h"

#include <QCryptographicHash>
#include <QDir>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTest>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace agentrun;
using namespace std::chrono_literals;

namespace {

constexpr const char* TestLabel = "org.agentrun.test=fleet";
constexpr const char* ContextName = "fleettls";

/// Counts the output a run printed so far, so that a test can wait until its program is running.
class Started : public run::RunObserver
{
public:
    void output(model::Stream, std::string_view bytes) override
    {
        if (bytes.find("started") != std::string_view::npos) {
            m_started.store(true);
        }
    }
    bool started() const { return m_started.load(); }

private:
    std::atomic<bool> m_started{false};
};

model::RunSpec spec(const std::string& code, double timeoutSeconds = 60)
{
    model::RunSpec request;
    request.code = code;
    request.limits.timeoutSeconds = timeoutSeconds;
    return request;
}

std::string describe(const model::RunResult& result)
{
    return std::string(model::toString(result.status)) + " " + result.errorCode + ": " + result.message +
           "\n" + result.output;
}

template <typename Condition> bool waitFor(Condition condition, std::chrono::seconds limit)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(100ms);
    }
    return true;
}

/// One HTTP/1.1 exchange with the server on 127.0.0.1:port (Connection: close); the whole answer.
QByteArray http(int port, const QByteArray& method, const QByteArray& target, const QByteArray& body = {})
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        if (fd >= 0) {
            ::close(fd);
        }
        return {};
    }
    QByteArray request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!body.isEmpty()) {
        request +=
            "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    }
    request += "\r\n" + body;
    QByteArray answer;
    if (::send(fd, request.constData(), static_cast<std::size_t>(request.size()), MSG_NOSIGNAL) ==
        request.size()) {
        char buffer[65536];
        for (ssize_t got = 0; (got = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) {
            answer.append(buffer, static_cast<qsizetype>(got));
        }
    }
    ::close(fd);
    return answer;
}

nlohmann::json jsonBody(const QByteArray& answer)
{
    const auto start = answer.indexOf("\r\n\r\n");
    const QByteArray body = start < 0 ? QByteArray() : answer.mid(start + 4);
    // A chunked answer: the JSON is between the first chunk size line and the end.
    const auto open = body.indexOf('{');
    const auto close = body.lastIndexOf('}');
    if (open < 0 || close < open) {
        return nlohmann::json();
    }
    return nlohmann::json::parse(body.mid(open, close - open + 1).toStdString(), nullptr, false);
}

} // namespace

class TestFleet : public QObject
{
    Q_OBJECT

private:
    testing::TlsEngine m_engine{"fleet", TestLabel};
    std::unique_ptr<engine::Client> m_local;
    QByteArray m_savedDockerConfig;

    run::ExecutorConfig base() const
    {
        run::ExecutorConfig config;
        config.image = testing::sandboxImage();
        config.poolSize = 1; // each engine keeps its own warm container
        return config;
    }

    std::vector<run::FleetEngine> engines(int maxRuns) const
    {
        return {{"", maxRuns}, {ContextName, maxRuns}};
    }

    // docker save from the machine's engine into docker load of the TLS engine: the image travels through
    // the two engines' APIs, as it would to a remote machine without a registry.
    bool copyImage(QString& error)
    {
        const QString docker = QStandardPaths::findExecutable("docker");
        if (docker.isEmpty()) {
            error = "the docker CLI is not installed (Debian package docker.io)";
            return false;
        }
        QProcess save;
        QProcess load;
        save.setStandardOutputProcess(&load);
        load.setProcessChannelMode(QProcess::MergedChannels);
        save.start(docker, {"save", testing::sandboxImage()});
        load.start(docker, {"--config", m_engine.path("docker-config"), "--context", ContextName, "load"});
        const bool finished = save.waitForFinished(600000) && load.waitForFinished(600000);
        if (!finished || save.exitCode() != 0 || load.exitCode() != 0) {
            error = "docker save | docker load failed: " + QString::fromUtf8(save.readAllStandardError()) +
                    QString::fromUtf8(load.readAll());
            return false;
        }
        return true;
    }

    const run::FleetEngineStatus& of(const std::vector<run::FleetEngineStatus>& all, std::size_t index)
    {
        return all.at(index);
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (const QString why = testing::tlsEngineUnavailable(); !why.isEmpty()) {
            QSKIP(qPrintable(why));
        }
        m_local = testing::requireEngine();
        QString error;
        QVERIFY2(m_engine.start(error, "overlay2"), qPrintable(error));

        // The TLS engine as a docker context, made by the docker CLI in a configuration folder of the
        // test's own: the fleet names it by that name, as `serve --engine fleettls` would.
        const QString config = m_engine.path("docker-config");
        QVERIFY(QDir().mkpath(config));
        const QString docker = QStandardPaths::findExecutable("docker");
        QVERIFY2(!docker.isEmpty(), "the docker CLI is not installed (Debian package docker.io)");
        const testing::Ran made = testing::runProgram(
            docker,
            {"--config", config, "context", "create", ContextName, "--docker",
             "host=" + QString::fromStdString(m_engine.dockerHost()) + ",ca=" + m_engine.path("good/ca.pem") +
                 ",cert=" + m_engine.path("good/cert.pem") + ",key=" + m_engine.path("good/key.pem")},
            m_engine.path("."));
        QVERIFY2(made.exitCode == 0, made.output.constData());
        m_savedDockerConfig = qgetenv("DOCKER_CONFIG");
        qputenv("DOCKER_CONFIG", config.toUtf8());

        const auto copyStarted = std::chrono::steady_clock::now();
        QVERIFY2(copyImage(error), qPrintable(error));
        qInfo("sandbox image copied into the TLS engine in %.1f s",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - copyStarted).count());
    }

    void cleanupTestCase()
    {
        if (m_savedDockerConfig.isEmpty()) {
            qunsetenv("DOCKER_CONFIG");
        } else {
            qputenv("DOCKER_CONFIG", m_savedDockerConfig);
        }
        m_engine.stop();
        if (m_local) {
            // Nothing of the fleet's is left on the machine's engine (pool containers, runs, sessions).
            QCOMPARE(testing::managedContainers(*m_local), 0);
        }
    }

    void bothEnginesAnswer()
    {
        run::Fleet fleet(base(), engines(2));
        auto ping = fleet.ping();
        QVERIFY2(ping.has_value(), ping ? "" : ping.error().message.c_str());
        auto remote = fleet.engine(1).ping();
        QVERIFY2(remote.has_value(), remote ? "" : remote.error().message.c_str());
        const auto status = fleet.status();
        QCOMPARE(status.size(), std::size_t(2));
        QCOMPARE(status[0].address, std::string("default"));
        QCOMPARE(status[1].address, std::string(ContextName));
        QVERIFY(status[0].ready && status[1].ready);
    }

    // Runs one after another alternate (ties go in turn); runs at once fill both engines.
    void runsGoToBothEngines()
    {
        run::Fleet fleet(base(), engines(2));
        for (int i = 0; i < 4; ++i) {
            run::RunObserver observer;
            run::CancelToken cancel;
            const auto result = fleet.run(spec("print('hello from the fleet')"), observer, cancel);
            QVERIFY2(result.status == model::Status::Ok, describe(result).c_str());
            QCOMPARE(result.stdoutData, std::string("hello from the fleet\n"));
        }
        auto status = fleet.status();
        QCOMPARE(status[0].runs, std::uint64_t(2));
        QCOMPARE(status[1].runs, std::uint64_t(2));

        std::vector<std::future<model::RunResult>> running;
        for (int i = 0; i < 4; ++i) {
            running.push_back(std::async(std::launch::async, [&fleet] {
                run::RunObserver observer;
                run::CancelToken cancel;
                return fleet.run(spec("import time; time.sleep(1); print('ok')"), observer, cancel);
            }));
        }
        for (auto& run : running) {
            const auto result = run.get();
            QVERIFY2(result.status == model::Status::Ok, describe(result).c_str());
        }
        status = fleet.status();
        QCOMPARE(status[0].runs + status[1].runs, std::uint64_t(8));
        QVERIFY(status[0].runs >= 3 && status[1].runs >= 3);
        QCOMPARE(status[0].activeRuns + status[1].activeRuns, 0);
    }

    // A session's runs all go to the engine it was opened on, and its state carries over.
    void sessionStaysOnItsEngine()
    {
        run::Fleet fleet(base(), engines(2));
        model::Limits limits;
        auto session = fleet.openSession(limits);
        QVERIFY2(session.has_value(), session ? "" : session.error().message.c_str());
        const auto before = fleet.status();
        model::RunResult last;
        for (int i = 0; i < 3; ++i) {
            auto request = spec("try:\n    n += 1\nexcept NameError:\n    n = 1\nprint(n)");
            request.sessionId = session->id;
            run::RunObserver observer;
            run::CancelToken cancel;
            last = fleet.run(request, observer, cancel);
            QVERIFY2(last.status == model::Status::Ok, describe(last).c_str());
        }
        QCOMPARE(last.stdoutData, std::string("3\n"));
        const auto after = fleet.status();
        const auto grew0 = after[0].runs - before[0].runs;
        const auto grew1 = after[1].runs - before[1].runs;
        QVERIFY2((grew0 == 3 && grew1 == 0) || (grew0 == 0 && grew1 == 3),
                 qPrintable(QString("runs grew by %1 and %2").arg(grew0).arg(grew1)));
        QVERIFY(fleet.session(session->id).has_value());
        QCOMPARE(fleet.sessions().size(), std::size_t(1));
        QVERIFY(fleet.closeSession(session->id).has_value());
        QVERIFY(!fleet.session(session->id).has_value());
    }

    // doctor --engine checks each engine of a fleet; serve --engine spreads runs over them and /v2/health
    // lists each one.
    void doctorAndServeSeeEveryEngine()
    {
        QProcess doctor;
        doctor.start(AGENTRUN_CLI, {"doctor", "--json", "--engine", "default", "--engine", ContextName});
        QVERIFY(doctor.waitForFinished(120000));
        const QByteArray out = doctor.readAllStandardOutput();
        QVERIFY2(doctor.exitCode() == 0, out.constData());
        const auto report = nlohmann::json::parse(out.toStdString(), nullptr, false);
        QVERIFY2(report.is_object() && report["engines"].size() == 2, out.constData());
        QCOMPARE(report["engines"][1].value("context", ""), std::string(ContextName));
        QCOMPARE(report["engines"][1]["engine"].value("security", ""), std::string("tls"));
        QVERIFY(report["engines"][1]["image"].value("present", false));

        QProcess serve;
        serve.start(AGENTRUN_CLI, {"serve", "--listen", "127.0.0.1:0", "--no-history", "--engine", "default",
                                   "--engine", QString(ContextName) + ",runs=2"});
        int port = 0;
        QByteArray said;
        QVERIFY2(waitFor(
                     [&] {
                         serve.waitForReadyRead(200);
                         said += serve.readAllStandardError();
                         const auto at = said.indexOf("listening on http://127.0.0.1:");
                         if (at >= 0) {
                             port = said.mid(at + 30).split(' ').first().toInt();
                         }
                         return port > 0 || serve.state() == QProcess::NotRunning;
                     },
                     120s) &&
                     port > 0,
                 said.constData());
        for (int i = 0; i < 2; ++i) {
            const auto result = jsonBody(http(port, "POST", "/v2/runs", "{\"code\": \"print(6 * 7)\"}"));
            QVERIFY2(result.value("status", "") == "ok", result.dump().c_str());
        }
        const auto health = jsonBody(http(port, "GET", "/v2/health"));
        QVERIFY2(health.value("status", "") == "ok" && health["engines"].size() == 2, health.dump().c_str());
        QCOMPARE(health["engines"][0].value("address", ""), std::string("default"));
        QCOMPARE(health["engines"][1].value("address", ""), std::string(ContextName));
        QCOMPARE(health["engines"][1].value("max_runs", 0), 2);
        QCOMPARE(health["engines"][0].value("runs", 0) + health["engines"][1].value("runs", 0), 2);
        QCOMPARE(health["engines"][1].value("state", ""), std::string("ready"));
        serve.terminate(); // SIGTERM: stops gracefully, the warm containers of both engines removed
        QVERIFY(serve.waitForFinished(60000));
        QCOMPARE(serve.exitCode(), 0);
    }

    // Last: it kills the TLS engine. One run on each engine (one run each at most), the TLS engine dies
    // under its run: that run ends with an engine status, the engine is drained, the next run goes to the
    // machine's engine, and the fleet still answers.
    void killedEngineIsDrained()
    {
        run::Fleet fleet(base(), engines(1));
        const std::string sleeper = "import time\nprint('started', flush=True)\ntime.sleep(90)";
        Started firstStarted;
        run::CancelToken firstCancel;
        auto first = std::async(std::launch::async,
                                [&] { return fleet.run(spec(sleeper, 120), firstStarted, firstCancel); });
        QVERIFY2(waitFor([&] { return firstStarted.started(); }, 120s), "the first run did not start");
        Started secondStarted;
        run::CancelToken secondCancel;
        auto second = std::async(std::launch::async,
                                 [&] { return fleet.run(spec(sleeper, 120), secondStarted, secondCancel); });
        QVERIFY2(waitFor([&] { return secondStarted.started(); }, 120s), "the second run did not start");
        auto status = fleet.status();
        QCOMPARE(status[0].activeRuns, 1);
        QCOMPARE(status[1].activeRuns, 1);

        m_engine.killHard();
        QVERIFY2(second.wait_for(120s) == std::future_status::ready,
                 "the run on the killed engine did not end");
        const auto lost = second.get();
        QVERIFY2(lost.status == model::Status::EngineError, describe(lost).c_str());
        QVERIFY2(errc::kindOf(lost.errorCode) == errc::Kind::Unavailable, describe(lost).c_str());
        status = fleet.status();
        QVERIFY(!status[1].ready);
        QVERIFY(status[0].ready);
        QVERIFY(!status[1].lastError.empty());
        QVERIFY(status[1].failures >=
                1); // retried after 1 s, then 2, 4 … (not checked: a busy machine is slow)

        // The machine's engine is full (one run at most): a new run waits for it rather than going to
        // the drained engine; it starts once the first run is cancelled.
        firstCancel.cancel();
        const auto cancelled = first.get();
        QVERIFY2(cancelled.status == model::Status::Cancelled, describe(cancelled).c_str());
        run::RunObserver observer;
        run::CancelToken cancel;
        const auto after = fleet.run(spec("print('still here')"), observer, cancel);
        QVERIFY2(after.status == model::Status::Ok, describe(after).c_str());
        status = fleet.status();
        QCOMPARE(status[0].runs, std::uint64_t(2));
        QCOMPARE(status[1].runs, std::uint64_t(1));

        auto ping = fleet.ping();
        QVERIFY2(ping.has_value(), ping ? "" : ping.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestFleet)
#include "tst_fleet.moc"
