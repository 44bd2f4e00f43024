// The engine client against an in-process fake engine, for what a real engine will not do on demand:
// malformed answers, HTTP errors with the engine's own message, frames and chunks cut at odd places,
// connections cut mid-stream, a server too slow to answer. Codes and messages are compared verbatim.
#include "helper_fakeengine.h"

#include "agentrun/engine/client.h"
#include "agentrun/engine/demuxer.h"

#include <QTest>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <atomic>
#include <functional>
#include <thread>

using namespace agentrun;
using namespace std::chrono_literals;
using testing::FakeEngine;
using testing::Script;

namespace {

const std::string Id = "4f1d3c2b1a0e4f1d3c2b1a0e4f1d3c2b1a0e4f1d3c2b1a0e4f1d3c2b1a0e4f1d";
const std::string Short = Id.substr(0, 12);

engine::Client clientOf(const FakeEngine& fake)
{
    return engine::Client(*engine::Endpoint::parse(fake.dockerHost()));
}

/// A call that throws instead of answering an Error is a bug of its own: turn it into a test failure
/// with the exception's text rather than a crash of the whole test program.
template <class Call> auto guarded(Call call) -> decltype(call())
{
    try {
        return call();
    } catch (const std::exception& e) {
        return fail("test.exception", std::string("threw: ") + e.what());
    }
}

engine::Client::BuildOptions buildOptions(std::map<std::string, std::string> labels = {})
{
    engine::Client::BuildOptions options;
    options.tag = "agentrun-test:fake";
    options.labels = std::move(labels);
    return options;
}

engine::Client::ExecOptions execOptions(std::vector<std::string> cmd, bool attachStdin = false)
{
    engine::Client::ExecOptions options;
    options.cmd = std::move(cmd);
    options.attachStdin = attachStdin;
    return options;
}

std::string errorOf(const auto& result)
{
    return result ? std::string("(no error)") : result.error().code + " | " + result.error().message;
}

struct Collected
{
    std::string out;
    std::string err;
    bool eof = false;
    bool aligned = false;
    Error error;
};

/// Reads an attach stream to its end (or an error), demuxing as the executor does.
Collected readAll(engine::AttachStream& stream)
{
    Collected collected;
    engine::FrameDemuxer demuxer([&](engine::FrameDemuxer::Channel channel, std::string_view bytes) {
        (channel == engine::FrameDemuxer::Channel::Stderr ? collected.err : collected.out).append(bytes);
    });
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!collected.eof && std::chrono::steady_clock::now() < deadline) {
        auto chunk = stream.read(100ms, collected.eof);
        if (!chunk) {
            collected.error = chunk.error();
            break;
        }
        if (!demuxer.feed(*chunk)) {
            collected.error = {"test.demux", "bad frame header"};
            break;
        }
    }
    collected.aligned = demuxer.atFrameBoundary();
    return collected;
}

const std::string BuildLines = "{\"stream\":\"Step 1/3 : FROM agentrun-base:bookworm\\n\"}\r\n"
                               "{\"stream\":\" ---\\u003e 5d2c9a0e\\n\"}\r\n"
                               "{\"stream\":\"Step 2/3 : RUN echo é \\u0026\\u0026 true\\n\"}\r\n"
                               "\r\n"
                               "{\"stream\":\" ---\\u003e Running in 77aa\\n\"}\r\n"
                               "{\"aux\":{\"ID\":\"sha256:feedc0de\"}}\r\n"
                               "{\"stream\":\"Successfully built feedc0de\\n\"}\r\n";

const std::vector<std::string> BuildProgress = {"Step 1/3 : FROM agentrun-base:bookworm", " ---> 5d2c9a0e",
                                                "Step 2/3 : RUN echo é && true", " ---> Running in 77aa",
                                                "Successfully built feedc0de"};

