// A fleet of engines (issue 24) against real engines: two dockerd of the test's own (tlsengine.h: own
// data roots, sockets and containerd namespaces, TLS listeners on 127.0.0.1 with certificates the test
// makes with openssl), each named by a docker context the docker CLI made in the test's own DOCKER_CONFIG.
// The machine's engine is only the source of the sandbox image (docker save once, docker load into each:
// no registry). Proves: both engines require TLS (a wrong CA, no client certificate and plain HTTP are
// refused); runs go to both, each engine with its own pool; a session stays on its engine; doctor and
// serve see both; an engine killed mid-run ends its run with an engine status, is drained, new runs go to
// the other, and once it is started again the fleet takes it back, runs go to it again and the containers
// its lost run left are removed; nothing is left on either engine (nor on the machine's) afterwards. No
// traffic leaves loopback.
#include "helper_engine.h"
#include "tlsengine.h"

#include "agentrun/errorcodes.h"
#include "agentrun/run/fleet.h"
#include "agentrun/sandbox/containerspec.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace agentrun;
using namespace std::chrono_literals;

namespace {

// The two engines of the fleet, and the names of their docker contexts.
constexpr const char* EngineA = "fleeta";
constexpr const char* EngineB = "fleetb";

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

bool has(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

/// The managed containers on an engine (any owner: the engines of this test hold nothing else), or why
/// they cannot be listed.
agentrun::Result<std::vector<std::string>> managedOn(const testing::TlsEngine& tls)
{
    engine::Client client(tls.endpointWith("good"));
    return client.listContainers(sandbox::ManagedLabel);
}

} // namespace

class TestFleet : public QObject
{
    Q_OBJECT

private:
    // The test's own DOCKER_CONFIG (the two contexts) and, while it is loaded, the image archive.
    QTemporaryDir m_work;
    testing::TlsEngine m_a{EngineA, sandbox::ManagedLabel};
    testing::TlsEngine m_b{EngineB, sandbox::ManagedLabel};
    std::unique_ptr<engine::Client> m_local;
    QByteArray m_savedDockerConfig;
    bool m_started = false;

    run::ExecutorConfig base() const
    {
        run::ExecutorConfig config;
        config.image = testing::sandboxImage();
        config.poolSize = 1; // each engine keeps its own warm container
        return config;
    }

    std::vector<run::FleetEngine> engines(int maxRuns) const
    {
        return {{EngineA, maxRuns}, {EngineB, maxRuns}};
    }

    QString dockerConfig() const { return m_work.filePath("docker-config"); }

    // The engine as a docker context, made by the docker CLI in the test's own configuration folder: the
    // fleet names it by that name, as `serve --engine fleeta` would.
    static bool makeContext(const QString& docker, const QString& config, const char* name,
                            const testing::TlsEngine& tls, QString& error)
    {
        const testing::Ran made = testing::runProgram(
            docker,
            {"--config", config, "context", "create", name, "--docker",
             "host=" + QString::fromStdString(tls.dockerHost()) + ",ca=" + tls.path("good/ca.pem") +
                 ",cert=" + tls.path("good/cert.pem") + ",key=" + tls.path("good/key.pem")},
            tls.path("."));
        if (made.exitCode != 0) {
            error = "docker context create " + QString(name) + " failed: " + QString::fromUtf8(made.output);
            return false;
        }
        return true;
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (const QString why = testing::tlsEngineUnavailable(); !why.isEmpty()) {
            QSKIP(qPrintable(why));
        }
        m_local = testing::requireEngine();
        QVERIFY2(m_work.isValid(), "no temporary folder");
        const QString docker = QStandardPaths::findExecutable("docker");
        QVERIFY2(!docker.isEmpty(), "the docker CLI is not installed (Debian package docker.io)");

        // docker save from the machine's engine (its own configuration: the engine requireEngine found),
        // once, into a file, while the two engines start; then docker load into each: the image travels
        // through the engines' APIs, as it would to remote machines without a registry.
        const QString archive = m_work.filePath("sandbox-image.tar");
        const auto saveStarted = std::chrono::steady_clock::now();
        QProcess save;
        save.setProcessChannelMode(QProcess::MergedChannels);
        save.start(docker, {"save", "-o", archive, testing::sandboxImage()});

        QString error;
        QVERIFY2(m_a.start(error, "overlay2"), qPrintable(error));
        QVERIFY2(m_b.start(error, "overlay2"), qPrintable(error));
        m_started = true;
        QVERIFY(QDir().mkpath(dockerConfig()));
        QVERIFY2(makeContext(docker, dockerConfig(), EngineA, m_a, error), qPrintable(error));
        QVERIFY2(makeContext(docker, dockerConfig(), EngineB, m_b, error), qPrintable(error));

        QVERIFY2(save.waitForFinished(600000) && save.exitStatus() == QProcess::NormalExit &&
                     save.exitCode() == 0,
                 qPrintable("docker save failed: " + QString::fromUtf8(save.readAll())));
        const double saveSeconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - saveStarted).count();
        const auto loadStarted = std::chrono::steady_clock::now();
        QProcess loads[2];
        const char* names[2] = {EngineA, EngineB};
        for (int i = 0; i < 2; ++i) {
            loads[i].setProcessChannelMode(QProcess::MergedChannels);
            loads[i].start(docker,
                           {"--config", dockerConfig(), "--context", names[i], "load", "-i", archive});
        }
        for (int i = 0; i < 2; ++i) {
            QVERIFY2(loads[i].waitForFinished(600000) && loads[i].exitStatus() == QProcess::NormalExit &&
                         loads[i].exitCode() == 0,
                     qPrintable("docker load into " + QString(names[i]) +
                                " failed: " + QString::fromUtf8(loads[i].readAll())));
        }
        qInfo("sandbox image (%lld MB): docker save %.1f s (while the engines started), docker load into "
              "both engines at once %.1f s",
              QFileInfo(archive).size() / 1000000, saveSeconds,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - loadStarted).count());
        QFile::remove(archive);

