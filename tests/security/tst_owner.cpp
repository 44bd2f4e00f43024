// Issue 25, "nothing outlives its owner": every sandbox ends by itself when the process that started it
// dies or its time is up, with no help from a later process. The owner (the CLI, the REST server, a
// one-shot helper's host) is a real process started here and killed with SIGKILL, or frozen with SIGSTOP
// (alive, connection open, but never acting: only the sandbox's own clock can end the run). Nothing else
// is started until every container labelled with that owner's pid has stopped; only then a later `agentrun
// run` must remove them. Each case prints "OWNER case ms" with the time from the kill to the last stop.
#include "deps/oneshot.h"

#include "agentrun/engine/demuxer.h"
#include "agentrun/sandbox/containerspec.h"
#include "helper_engine.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using namespace agentrun;

/// The generous part of every bound: a busy two-core machine may run five test suites at once.
constexpr double SlackSeconds = 10;

std::string runtime()
{
    const char* name = std::getenv("AGENTRUN_TEST_RUNTIME");
    return name && *name ? name : "runc";
}

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string ownerFilter(qint64 pid)
{
    return "org.agentrun.owner-pid=" + std::to_string(pid);
}

/// Containers of `pid` (running or not) and how many of them run.
struct Census
{
    int all = -1;
    int running = -1;
};

Census census(engine::Client& client, qint64 pid)
{
    Census counts;
    auto ids = client.listContainers(ownerFilter(pid), true);
    if (!ids) {
        return counts;
    }
    counts.all = static_cast<int>(ids->size());
    counts.running = 0;
    for (const auto& id : *ids) {
        auto state = client.inspectContainer(id);
        if (state && (*state)["State"].value("Running", false)) {
            ++counts.running;
        }
    }
    return counts;
}

/// Waits until `pid` has at least `count` running containers; false after `seconds`.
bool waitRunning(engine::Client& client, qint64 pid, int count, double seconds)
{
    const auto start = Clock::now();
    while (census(client, pid).running < count) {
        if (secondsSince(start) > seconds) {
            return false;
        }
        std::this_thread::sleep_for(100ms);
    }
    return true;
}

/// Seconds until no container of `pid` runs any more, or -1 after `bound`.
double secondsUntilStopped(engine::Client& client, qint64 pid, double bound)
{
    const auto start = Clock::now();
    while (census(client, pid).running != 0) {
        if (secondsSince(start) > bound) {
            return -1;
        }
        std::this_thread::sleep_for(100ms);
    }
    return secondsSince(start);
}

void report(const char* name, double seconds, double bound)
{
    std::printf("OWNER %-28s %-5s stopped %.0f ms after the owner's end (bound %.0f s)\n", name,
                runtime().c_str(), seconds * 1000, bound);
    std::fflush(stdout);
}

QProcessEnvironment cliEnvironment(const QTemporaryDir& data)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_DATA_HOME", data.path()); // its own history
    return env;
}

/// What a later start does on its own: an `agentrun run` removes the containers of dead owners.
void checkNextStartRemoves(engine::Client& client, qint64 deadOwner, const QTemporaryDir& data)
{
    QProcess next;
    next.setProcessEnvironment(cliEnvironment(data));
    next.start(AGENTRUN_CLI, {"run", "--runtime", QString::fromStdString(runtime()), "--no-history", "-"});
    QVERIFY(next.waitForStarted(10000));
    next.write("print('next')\n");
    next.closeWriteChannel();
    QVERIFY2(next.waitForFinished(120000), "the next agentrun run did not finish");
    QCOMPARE(next.readAllStandardOutput(), QByteArray("next\n"));
    QCOMPARE(census(client, deadOwner).all, 0);
}

/// Sends a POST of `body` to the server and keeps the connection open (the reply never matters: the
/// server is killed while it runs). Returns the socket, or -1.
int postAndHold(int port, const std::string& path, const std::string& body)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        return -1;
    }
    const std::string request = "POST " + path +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                "Content-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body;
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
        ::close(fd);
        return -1;
    }
    return fd;
}