/// A chunked body of `lines` in chunks of `size` bytes (so chunks end inside lines), written with
/// pauses inside chunk-size lines, between CR and LF, and inside the chunk data.
Script chunkedSplit(const std::string& lines, std::size_t size)
{
    std::string wire = testing::chunkedHead(200);
    const std::size_t bodyStart = wire.size();
    for (std::size_t at = 0; at < lines.size(); at += size) {
        wire += testing::chunk(lines.substr(at, size));
    }
    wire += testing::chunk("");
    // Odd places: in the status line, in the head's last CRLF, after each chunk-size's first digit,
    // between its CR and LF, and in the middle of each chunk's data.
    std::vector<std::size_t> cuts = {5, bodyStart - 1};
    for (std::size_t at = bodyStart; at < wire.size();) {
        const std::size_t lineEnd = wire.find("\r\n", at);
        const std::size_t dataSize = std::stoul(wire.substr(at, lineEnd - at), nullptr, 16);
        cuts.push_back(at + 1);
        cuts.push_back(lineEnd + 1);
        if (dataSize > 2) {
            cuts.push_back(lineEnd + 2 + dataSize / 2);
        }
        at = lineEnd + 2 + dataSize + 2;
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    return Script().writeSplit(wire, cuts, 5ms);
}

std::string statsLine(int usage)
{
    return "{\"read\":\"2026-11-26T12:00:00Z\",\"memory_stats\":{\"usage\":" + std::to_string(usage) +
           ",\"max_usage\":99999,\"limit\":268435456},\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":" +
           std::to_string(usage * 10) + "}}}\n";
}

/// Runs `call` in a forked child and returns "exit N: <what it returned>" (or "threw: <what>"), or
/// "signal N": for calls that must run as another user, or that may throw through libcurl's C frames.
std::string inChild(const std::function<std::string()>& call)
{
    int fds[2];
    if (::pipe(fds) != 0) {
        return "pipe failed";
    }
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(fds[0]);
        // QtTest's crash handler (stack trace through gdb) must not run in the child, and a child that
        // hangs must end.
        for (const int signal : {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE}) {
            std::signal(signal, SIG_DFL);
        }
        ::alarm(30);
        std::string answer;
        try {
            answer = call();
        } catch (const std::exception& e) {
            answer = std::string("threw: ") + e.what();
        }
        [[maybe_unused]] const auto written = ::write(fds[1], answer.data(), answer.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string answer;
    char buffer[1024];
    ssize_t n = 0;
    while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) {
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    if (WIFSIGNALED(status)) {
        return "signal " + std::to_string(WTERMSIG(status));
    }
    return "exit " + std::to_string(WEXITSTATUS(status)) + ": " + answer;
}

} // namespace

class TestEngineFake : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pingReusesOneConnection()
    {
        FakeEngine fake;
        fake.route("GET", "/_ping", Script().write(testing::httpAnswer(200, "OK", "text/plain")));
        auto client = clientOf(fake);
        for (int i = 0; i < 5; ++i) {
            const auto pinged = client.ping();
            QVERIFY2(pinged, errorOf(pinged).c_str());
        }
        QCOMPARE(fake.requests().size(), std::size_t(5));
        QCOMPARE(fake.requests().front().target, std::string("/_ping"));
        QCOMPARE(fake.connections(), 1);
    }

    void engineClosesKeptConnections()
    {
        // An engine may close an idle kept-alive connection at any time; a pooled handle must reconnect.
        FakeEngine fake;
        fake.route("GET", "/_ping", Script().write(testing::httpAnswer(200, "OK", "text/plain")).cut());
        fake.route("GET", "/v1.41/containers/" + Id + "/json",
                   Script()
                       .write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: "
                              "application/json\r\n\r\n{\"Id\":\"" +
                              Id + "\"}")
                       .cut());
        auto client = clientOf(fake);
        for (int i = 0; i < 3; ++i) {
            const auto pinged = client.ping();
            QVERIFY2(pinged, errorOf(pinged).c_str());
            std::this_thread::sleep_for(20ms); // the close has arrived before the next call
            auto inspected = client.inspectContainer(Id);
            QVERIFY2(inspected, errorOf(inspected).c_str());
            QCOMPARE((*inspected)["Id"].get<std::string>(), Id);
        }
        QCOMPARE(fake.connections(), 6);
    }

    void negotiatesApiVersion_data()
    {
        QTest::addColumn<QString>("server");
        QTest::addColumn<QString>("used");
        QTest::addRow("1.41") << "1.41"
                              << "1.41";
        QTest::addRow("1.42") << "1.42"
                              << "1.42";
        QTest::addRow("1.43") << "1.43"
                              << "1.43";
        QTest::addRow("1.45") << "1.45"
                              << "1.43";
        QTest::addRow("2.0") << "2.0"
                             << "1.43";
    }

    void negotiatesApiVersion()
    {
        QFETCH(QString, server);
        QFETCH(QString, used);
        FakeEngine fake;
        fake.routeVersion(server.toStdString());
        auto client = clientOf(fake);
        auto info = client.info();
        QVERIFY2(info, errorOf(info).c_str());
        QCOMPARE(info->apiVersion, used.toStdString());
        QCOMPARE(info->version, std::string("99.0.0-fake"));
        QCOMPARE(info->cgroupVersion, std::string("2"));
        QCOMPARE(info->runtimes, std::vector<std::string>{"runc"});
        client.ping();
        auto gone = client.inspectContainer(Id);
        QVERIFY(!gone);
        QCOMPARE(fake.requests().back().target, "/v" + used.toStdString() + "/containers/" + Id + "/json");
    }

    void apiTooOld()
    {
        FakeEngine fake;
        fake.routeVersion("1.40");
        auto client = clientOf(fake);
        auto info = client.info();
        QVERIFY(!info);
        QCOMPARE(info.error().code, std::string("engine.too_old"));
        QCOMPARE(info.error().message,
                 std::string("The Docker engine speaks API 1.40 but AgentRun needs 1.41 or "
                             "newer (Docker 20.10+): upgrade Docker."));
    }

    void malformedVersion_data()
    {
        QTest::addColumn<QString>("body");
        QTest::addRow("cut short") << "{\"Version\":\"24.0.7\",\"ApiVersion\":\"1.4";
        QTest::addRow("html") << "<html><body>502 Bad Gateway</body></html>";
        QTest::addRow("empty") << "";
        QTest::addRow("array") << "[\"1.43\"]";
        QTest::addRow("number version") << "{\"Version\":\"24.0.7\",\"ApiVersion\":1.43}";
    }

    void malformedVersion()
    {
        QFETCH(QString, body);
        FakeEngine fake;
        fake.route("GET", "/version", Script().write(testing::httpAnswer(200, body.toStdString())));
        auto client = clientOf(fake);
        auto info = guarded([&] { return client.info(); });
        QVERIFY(!info);
        QCOMPARE(info.error().code, std::string("engine.protocol"));
        QCOMPARE(info.error().message, std::string("The Docker engine sent an unreadable /version answer."));
    }

    void malformedInspect()
    {
        FakeEngine fake;
        const std::string path = "/v1.41/containers/" + Id + "/json";
        fake.route(
            "GET", path,
            Script().write(testing::httpAnswer(200, "{\"Id\":\"" + Id + "\",\"State\":{\"Status\":\"runn")));
        auto client = clientOf(fake);
        auto inspected = client.inspectContainer(Id);
        QVERIFY(!inspected);
        QCOMPARE(inspected.error().code, std::string("engine.protocol"));
        QCOMPARE(inspected.error().message,
                 std::string("The Docker engine sent an unreadable container description."));
    }

    void malformedImageAndExecInspect()
    {
        FakeEngine fake;
        fake.route("GET", "/v1.41/images/agentrun-sandbox:latest/json",
                   Script().write(testing::httpAnswer(200, "{\"Id\":\"sha256:")));
        fake.route("GET", "/v1.41/exec/e1/json", Script().write(testing::httpAnswer(200, "Running: true")));
        auto client = clientOf(fake);
        auto image = client.inspectImage("agentrun-sandbox:latest");
        auto exec = client.inspectExec("e1");
        QVERIFY(!image || !exec);
    }

    void malformedList_data()
    {
        QTest::addColumn<QString>("body");
        QTest::addRow("cut short") << "[{\"Id\":\"abc\",\"Names\":[\"/x\"]},{\"Id\":\"de";
        QTest::addRow("object") << "{\"message\":\"not a list\"}";
        QTest::addRow("array of numbers") << "[1, 2]";
    }

    void malformedList()
    {
        QFETCH(QString, body);
        FakeEngine fake;
        fake.route("GET", "/v1.41/containers/json",
                   Script().write(testing::httpAnswer(200, body.toStdString())));
        auto client = clientOf(fake);
        auto list = guarded([&] { return client.listContainers("org.agentrun.test"); });
        QCOMPARE(fake.requests().size(), std::size_t(1));
        QVERIFY(fake.requests().front().target.starts_with(
            "/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22org.agentrun.test%22%5D%7D"));
        // An unreadable list read as "no containers" makes removeByLabel() report a clean slate.
        QVERIFY2(!list && list.error().code == "engine.protocol", errorOf(list).c_str());
    }

    void engineErrorCarriesItsMessage_data()
    {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("expected");
        const QString oci =
            "OCI runtime create failed: runc create failed: unable to start container process: "
            "exec: \\\"python3\\\": executable file not found in $PATH: unknown";
        QTest::addRow("json") << "{\"message\":\"" + oci + "\"}\n"
                              << "The Docker engine answered HTTP 500 for container " +
                                     QString::fromStdString(Short) + ": " +
                                     QString(oci).replace("\\\"", "\"");
        QTest::addRow("plain text") << "mkdir overlay2/l/ZX3Q: no space left on device\n"
                                    << "The Docker engine answered HTTP 500 for container " +
                                           QString::fromStdString(Short) +
                                           ": mkdir overlay2/l/ZX3Q: no space left on device";
        QTest::addRow("empty") << ""
                               << "The Docker engine answered HTTP 500 for container " +
                                      QString::fromStdString(Short) + ": no message";
    }

    void engineErrorCarriesItsMessage()
    {
        QFETCH(QString, body);
        QFETCH(QString, expected);
        FakeEngine fake;
        fake.route("POST", "/v1.41/containers/" + Id + "/start",
                   Script().write(testing::httpAnswer(500, body.toStdString())));
        auto client = clientOf(fake);
        auto started = client.startContainer(Id);
        QVERIFY(!started);
        QCOMPARE(started.error().code, std::string("engine.error"));
        QCOMPARE(QString::fromStdString(started.error().message), expected);
    }

    void buildHttpErrorCarriesItsMessage()
    {
        FakeEngine fake;
        fake.route("POST", "/v1.41/build",
                   Script().write(testing::httpAnswer(
                       500, "{\"message\":\"dockerfile parse error line 3: unknown instruction: RUNN\"}\n")));
        auto client = clientOf(fake);
        std::atomic<bool> cancel{false};
        auto built = client.buildImage("tar", buildOptions(), nullptr, cancel);
        QVERIFY(!built);
        QCOMPARE(built.error().code, std::string("engine.error"));
        QCOMPARE(built.error().message,
                 std::string("The Docker engine answered HTTP 500 for image build: "
                             "dockerfile parse error line 3: unknown instruction: RUNN"));
    }

    void notFound_data()
    {
        QTest::addColumn<QString>("call");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("message");
        const QString gone = "The container " + QString::fromStdString(Short) +
                             " no longer exists: it was removed from outside while in use.";
        QTest::addRow("inspect") << "inspect"
                                 << "container.gone" << gone;
        QTest::addRow("start") << "start"
                               << "container.gone" << gone;
        QTest::addRow("exec") << "exec"
                              << "container.gone" << gone;
        QTest::addRow("attach") << "attach"
                                << "container.gone" << gone;
        QTest::addRow("stats") << "stats"
                               << "container.gone" << gone;
        const QString missing = "The image agentrun-sandbox:missing is not in the engine: build it with "
                                "`agentrun image build` (or ./packaging/quickstart.sh in a source checkout).";
        QTest::addRow("create") << "create"
                                << "image.missing" << missing;
        QTest::addRow("image inspect") << "image"
                                       << "image.missing" << missing;
    }

    void notFound()
    {
        QFETCH(QString, call);
        QFETCH(QString, code);
        QFETCH(QString, message);
        FakeEngine fake;
        const Script noContainer =
            Script().write(testing::httpAnswer(404, "{\"message\":\"No such container: " + Id + "\"}\n"));
        const Script noImage = Script().write(
            testing::httpAnswer(404, "{\"message\":\"No such image: agentrun-sandbox:missing\"}\n"));
        fake.route("GET", "/v1.41/containers/" + Id + "/json", noContainer);
        fake.route("POST", "/v1.41/containers/" + Id + "/start", noContainer);
        fake.route("POST", "/v1.41/containers/" + Id + "/exec", noContainer);
        fake.route("POST", "/v1.41/containers/" + Id + "/attach", noContainer);
        fake.route("GET", "/v1.41/containers/" + Id + "/stats", noContainer);
        fake.route("POST", "/v1.41/containers/create", noImage);
        fake.route("GET", "/v1.41/images/agentrun-sandbox:missing/json", noImage);
        auto client = clientOf(fake);
        std::atomic<bool> stop{false};
        int samples = 0;
        Error error;
        const auto take = [&](const auto& result) {
            QVERIFY(!result);
            error = result.error();
        };
        if (call == "inspect") {
            take(client.inspectContainer(Id));
        } else if (call == "start") {
            take(client.startContainer(Id));
        } else if (call == "exec") {
            take(client.createExec(Id, execOptions({"true"})));
        } else if (call == "attach") {
            take(client.attach(Id));
        } else if (call == "stats") {
            take(client.streamStats(
                Id, [&](const nlohmann::json&) { return ++samples < 100; }, stop));
            QCOMPARE(samples, 0); // the engine's error is not a stats sample
        } else if (call == "create") {
            take(client.createContainer({{"Image", "agentrun-sandbox:missing"}}));
        } else {
            take(client.inspectImage("agentrun-sandbox:missing"));
        }
        QCOMPARE(QString::fromStdString(error.code), code);
        QCOMPARE(QString::fromStdString(error.message), message);
    }

    void attachErrorBodyInASecondWrite()
    {
        // The engine may write the head of an error answer and its body separately.
        FakeEngine fake;
        const std::string body = "{\"message\":\"No such container: " + Id + "\"}\n";
        const std::string answer = testing::httpAnswer(404, body);
        fake.route("POST", "/v1.41/containers/" + Id + "/attach",
                   Script().writeSplit(answer, {answer.size() - body.size()}, 50ms));
        auto client = clientOf(fake);
        auto stream = client.attach(Id);
        QVERIFY(!stream);
        QCOMPARE(stream.error().code, std::string("container.gone"));
    }

    void nameConflict()
    {
        FakeEngine fake;
        const std::string message =
            "Conflict. The container name \\\"/agentrun-job-7\\\" is already in use by "
            "container \\\"" +
            Id +
            "\\\". You have to remove (or rename) that container to be able to reuse "
            "that name.";
        fake.route("POST", "/v1.41/containers/create",
                   Script().write(testing::httpAnswer(409, "{\"message\":\"" + message + "\"}\n")));
        auto client = clientOf(fake);
        auto created = client.createContainer({{"Image", "agentrun-sandbox:latest"}}, "agentrun-job-7");
        QVERIFY(!created);
        QCOMPARE(fake.requests().front().target, std::string("/v1.41/containers/create?name=agentrun-job-7"));
        QCOMPARE(created.error().code, std::string("container.conflict"));
        QCOMPARE(created.error().message, "The container name agentrun-job-7 is already taken by container " +
                                              Short + ": remove that container or choose another name.");
    }

    void stateConflict()
    {
        FakeEngine fake;
        fake.route("DELETE", "/v1.41/containers/" + Id,
                   Script().write(testing::httpAnswer(409, "{\"message\":\"removal of container " + Short +
                                                               " is already in progress\"}\n")));
        auto client = clientOf(fake);
        auto removed = client.removeContainer(Id);
        QVERIFY(!removed);
        QCOMPARE(removed.error().code, std::string("container.state"));
        QCOMPARE(removed.error().message, "The Docker engine refused container " + Short +
                                              ": removal of container " + Short + " is already in progress");
    }

    void frameCutInHalf_data()
    {
        QTest::addColumn<std::vector<std::size_t>>("cuts");
        const std::size_t head = testing::upgradeHead().size();
        // head | first frame's header halves | payload halves | second frame's header | ...
        QTest::addRow("inside headers") << std::vector<std::size_t>{head + 4, head + 8 + 6, head + 20 + 3};
        QTest::addRow("with the upgrade") << std::vector<std::size_t>{head - 2, head + 3};
        std::vector<std::size_t> everyByte;
        for (std::size_t at = head - 3; at < head + 40; ++at) {
            everyByte.push_back(at);
        }
        QTest::addRow("every byte") << everyByte;
    }

    void frameCutInHalf()
    {
        QFETCH(std::vector<std::size_t>, cuts);
        FakeEngine fake;
        const std::string wire = testing::upgradeHead() + testing::frame(1, "hello world\n") +
                                 testing::frame(2, "oops\n") + testing::frame(1, "") +
                                 testing::frame(1, std::string(70000, 'x')) + testing::frame(2, "é\xff");
        fake.route("POST", "/v1.41/containers/" + Id + "/attach", Script().writeSplit(wire, cuts, 5ms).cut());
        auto client = clientOf(fake);
        auto stream = client.attach(Id);
        QVERIFY2(stream, errorOf(stream).c_str());
        const auto request = fake.requests().front();
        QCOMPARE(request.target, "/v1.41/containers/" + Id + "/attach?stream=1&stdin=1&stdout=1&stderr=1");
        QVERIFY(request.head.find("\r\nUpgrade: tcp\r\n") != std::string::npos);
        const auto collected = readAll(*stream);
        QCOMPARE(collected.error.code, std::string());
        QVERIFY(collected.eof);
        QVERIFY(collected.aligned);
        QCOMPARE(collected.out, "hello world\n" + std::string(70000, 'x'));
        QCOMPARE(collected.err, std::string("oops\né\xff"));
    }

    void execRoundTrip()
    {
        FakeEngine fake;
        fake.route("POST", "/v1.41/containers/" + Id + "/exec",
                   Script().write(testing::httpAnswer(201, "{\"Id\":\"e0e0\"}")));
        // The exec reads its stdin, then answers on both streams and ends.
        const std::string reply = testing::frame(1, "got: ping\n") + testing::frame(2, "warn\n");
        fake.route("POST", "/v1.41/exec/e0e0/start",
                   Script()
                       .write(testing::upgradeHead())
                       .await("ping\n")
                       .writeSplit(reply, {3, reply.size() - 2}, 5ms)
                       .cut());
        fake.route("GET", "/v1.41/exec/e0e0/json",
                   Script().write(testing::httpAnswer(200, "{\"Running\":false,\"ExitCode\":3,\"Pid\":42}")));
        auto client = clientOf(fake);
        auto exec = client.createExec(Id, execOptions({"python3", "-c", "pass"}, true));
        QVERIFY2(exec, errorOf(exec).c_str());
        QCOMPARE(*exec, std::string("e0e0"));
        const auto body = nlohmann::json::parse(fake.requests().front().body);
        QCOMPARE(body["Cmd"].dump(), std::string("[\"python3\",\"-c\",\"pass\"]"));
        QCOMPARE(body["AttachStdin"].dump(), std::string("true"));
        auto stream = client.startExec(*exec);
        QVERIFY2(stream, errorOf(stream).c_str());
        QCOMPARE(nlohmann::json::parse(fake.requests()[1].body)["Detach"].dump(), std::string("false"));
        QVERIFY(stream->write("ping\n"));
        const auto collected = readAll(*stream);
        QCOMPARE(collected.error.code, std::string());
        QVERIFY(collected.eof);
        QVERIFY(collected.aligned);
        QCOMPARE(collected.out, std::string("got: ping\n"));
        QCOMPARE(collected.err, std::string("warn\n"));
        auto state = client.inspectExec(*exec);
        QVERIFY2(state, errorOf(state).c_str());
        QCOMPARE((*state)["ExitCode"].dump(), std::string("3"));
    }

    void attachCutMidFrame()
    {
        // The engine dies half-way through a frame: the stream ends, but not at a frame boundary.
        FakeEngine fake;
        const std::string second = testing::frame(1, "never complete");
        fake.route("POST", "/v1.41/containers/" + Id + "/attach",
                   Script()
                       .write(testing::upgradeHead() + testing::frame(1, "partial\n") + second.substr(0, 11))
                       .cut());
        auto client = clientOf(fake);
        auto stream = client.attach(Id);
        QVERIFY2(stream, errorOf(stream).c_str());
        const auto collected = readAll(*stream);
        QCOMPARE(collected.error.code, std::string());
        QVERIFY(collected.eof);
        QVERIFY(!collected.aligned);
        QCOMPARE(collected.out, std::string("partial\nnev"));
    }

    void attachConnectionReset()
    {
        // Input the engine never read is still queued when it dies: the client sees ECONNRESET.
        FakeEngine fake;
        fake.route(
            "POST", "/v1.41/containers/" + Id + "/attach",
            Script().write(testing::upgradeHead() + testing::frame(1, "partial\n")).pause(300ms).cut());
        auto client = clientOf(fake);
        auto stream = client.attach(Id);
        QVERIFY2(stream, errorOf(stream).c_str());
        QVERIFY(stream->write("input the engine never reads\n"));
        const auto collected = readAll(*stream);
        QCOMPARE(collected.out, std::string("partial\n"));
        QCOMPARE(collected.error.code, std::string("engine.connection_lost"));
        QCOMPARE(collected.error.message,
                 std::string("The output stream from the sandbox broke: Failure when "
                             "receiving data from the peer. The engine may have been "
                             "restarted."));
    }

    void attachClosedBeforeAnswer()
    {
        FakeEngine fake;
        fake.route("POST", "/v1.41/containers/" + Id + "/attach", Script().write("HTTP/1.1 101 UPGR").cut());
        auto client = clientOf(fake);
        auto stream = client.attach(Id);
        QVERIFY(!stream);
        QCOMPARE(stream.error().code, std::string("engine.connection_lost"));
        QCOMPARE(stream.error().message,
                 std::string("The Docker engine closed the attach connection before answering."));
    }

    void buildProgressChunkedAtOddPlaces_data()
    {
        QTest::addColumn<int>("chunkSize");
        for (const int size : {2, 7, 16, 33, 4096}) {
            QTest::addRow("chunks of %d", size) << size;
        }
    }

    void buildProgressChunkedAtOddPlaces()
    {
        QFETCH(int, chunkSize);
        FakeEngine fake;
        fake.route("POST", "/v1.41/build", chunkedSplit(BuildLines, static_cast<std::size_t>(chunkSize)));
        auto client = clientOf(fake);
        std::vector<std::string> progress;
        std::atomic<bool> cancel{false};
        auto built = client.buildImage(
            "context-tar", buildOptions({{"org.agentrun.test", "1"}}),
            [&](std::string_view line) { progress.emplace_back(line); }, cancel);
        QVERIFY2(built, errorOf(built).c_str());
        QCOMPARE(*built, std::string("sha256:feedc0de"));
        QCOMPARE(progress, BuildProgress);
        const auto request = fake.requests().front();
        QCOMPARE(request.body, std::string("context-tar"));
        QVERIFY(request.head.find("\r\nContent-Type: application/x-tar\r\n") != std::string::npos);
        QVERIFY(request.target.find("&networkmode=none") != std::string::npos);
    }

    void buildStepFails()
    {
        FakeEngine fake;
        const std::string lines =
            "{\"stream\":\"Step 1/2 : RUN exit 3\\n\"}\n"
            "{\"errorDetail\":{\"code\":3,\"message\":\"The command '/bin/sh -c exit 3' returned a non-zero "
            "code: 3\"},\"error\":\"The command '/bin/sh -c exit 3' returned a non-zero code: 3\"}\n";
        fake.route("POST", "/v1.41/build", chunkedSplit(lines, 10));
        auto client = clientOf(fake);
        std::atomic<bool> cancel{false};
        auto built = client.buildImage("tar", buildOptions(), nullptr, cancel);
        QVERIFY(!built);
        QCOMPARE(built.error().code, std::string("image.build_failed"));
        QCOMPARE(built.error().message,
                 std::string("Building agentrun-test:fake failed: The command '/bin/sh -c "
                             "exit 3' returned a non-zero code: 3"));
    }

    void buildConnectionCut()
    {
        FakeEngine fake;
        fake.route("POST", "/v1.41/build",
                   Script()
                       .write(testing::chunkedHead(200) +
                              testing::chunk("{\"stream\":\"Step 1/3 : FROM agentrun-base:bookworm\\n\"}\n") +
                              "40\r\n{\"stream\":\"Step 2/3")
                       .pause(50ms)
                       .cut());
        auto client = clientOf(fake);
        std::vector<std::string> progress;
        std::atomic<bool> cancel{false};
        auto built = client.buildImage(
            "tar", buildOptions(), [&](std::string_view line) { progress.emplace_back(line); }, cancel);
        QVERIFY(!built);
        QCOMPARE(progress, std::vector<std::string>{"Step 1/3 : FROM agentrun-base:bookworm"});
        QCOMPARE(built.error().code, std::string("engine.connection_lost"));
        QCOMPARE(built.error().message, "The connection to the Docker engine at " + fake.dockerHost() +
                                            " was lost mid-request: the engine may have been restarted. Try "
                                            "again once `agentrun doctor` says it is back.");
    }

    void statsChunkedAtOddPlaces()
    {
        FakeEngine fake;
        std::string lines;
        for (const int usage : {1000, 2000, 3000, 4000}) {
            lines += statsLine(usage);
        }
        fake.route("GET", "/v1.41/containers/" + Id + "/stats", chunkedSplit(lines, 45));
        auto client = clientOf(fake);
        std::vector<long long> usages;
        std::atomic<bool> stop{false};
        auto streamed = client.streamStats(
            Id,
            [&](const nlohmann::json& sample) {
                usages.push_back(sample["memory_stats"]["usage"].get<long long>());
                return true;
            },
            stop);
        QVERIFY2(streamed, errorOf(streamed).c_str());
        QCOMPARE(usages, (std::vector<long long>{1000, 2000, 3000, 4000}));
        QCOMPARE(fake.requests().front().target, "/v1.41/containers/" + Id + "/stats?stream=1");
    }

    void statsSampleStops()
    {
        FakeEngine fake;
        std::string lines;
        for (int i = 1; i <= 5; ++i) {
            lines += statsLine(i);
        }
        fake.route("GET", "/v1.41/containers/" + Id + "/stats",
                   Script().write(testing::chunkedHead(200) + testing::chunk(lines)).hang());
        auto client = clientOf(fake);
        int seen = 0;
        std::atomic<bool> stop{false};
        auto streamed = client.streamStats(
            Id, [&](const nlohmann::json&) { return ++seen < 2; }, stop);
        QVERIFY2(streamed, errorOf(streamed).c_str());
        QCOMPARE(seen, 2);
    }

    void statsConnectionCut()
    {
        FakeEngine fake;
        fake.route("GET", "/v1.41/containers/" + Id + "/stats",
                   Script()
                       .write(testing::chunkedHead(200) + testing::chunk(statsLine(1)) + "1f\r\n{\"read\"")
                       .pause(50ms)
                       .cut());
        auto client = clientOf(fake);
        int seen = 0;
        std::atomic<bool> stop{false};
        auto streamed = client.streamStats(
            Id, [&](const nlohmann::json&) { return ++seen > 0; }, stop);
        QVERIFY(!streamed);
        QCOMPARE(seen, 1);
        QCOMPARE(streamed.error().code, std::string("engine.connection_lost"));
    }

    void callTimesOut()
    {
        FakeEngine fake;
        fake.route("POST", "/v1.41/containers/" + Id + "/wait", Script().hang());
        // Head sent, body never finished.
        fake.route("GET", "/v1.41/containers/" + Id + "/json",
                   Script().write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"Id\":").hang());
        auto client = clientOf(fake);
        const std::string expected =
            "The Docker engine at " + fake.dockerHost() +
            " did not complete the request within 0.3 s: it may be overloaded or hung "
            "(check `systemctl status docker`).";
        auto start = std::chrono::steady_clock::now();
        auto waited = client.waitContainer(Id, 300ms);
        auto took = std::chrono::steady_clock::now() - start;
        QVERIFY(!waited);
        QCOMPARE(waited.error().code, std::string("engine.timeout"));
        QCOMPARE(waited.error().message, expected);
        // 299 ms, not 300: libcurl (7.88) counts the elapsed time in whole milliseconds and its
        // Curl_timediff truncates a negative microsecond difference toward zero, so across a second
        // boundary 299.5 ms count as 300 and the transfer ends up to 1 ms early (seen under ASan and load).
        QVERIFY2(took >= 299ms && took < 2s, (std::to_string(took.count() / 1000) + " us").c_str());

        start = std::chrono::steady_clock::now();
        auto half = client.request("GET", "/containers/" + Id + "/json", {}, 300ms);
        took = std::chrono::steady_clock::now() - start;
        QVERIFY(!half);
        QCOMPARE(half.error().code, std::string("engine.timeout"));
        QCOMPARE(half.error().message, expected);
        QVERIFY2(took < 2s, std::to_string(took.count() / 1000000).c_str());
    }

    void attachTimesOut()
    {
        FakeEngine fake;
        fake.route("POST", "/v1.41/containers/" + Id + "/attach", Script().hang());
        auto client = clientOf(fake);
        const auto start = std::chrono::steady_clock::now();
        auto stream = client.attach(Id);
        const auto took = std::chrono::steady_clock::now() - start;
        QVERIFY(!stream);
        QCOMPARE(stream.error().code, std::string("engine.timeout"));
        QCOMPARE(stream.error().message,
                 std::string("The Docker engine did not accept the attach request within 10 s."));
        QVERIFY(took >= 10s && took < 13s);
    }

    void streamCancelledFromAnotherThread_data()
    {
        QTest::addColumn<bool>("build");
        QTest::addRow("stats") << false;
        QTest::addRow("build") << true;
    }

    void streamCancelledFromAnotherThread()
    {
        QFETCH(bool, build);
        FakeEngine fake;
        // One line, then silence: only the cancel can end the call.
        fake.route("GET", "/v1.41/containers/" + Id + "/stats",
                   Script().write(testing::chunkedHead(200) + testing::chunk(statsLine(1))).hang());
        fake.route("POST", "/v1.41/build",
                   Script()
                       .write(testing::chunkedHead(200) +
                              testing::chunk("{\"stream\":\"Step 1/1 : RUN sleep 1h\\n\"}\n"))
                       .hang());
        auto client = clientOf(fake);
        std::atomic<bool> stop{false};
        std::atomic<bool> started{false};
        std::atomic<bool> returned{false};
        std::chrono::steady_clock::time_point stoppedAt;
        std::thread canceller([&] {
            while (!started.load()) {
                std::this_thread::sleep_for(5ms);
            }
            std::this_thread::sleep_for(200ms);
            stoppedAt = std::chrono::steady_clock::now();
            stop = true;
            // A cancel that does not work must fail this test, not hang it: the engine goes away.
            for (int i = 0; i < 500 && !returned.load(); ++i) {
                std::this_thread::sleep_for(10ms);
            }
            if (!returned.load()) {
                fake.stop();
            }
        });
        Result<std::string> result;
        if (build) {
            result = client.buildImage(
                "tar", buildOptions(), [&](std::string_view) { started = true; }, stop);
        } else {
            auto streamed = client.streamStats(
                Id,
                [&](const nlohmann::json&) {
                    started = true;
                    return true;
                },
                stop);
            result = streamed ? Result<std::string>("") : std::unexpected(streamed.error());
        }
        const auto returnedAt = std::chrono::steady_clock::now();
        returned = true;
        canceller.join();
        const auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(returnedAt - stoppedAt);
        qInfo("cancel took %lld ms", static_cast<long long>(latency.count()));
        if (build) {
            QVERIFY(!result);
            QCOMPARE(result.error().code, std::string("image.cancelled"));
            QCOMPARE(result.error().message, std::string("The image build was cancelled."));
        } else {
            QVERIFY2(result, errorOf(result).c_str());
        }
        // libcurl polls the transfer callback about once a second while the peer is silent.
        QVERIFY2(latency < 1500ms, std::to_string(latency.count()).c_str());
    }

    void engineGone()
    {
        auto fake = std::make_unique<FakeEngine>();
        const std::string socket = fake->socketPath();
        const std::string host = fake->dockerHost();
        engine::Client client(*engine::Endpoint::parse(host));
        fake->stop(); // the socket file stays, nobody listens: refused
        auto refused = client.ping();
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, std::string("engine.unreachable"));
        QCOMPARE(refused.error().message, "Docker is not running: the connection to " + host +
                                              " was refused. Start it (`sudo systemctl start docker`, or "
                                              "./packaging/quickstart.sh in a source checkout) or "
                                              "set DOCKER_HOST to a running engine.");
        ::unlink(socket.c_str());
        auto missing = client.ping();
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, std::string("engine.unreachable"));
        QCOMPARE(missing.error().message,
                 "Docker is not running: there is no socket at " + host +
                     ". Start it (`sudo systemctl start docker`, or ./packaging/quickstart.sh in a source "
                     "checkout) or set DOCKER_HOST "
                     "to a running engine.");
    }

    void wrongTypesInStreamLines_data()
    {
        QTest::addColumn<QString>("call");
        QTest::addColumn<QString>("line");
        QTest::addRow("build error object") << "build"
                                            << "{\"error\":{\"message\":\"step failed\"}}";
        QTest::addRow("build aux id number") << "build"
                                             << "{\"aux\":{\"ID\":5}}";
        QTest::addRow("event type number") << "events"
                                           << "{\"Type\":1,\"Action\":\"die\"}";
        QTest::addRow("event time string") << "events"
                                           << "{\"Type\":\"container\",\"timeNano\":\"soon\"}";
    }

    void wrongTypesInStreamLines()
    {
        // A line of the right shape with a field of the wrong type must not take the process down: the
        // parsing runs inside libcurl's write callback, where an exception cannot pass.
        QFETCH(QString, call);
        QFETCH(QString, line);
        FakeEngine fake;
        const Script stream = Script().write(testing::chunkedHead(200) +
                                             testing::chunk(line.toStdString() + "\n") + testing::chunk(""));
        fake.route("POST", "/v1.41/build", stream);
        fake.route("GET", "/v1.41/events", stream);
        const std::string answer = inChild([&] {
            auto client = clientOf(fake);
            std::atomic<bool> stop{false};
            if (call == "build") {
                return errorOf(client.buildImage("tar", buildOptions(), nullptr, stop));
            }
            int events = 0;
            auto streamed = client.streamEvents(
                {}, {}, [&](const engine::Client::Event&) { return ++events > 0; }, stop);
            return errorOf(streamed) + " | events " + std::to_string(events);
        });
        QVERIFY2(answer.starts_with("exit 0: ") && answer.find("threw") == std::string::npos, answer.c_str());
    }

    void permissionDenied_data()
    {
        QTest::addColumn<int>("directoryMode");
        QTest::addColumn<int>("socketMode");
        QTest::addRow("socket not writable") << 0755 << 0600;
        QTest::addRow("directory not enterable") << 0700 << 0777;
    }

    void permissionDenied()
    {
        // The client runs in a child process as nobody: root may connect to any socket.
        QFETCH(int, directoryMode);
        QFETCH(int, socketMode);
        FakeEngine fake;
        const std::string directory = fake.socketPath().substr(0, fake.socketPath().rfind('/'));
        QCOMPARE(::chmod(directory.c_str(), static_cast<mode_t>(directoryMode)), 0);
        QCOMPARE(::chmod(fake.socketPath().c_str(), static_cast<mode_t>(socketMode)), 0);
        if (::geteuid() != 0) {
            QSKIP("needs root to run the client as another user");
        }
        const std::string answer = inChild([&] {
            if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
                return std::string("could not become nobody");
            }
            auto client = clientOf(fake);
            return errorOf(client.ping());
        });
        QCOMPARE(answer,
                 "exit 0: engine.permission | Permission denied on " + fake.dockerHost() +
                     ": add your user to the docker group (`sudo usermod -aG docker $USER`, then log in "
                     "again) or run as root.");
    }
};

QTEST_GUILESS_MAIN(TestEngineFake)
#include "tst_enginefake.moc"