        m_savedDockerConfig = qgetenv("DOCKER_CONFIG");
        qputenv("DOCKER_CONFIG", dockerConfig().toUtf8());
    }

    void cleanupTestCase()
    {
        if (m_savedDockerConfig.isEmpty()) {
            qunsetenv("DOCKER_CONFIG");
        } else {
            qputenv("DOCKER_CONFIG", m_savedDockerConfig);
        }
        // Nothing of the fleet's is left on either engine: every Fleet of the test is gone by now (each
        // test's own), and so is every serve process. Counted before the engines stop (stopping removes
        // what is left and would hide it); compared after, so that a failure still stops them.
        int left[2] = {0, 0};
        QString what[2];
        if (m_started) {
            const testing::TlsEngine* both[2] = {&m_a, &m_b};
            for (int i = 0; i < 2; ++i) {
                if (!both[i]->running()) {
                    left[i] = -1;
                    what[i] = "the engine is not running: what it holds cannot be counted";
                    continue;
                }
                auto ids = managedOn(*both[i]);
                left[i] = ids ? static_cast<int>(ids->size()) : -1;
                what[i] = ids ? QString::fromStdString(nlohmann::json(*ids).dump())
                              : QString::fromStdString(ids.error().message);
            }
        }
        m_a.stop();
        m_b.stop();
        QVERIFY2(left[0] == 0, qPrintable(QString(EngineA) + " still holds: " + what[0]));
        QVERIFY2(left[1] == 0, qPrintable(QString(EngineB) + " still holds: " + what[1]));
        if (m_local) {
            // Nor on the machine's engine (it only gave the image).
            QCOMPARE(testing::managedContainers(*m_local), 0);
        }
    }

    void bothEnginesAnswer()
    {
        run::Fleet fleet(base(), engines(2));
        auto ping = fleet.ping();
        QVERIFY2(ping.has_value(), ping ? "" : ping.error().message.c_str());
        for (std::size_t i = 0; i < 2; ++i) {
            auto answer = fleet.engine(i).ping();
            QVERIFY2(answer.has_value(), answer ? "" : answer.error().message.c_str());
        }
        const auto status = fleet.status();
        QCOMPARE(status.size(), std::size_t(2));
        QCOMPARE(status[0].address, std::string(EngineA));
        QCOMPARE(status[1].address, std::string(EngineB));
        QVERIFY(status[0].ready && status[1].ready);
    }

    // Both engines speak TLS only and check who calls: a client trusting another CA refuses the engine's
    // certificate, the engine refuses a client without a certificate, and plain HTTP to its port.
    // (engine.enginetls goes through each refusal in detail, on the same kind of engine.)
    void tlsIsRequiredOnBothEngines()
    {
        for (const testing::TlsEngine* tls : {&m_a, &m_b}) {
            const std::pair<engine::Endpoint, const char*> refused[] = {
                {tls->endpointWith("wrongca"), "presented a certificate that is not trusted"},
                {tls->endpointWithoutClientCertificate(), "refused our client certificate"},
                {tls->plainEndpoint(), "expects TLS on this port and refused plain HTTP"}};
            for (const auto& [endpoint, why] : refused) {
                engine::Client client(endpoint);
                auto refusal = client.ping();
                QVERIFY(!refusal.has_value());
                QCOMPARE(refusal.error().code, std::string("engine.transport"));
                QVERIFY2(has(refusal.error().message, why), refusal.error().message.c_str());
            }

            engine::Client good(tls->endpointWith("good"));
            auto ping = good.ping();
            QVERIFY2(ping.has_value(), ping ? "" : ping.error().message.c_str());
        }
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

    // doctor --engine checks each engine of a fleet (both over TLS, image present); serve --engine spreads
    // runs over them and /v2/health lists each one.
    void doctorAndServeSeeEveryEngine()
    {
        QProcess doctor;
        doctor.start(AGENTRUN_CLI, {"doctor", "--json", "--engine", EngineA, "--engine", EngineB});
        QVERIFY(doctor.waitForFinished(120000));
        const QByteArray out = doctor.readAllStandardOutput();
        QVERIFY2(doctor.exitCode() == 0, out.constData());
        const auto report = nlohmann::json::parse(out.toStdString(), nullptr, false);
        QVERIFY2(report.is_object() && report["engines"].size() == 2, out.constData());
        for (const auto& [index, name] : {std::pair{0, EngineA}, std::pair{1, EngineB}}) {
            const auto& entry = report["engines"][index];
            QCOMPARE(entry.value("context", ""), std::string(name));
            QCOMPARE(entry["engine"].value("security", ""), std::string("tls"));
            QVERIFY2(entry["image"].value("present", false), out.constData());
        }

        QProcess serve;
        serve.start(AGENTRUN_CLI, {"serve", "--listen", "127.0.0.1:0", "--no-history", "--engine", EngineA,
                                   "--engine", QString(EngineB) + ",runs=2"});
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
        QCOMPARE(health["engines"][0].value("address", ""), std::string(EngineA));
        QCOMPARE(health["engines"][1].value("address", ""), std::string(EngineB));
        QCOMPARE(health["engines"][1].value("max_runs", 0), 2);
        QCOMPARE(health["engines"][0].value("runs", 0) + health["engines"][1].value("runs", 0), 2);
        QCOMPARE(health["engines"][0].value("state", ""), std::string("ready"));
        QCOMPARE(health["engines"][1].value("state", ""), std::string("ready"));
        serve.terminate(); // SIGTERM: stops gracefully, the warm containers of both engines removed
        QVERIFY(serve.waitForFinished(60000));
        QCOMPARE(serve.exitCode(), 0);
    }

    // Last: it kills engine B and starts it again. One run on each engine (one run each at most); B dies
    // under its run: that run ends with an engine status, B is drained, the next run waits for and goes to
    // A. B is started again (same data root, port and certificates): the fleet's retry finds it back, runs
    // go to it again, and the containers B held when it died (the lost run's, its warm one) are removed.
    void killedEngineIsDrainedThenTakenBack()
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
        // B's pool made its next warm container while the run went on: once it is there, B holds exactly
        // the run's container and the warm one (no creation under way that the kill would cut in two).
        QVERIFY2(fleet.engine(1).waitUntilWarm(model::Limits{}, 120s), "engine B's pool did not refill");
        const auto held = managedOn(m_b);
        QVERIFY2(held.has_value(), held ? "" : held.error().message.c_str());
        QVERIFY2(held->size() == 2, qPrintable("engine B holds " + QString::number(held->size()) +
                                               " containers, not the run's and its warm one"));

        m_b.killHard();
        QVERIFY2(second.wait_for(120s) == std::future_status::ready,
                 "the run on the killed engine did not end");
        const auto lost = second.get();
        QVERIFY2(lost.status == model::Status::EngineError, describe(lost).c_str());
        QVERIFY2(errc::kindOf(lost.errorCode) == errc::Kind::Unavailable, describe(lost).c_str());
        status = fleet.status();
        QVERIFY(!status[1].ready);
        QVERIFY(status[0].ready);
        QVERIFY(!status[1].lastError.empty());
        QVERIFY(status[1].failures >= 1); // retried after 1 s, then 2, 4 … (when: not checked, a busy
                                          // machine is slow)

        // Engine A is full (one run at most): a new run waits for it rather than going to the drained
        // engine; it starts once the first run is cancelled.
        firstCancel.cancel();
        const auto cancelled = first.get();
        QVERIFY2(cancelled.status == model::Status::Cancelled, describe(cancelled).c_str());
        {
            run::RunObserver observer;
            run::CancelToken cancel;
            const auto after = fleet.run(spec("print('still here')"), observer, cancel);
            QVERIFY2(after.status == model::Status::Ok, describe(after).c_str());
        }
        status = fleet.status();
        QCOMPARE(status[0].runs, std::uint64_t(2));
        QCOMPARE(status[1].runs, std::uint64_t(1));
        auto ping = fleet.ping();
        QVERIFY2(ping.has_value(), ping ? "" : ping.error().message.c_str());

        // B again, on the same data root, port and certificates.
        const int failures = status[1].failures;
        QString error;
        const auto restartStarted = std::chrono::steady_clock::now();
        QVERIFY2(m_b.restart(error), qPrintable(error));
        const auto answering = std::chrono::steady_clock::now();

        // Which of the containers B held when it died are still there (their short ids).
        std::vector<std::string> remaining;
        const auto stillHeld = [&] {
            auto now = managedOn(m_b);
            if (!now) {
                return false;
            }
            remaining.clear();
            for (const auto& id : *held) {
                if (std::find(now->begin(), now->end(), id) != now->end()) {
                    remaining.push_back(id.substr(0, 12));
                }
            }
            return true;
        };

        // Before any run goes to B again: removing the lost run's container failed while B was away, and
        // the pool retries it (every 2 s) until B answers. B's dead warm container stays until a run
        // finds it closed (below); nothing else removes a container whose owner is alive.
        QVERIFY2(waitFor([&] { return stillHeld() && remaining.size() == 1; }, 90s),
                 qPrintable("90 s after engine B answered again, of the 2 containers it held when it died "
                            "these are still there: " +
                            QString::fromStdString(nlohmann::json(remaining).dump())));
        QCOMPARE(fleet.status()[1].runs, std::uint64_t(1));
        const auto runsFrom = std::chrono::steady_clock::now();

        // Runs one after another: they go to A until B's retry (due 1, 2, 4 … s after its failures) finds
        // it answering, then in turn to both. Every one succeeds; two of them on B.
        int ran = 0;
        std::string failed;
        const bool takenBack = waitFor(
            [&] {
                run::RunObserver observer;
                run::CancelToken cancel;
                const auto result = fleet.run(spec("print('back')"), observer, cancel);
                ++ran;
                if (result.status != model::Status::Ok) {
                    failed = describe(result);
                    return true;
                }
                return fleet.status()[1].runs >= 3;
            },
            180s);
        QVERIFY2(failed.empty(), failed.c_str());
        status = fleet.status();
        QVERIFY2(takenBack, qPrintable(QString("engine B got %1 of %2 runs in 180 s after it answered again; "
                                               "ready: %3, failures: %4, last error: %5")
                                           .arg(status[1].runs - 1)
                                           .arg(ran)
                                           .arg(status[1].ready ? "yes" : "no")
                                           .arg(status[1].failures)
                                           .arg(QString::fromStdString(status[1].lastError))));
        QVERIFY(status[1].ready);
        QCOMPARE(status[1].failures, 0);
        QVERIFY(status[1].lastError.empty());
        qInfo("engine B restarted in %.1f s (%d failure(s) before); the lost run's container removed %.1f s "
              "after it answered; two runs went to it again within %.1f s and %d runs",
              std::chrono::duration<double>(answering - restartStarted).count(), failures,
              std::chrono::duration<double>(runsFrom - answering).count(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - runsFrom).count(), ran);

        // And the warm one, which a run on B found closed and discarded: B holds nothing of before.
        QVERIFY2(waitFor([&] { return stillHeld() && remaining.empty(); }, 90s),
                 qPrintable("still on engine B after runs went to it again: " +
                            QString::fromStdString(nlohmann::json(remaining).dump())));
    }
};

QTEST_GUILESS_MAIN(TestFleet)
#include "tst_fleet.moc"