/// `agentrun serve` on a free loopback port, with its own history.
class Server
{
public:
    bool start(const QTemporaryDir& data, const QStringList& args)
    {
        m_process.setProcessEnvironment(cliEnvironment(data));
        m_process.setStandardErrorFile(data.filePath("serve.log"));
        m_process.setStandardOutputFile(QProcess::nullDevice());
        m_process.start(AGENTRUN_CLI, QStringList{"serve", "--listen", "127.0.0.1:0", "--runtime",
                                                  QString::fromStdString(runtime())} +
                                          args);
        if (!m_process.waitForStarted(10000)) {
            return false;
        }
        for (int i = 0; i < 1200 && m_port == 0; ++i) {
            QFile log(data.filePath("serve.log"));
            if (log.open(QIODevice::ReadOnly)) {
                const QString text = QString::fromUtf8(log.readAll());
                if (const auto at = text.indexOf("listening on http://127.0.0.1:"); at >= 0) {
                    m_port = text.mid(at + 30).section(' ', 0, 0).section('/', 0, 0).toInt();
                }
            }
            if (m_port == 0 && m_process.waitForFinished(50)) {
                return false;
            }
        }
        return m_port != 0;
    }
    int port() const { return m_port; }
    qint64 pid() const { return m_process.processId(); }
    QProcess& process() { return m_process; }

private:
    QProcess m_process;
    int m_port = 0;
};

/// The child mode of this executable (see main): a one-shot helper container that sleeps, run the way
/// the dependency installer runs its container, with the host's timeout given in argv.
int oneShotChild(int timeoutSeconds)
{
    auto endpoint = engine::Endpoint::resolve();
    if (!endpoint) {
        return 3;
    }
    engine::Client client(*endpoint);
    model::Limits limits;
    limits.runtime = runtime();
    auto spec = sandbox::containerSpec(limits, testing::sandboxImage());
    spec["Entrypoint"] = {"sleep", "40"};
    spec["AttachStdin"] = false;
    spec["OpenStdin"] = false;
    spec["StdinOnce"] = false;
    spec["Labels"] = deps::helperLabels("installer");
    auto outcome = deps::runOneShot(client, spec, std::chrono::seconds(timeoutSeconds), {}, nullptr);
    return outcome && outcome->timedOut ? 124 : 0;
}

} // namespace

class TestOwner : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        m_client = testing::requireEngine();
        if (runtime() != "runc") {
            auto info = m_client->info();
            QVERIFY(info.has_value());
            if (std::ranges::find(info->runtimes, runtime()) == info->runtimes.end()) {
                if (std::getenv("AGENTRUN_TEST_REQUIRE_RUNTIME")) {
                    QFAIL("the runtime under test is not registered with this engine");
                }
                QSKIP("the runtime under test is not registered with this engine");
            }
        }
    }

    /// `agentrun run --timeout 5` of time.sleep(40), the CLI killed during the run.
    void cliKilledDuringRun()
    {
        QTemporaryDir data;
        QProcess cli;
        cli.setProcessEnvironment(cliEnvironment(data));
        cli.start(AGENTRUN_CLI, {"run", "--timeout", "5", "--no-check", "--no-history", "--runtime",
                                 QString::fromStdString(runtime()), "-"});
        QVERIFY(cli.waitForStarted(10000));
        cli.write("import time\nprint('started', flush=True)\ntime.sleep(40)\n");
        cli.closeWriteChannel();
        cli.waitForBytesWritten(10000); // no event loop here: this is what writes it
        const qint64 pid = cli.processId();
        QVERIFY2(waitRunning(*m_client, pid, 1, 60), "the run's container never ran");
        QVERIFY(cli.waitForReadyRead(30000)); // the program is in its sleep
        ::kill(static_cast<pid_t>(pid), SIGKILL);
        const auto killed = Clock::now();
        QVERIFY(cli.waitForFinished(10000));
        const double bound = 5 + SlackSeconds;
        const double seconds = secondsUntilStopped(*m_client, pid, bound);
        QVERIFY2(seconds >= 0, "a container of the killed CLI still runs past the run's timeout + slack");
        report("cli: killed during a run", secondsSince(killed), bound);
        checkNextStartRemoves(*m_client, pid, data);
    }

    /// The CLI frozen (SIGSTOP) during a run: its connection stays open and it never kills the
    /// container. The agent's own clock ends the run at the timeout + 2 s; thawed, the CLI says timeout.
    void cliFrozenDuringRun()
    {
        QTemporaryDir data;
        QProcess cli;
        cli.setProcessEnvironment(cliEnvironment(data));
        cli.start(AGENTRUN_CLI, {"run", "--timeout", "3", "--no-check", "--no-history", "--runtime",
                                 QString::fromStdString(runtime()), "-"});
        QVERIFY(cli.waitForStarted(10000));
        cli.write("import time\nprint('started', flush=True)\ntime.sleep(40)\n");
        cli.closeWriteChannel();
        cli.waitForBytesWritten(10000); // no event loop here: this is what writes it
        const qint64 pid = cli.processId();
        QVERIFY2(waitRunning(*m_client, pid, 1, 60), "the run's container never ran");
        QVERIFY(cli.waitForReadyRead(30000));
        ::kill(static_cast<pid_t>(pid), SIGSTOP);
        const auto frozen = Clock::now();
        const double bound = 3 + 2 + SlackSeconds;
        const double seconds = secondsUntilStopped(*m_client, pid, bound);
        ::kill(static_cast<pid_t>(pid), SIGCONT);
        QVERIFY2(seconds >= 0, "the run outlived its timeout + 2 s + slack with its owner frozen");
        // Not before the deadline: the program had 3 s from its start, at most ~1 s of it was gone.
        QVERIFY2(secondsSince(frozen) >= 1.5, "the sandbox ended long before the run's timeout");
        report("cli: frozen during a run", secondsSince(frozen), bound);
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 124); // the CLI's exit status for a timeout
        QVERIFY2(cli.readAllStandardError().contains("timed out"), "the CLI did not report a timeout");
    }

    /// `agentrun serve --timeout 5` killed during a /v1 run of time.sleep(40), its pool warm.
    void serverKilledDuringRun()
    {
        QTemporaryDir data;
        Server server;
        QVERIFY2(server.start(data, {"--timeout", "5"}), "agentrun serve did not start");
        const qint64 pid = server.pid(); // 0 once it has ended
        QVERIFY(pid > 0);
        const int fd = postAndHold(server.port(), "/v1/run/", R"J({"code": "import time\ntime.sleep(40)"})J");
        QVERIFY(fd >= 0);
        // The run's container and the pool's refill (it fills while a run is in flight when empty).
        QVERIFY2(waitRunning(*m_client, pid, 2, 90), "the run and the warm pool never ran");
        std::this_thread::sleep_for(1s);
        ::kill(static_cast<pid_t>(pid), SIGKILL);
        const auto killed = Clock::now();
        QVERIFY(server.process().waitForFinished(10000));
        const double bound = 5 + SlackSeconds;
        const double seconds = secondsUntilStopped(*m_client, pid, bound);
        ::close(fd);
        QVERIFY2(seconds >= 0, "a container of the killed server still runs past the timeout + slack");
        report("serve: killed during a run", secondsSince(killed), bound);
        checkNextStartRemoves(*m_client, pid, data);
    }

    /// `agentrun serve` killed while its warm pool waits for code (no run in flight).
    void serverKilledWithIdlePool()
    {
        QTemporaryDir data;
        Server server;
        QVERIFY2(server.start(data, {"--timeout", "5"}), "agentrun serve did not start");
        const qint64 pid = server.pid(); // 0 once it has ended
        QVERIFY(pid > 0);
        // The pool is keyed by the first run's limits: one quick run, then it fills to two.
        const int fd = postAndHold(server.port(), "/v1/run/", R"J({"code": "print(1)"})J");
        QVERIFY(fd >= 0);
        QVERIFY2(waitRunning(*m_client, pid, 2, 90), "the warm pool never filled");
        std::this_thread::sleep_for(2s); // the run is over, its container removed: only the pool waits
        ::close(fd);
        ::kill(static_cast<pid_t>(pid), SIGKILL);
        const auto killed = Clock::now();
        QVERIFY(server.process().waitForFinished(10000));
        const double bound = SlackSeconds;
        const double seconds = secondsUntilStopped(*m_client, pid, bound);
        QVERIFY2(seconds >= 0, "a warm container of the killed server still waits");
        report("serve: killed, pool idle", secondsSince(killed), bound);
        checkNextStartRemoves(*m_client, pid, data);
    }

    /// A one-shot helper container (as the installer's) whose host is killed, then one whose host is
    /// frozen: the first ends at once, the second at its timeout + 2 s.
    void oneShotOwnerKilledOrFrozen_data()
    {
        QTest::addColumn<bool>("freeze");
        QTest::newRow("killed") << false;
        QTest::newRow("frozen") << true;
    }

    void oneShotOwnerKilledOrFrozen()
    {
        QFETCH(bool, freeze);
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("AGENTRUN_OWNER_TEST_CHILD", freeze ? "3" : "30");
        child.setProcessEnvironment(env);
        child.start(QFile::symLinkTarget(QStringLiteral("/proc/self/exe")), {});
        QVERIFY(child.waitForStarted(10000));
        const qint64 pid = child.processId();
        QVERIFY2(waitRunning(*m_client, pid, 1, 60), "the one-shot container never ran");
        ::kill(static_cast<pid_t>(pid), freeze ? SIGSTOP : SIGKILL);
        const auto stopped = Clock::now();
        const double bound = (freeze ? 3 + 2 : 0) + SlackSeconds;
        const double seconds = secondsUntilStopped(*m_client, pid, bound);
        if (freeze) {
            ::kill(static_cast<pid_t>(pid), SIGCONT);
        }
        QVERIFY2(seconds >= 0, "the one-shot container outlived its owner");
        report(freeze ? "one-shot: owner frozen" : "one-shot: owner killed", secondsSince(stopped), bound);
        QVERIFY(child.waitForFinished(60000));
        QTemporaryDir data;
        checkNextStartRemoves(*m_client, pid, data);
    }

    /// The agent's own deadline, seen from the protocol: a run whose host never kills it (the stream
    /// stays open and read) ends at its timeout + 2 s, reported with "deadline": true.
    void agentEndsARunAtItsDeadline()
    {
        model::Limits limits;
        limits.runtime = runtime();
        auto spec = sandbox::containerSpec(limits, testing::sandboxImage());
        spec["Labels"]["org.agentrun.owner-pid"] = std::to_string(::getpid());
        auto id = m_client->createContainer(spec);
        QVERIFY(id.has_value());
        auto stream = m_client->attach(*id);
        QVERIFY(stream.has_value());
        QVERIFY(m_client->startContainer(*id).has_value());
        const std::string code = "import time\ntime.sleep(40)\n";
        const nlohmann::json header = {{"nonce", std::string(32, 'b')},
                                       {"code", code.size()},
                                       {"stdin", 0},
                                       {"argv", nlohmann::json::array()},
                                       {"timeout", 2}};
        QVERIFY(stream->write(header.dump() + "\n" + code).has_value());
        const auto sent = Clock::now();
        std::string out;
        engine::FrameDemuxer demuxer([&](engine::FrameDemuxer::Channel channel, std::string_view bytes) {
            if (channel == engine::FrameDemuxer::Channel::Stdout) {
                out.append(bytes);
            }
        });
        bool eof = false;
        while (!eof && secondsSince(sent) < 2 + 2 + SlackSeconds &&
               out.find("AGENTRUN-REPORT") == std::string::npos) {
            auto chunk = stream->read(100ms, eof);
            QVERIFY(chunk.has_value());
            demuxer.feed(*chunk);
        }
        const double seconds = secondsSince(sent);
        auto code137 = m_client->waitContainer(*id, std::chrono::seconds(static_cast<int>(SlackSeconds)));
        m_client->removeContainer(*id);
        QVERIFY2(out.find("\"deadline\": true") != std::string::npos, out.c_str());
        QVERIFY2(out.find("\"signal\": 9") != std::string::npos, out.c_str());
        QVERIFY2(seconds >= 3.5, "the agent ended the run before its timeout + grace");
        QVERIFY(code137.has_value());
        report("agent: its own deadline", seconds, 2 + 2 + SlackSeconds);
    }

private:
    std::unique_ptr<engine::Client> m_client;
};

int main(int argc, char** argv)
{
    if (const char* child = std::getenv("AGENTRUN_OWNER_TEST_CHILD")) {
        return oneShotChild(std::atoi(child));
    }
    TestOwner test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_owner.moc"
