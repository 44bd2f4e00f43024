// Attacks on `agentrun serve`'s HTTP layer (issue 21: items 1, 2, 9 and the shared port), against a real
// server process over real sockets. Labelled "security" beside the container tables of tests/security.

#include "tst_restfixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

using namespace resttest;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

/// A raw client connection: the test decides every byte (browsers' headers, slow clients).
class Raw
{
public:
    explicit Raw(int port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }
    ~Raw()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    Raw(const Raw&) = delete;
    Raw& operator=(const Raw&) = delete;

    bool ok() const { return m_fd >= 0; }
    bool send(std::string_view bytes) const
    {
        return ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
    }
    /// Everything until the server closes the connection or `timeout` passes.
    std::string readAll(std::chrono::milliseconds timeout, bool* closed = nullptr) const
    {
        std::string out;
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            pollfd entry{m_fd, POLLIN, 0};
            if (left.count() <= 0 || ::poll(&entry, 1, static_cast<int>(left.count())) <= 0) {
                break;
            }
            char chunk[8192];
            const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n <= 0) {
                if (closed) {
                    *closed = true;
                }
                break;
            }
            out.append(chunk, static_cast<std::size_t>(n));
        }
        return out;
    }
    /// One whole response (head and Content-Length body), or what came before `timeout`.
    std::string readResponse(std::chrono::milliseconds timeout) const
    {
        std::string out;
        const auto deadline = Clock::now() + timeout;
        while (Clock::now() < deadline) {
            const auto head = out.find("\r\n\r\n");
            if (head != std::string::npos) {
                const auto at = out.find("Content-Length: ");
                const std::size_t length = at == std::string::npos ? 0 : std::stoul(out.substr(at + 16));
                if (out.size() >= head + 4 + length) {
                    break;
                }
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            pollfd entry{m_fd, POLLIN, 0};
            if (::poll(&entry, 1, static_cast<int>(std::max<long long>(1, left.count()))) <= 0) {
                break;
            }
            char chunk[8192];
            const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n <= 0) {
                break;
            }
            out.append(chunk, static_cast<std::size_t>(n));
        }
        return out;
    }
    /// Whether the server has closed its side (EOF or reset) by now, without waiting.
    bool closedByServer() const
    {
        pollfd entry{m_fd, POLLIN, 0};
        if (::poll(&entry, 1, 0) <= 0) {
            return false;
        }
        char chunk[4096];
        const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, MSG_DONTWAIT);
        return n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
    }

private:
    int m_fd = -1;
};

int statusOf(const std::string& response)
{
    return response.starts_with("HTTP/1.1 ") && response.size() >= 12 ? std::stoi(response.substr(9, 3)) : -1;
}

std::string bodyOf(const std::string& response)
{
    const auto head = response.find("\r\n\r\n");
    return head == std::string::npos ? std::string() : response.substr(head + 4);
}

std::string errorCode(const std::string& response)
{
    const json reply = json::parse(bodyOf(response), nullptr, false);
    return reply.is_object() && reply.contains("error") ? reply["error"].value("code", "") : "";
}

/// A POST as a browser (or anyone) could send it: `extraHeaders` each end with CRLF.
std::string post(int port, const std::string& path, const std::string& body, const std::string& extraHeaders)
{
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n" + extraHeaders +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string exchange(int port, const std::string& request,
                     std::chrono::seconds timeout = std::chrono::seconds(60))
{
    Raw raw(port);
    if (!raw.ok() || !raw.send(request)) {
        return "connect failed";
    }
    return raw.readResponse(timeout);
}

const std::string SixTimesSeven = R"x({"code": "print(6*7)"})x";
const std::string PrintOne = R"x({"code": "print(1)"})x";
constexpr const char* Token = "attack-test-token-0123456789abcdef";

std::string deepArray(std::size_t depth)
{
    return std::string(depth, '[') + std::string(depth, ']');
}

} // namespace

class TestRestAttack : public QObject
{
    Q_OBJECT

private:
    ServerProcess m_server; ///< default options: no token, loopback
    ServerProcess m_tokenServer;
    QTemporaryDir m_dir;

    bool alive(const ServerProcess& server)
    {
        auto health = server.client(std::chrono::seconds(20))
                          ->Get("/v1/health/", {{"Authorization", std::string("Bearer ") + Token}});
        return health && health->status == 200;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QByteArray why;
        QVERIFY2(engineReady(why), why.constData());
        QVERIFY(m_server.start({}));
        const QString tokenFile = m_dir.filePath("token");
        std::ofstream(tokenFile.toStdString()) << Token << "\n";
        QVERIFY(m_tokenServer.start({"--token-file", tokenFile, "--allow-origin", "http://localhost:3000",
                                     "--allow-origin", "https://app.example"}));
    }

    // Item 1: 200,000 nested brackets in one 400 KB body crashed the server (stack overflow while the
    // v1 "missing code" answer copied the body); with a token, the same inside {"code": …}.
    void deepNestingIsRefusedEverywhere_data()
    {
        QTest::addColumn<bool>("token");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        const QByteArray deep = QByteArray::fromStdString(deepArray(200000));
        const QByteArray inCode = "{\"code\": " + deep + "}";
        const QByteArray inLimits = "{\"code\": \"print(1)\", \"limits\": " + QByteArray(100000, '{') + "}";
        QTest::newRow("v1 body, no token") << false << "/v1/run/" << deep;
        QTest::newRow("v1 code, no token") << false << "/v1/run/" << inCode;
        QTest::newRow("v2 runs body") << false << "/v2/runs" << deep;
        QTest::newRow("v2 runs limits") << false << "/v2/runs" << inLimits;
        QTest::newRow("v2 check code") << false << "/v2/check" << inCode;
        QTest::newRow("v1 code, token") << true << "/v1/run/" << inCode;
        QTest::newRow("v2 runs body, token") << true << "/v2/runs" << deep;
    }
    void deepNestingIsRefusedEverywhere()
    {
        QFETCH(bool, token);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        const ServerProcess& server = token ? m_tokenServer : m_server;
        const std::string auth = token ? std::string("Authorization: Bearer ") + Token + "\r\n" : "";
        const std::string reply =
            exchange(server.port(), post(server.port(), path.toStdString(), body.toStdString(),
                                         auth + "Content-Type: application/json\r\n"));
        QVERIFY2(alive(server), "the server died");
        QCOMPARE(statusOf(reply), 400);
        QCOMPARE(errorCode(reply), std::string("request.json_depth"));
        QVERIFY2(bodyOf(reply).find("64") != std::string::npos, reply.c_str()); // names the limit
        QVERIFY(bodyOf(reply).size() < 1024);
    }

    /// Nothing of a refused body comes back: not in v1's FastAPI "detail", not in any error (a name the
    /// client sent is quoted, cut to 64 bytes).
    void answersNeverEchoTheBody_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        const QByteArray marker = "ECHO-MARKER-" + QByteArray(4000, 'e');
        QTest::newRow("v1 not an object") << "/v1/run/"
                                          << "[\"" + marker + "\"]";
        QTest::newRow("v1 no code") << "/v1/run/"
                                    << "{\"other\": \"" + marker + "\"}";
        QTest::newRow("v1 code not a string") << "/v1/run/"
                                              << "{\"code\": [\"" + marker + "\"]}";
        QTest::newRow("v1 malformed") << "/v1/run/"
                                      << "{\"code\": \"" + marker;
        QTest::newRow("v2 code not a string") << "/v2/runs"
                                              << "{\"code\": {\"x\": \"" + marker + "\"}}";
        QTest::newRow("v2 check malformed") << "/v2/check"
                                            << "[\"" + marker + "\",";
        // Names the client sent are quoted in errors, shortened.
        QTest::newRow("v2 unknown field") << "/v2/runs"
                                          << "{\"code\": \"1\", \"" + marker + "\": 1}";
        QTest::newRow("v2 unknown limit") << "/v2/runs"
                                          << "{\"code\": \"1\", \"limits\": {\"" + marker + "\": 1}}";
        QTest::newRow("v2 dependency") << "/v2/runs"
                                       << "{\"code\": \"1\", \"dependencies\": [\"" + marker + "\"]}";
    }
    void answersNeverEchoTheBody()
    {
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        const std::string reply =
            exchange(m_server.port(), post(m_server.port(), path.toStdString(), body.toStdString(),
                                           "Content-Type: application/json\r\n"));
        QVERIFY2(statusOf(reply) == 400 || statusOf(reply) == 422, reply.substr(0, 300).c_str());
        QVERIFY2(reply.find(std::string(100, 'e')) == std::string::npos, reply.substr(0, 300).c_str());
        QVERIFY2(reply.size() < 2048, reply.substr(0, 300).c_str());
    }

    // Item 2: a web page's request. Browsers send an Origin header on every cross-origin POST, and
    // without a preflight only the CORS-safelisted content types (or none, for a Blob body).
    void browserRequestsFromAnotherPageAreRefused_data()
    {
        QTest::addColumn<bool>("token");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("origin");
        QTest::addColumn<QString>("contentType");
        for (const char* path : {"/v1/run/", "/v2/runs", "/v2/check"}) {
            for (const char* type :
                 {"", "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                  "multipart/form-data; boundary=x", "application/json"}) {
                for (const char* origin : {"http://evil.example", "null"}) {
                    QTest::addRow("%s %s type=%s", path, origin, type) << false << path << origin << type;
                }
            }
            QTest::addRow("%s with token, evil origin", path) << true << path << "http://evil.example"
                                                              << "application/json";
            QTest::addRow("%s rebinding name", path) << false << path << "http://127.0.0.1.evil.example"
                                                     << "text/plain";
        }
    }
    void browserRequestsFromAnotherPageAreRefused()
    {
        QFETCH(bool, token);
        QFETCH(QString, path);
        QFETCH(QString, origin);
        QFETCH(QString, contentType);
        const ServerProcess& server = token ? m_tokenServer : m_server;
        std::string headers = "Origin: " + origin.toStdString() + "\r\n";
        if (!contentType.isEmpty()) {
            headers += "Content-Type: " + contentType.toStdString() + "\r\n";
        }
        if (token) {
            headers += std::string("Authorization: Bearer ") + Token + "\r\n";
        }
        const std::string reply =
            exchange(server.port(), post(server.port(), path.toStdString(), SixTimesSeven, headers));
        QVERIFY2(statusOf(reply) == 403, reply.c_str());
        QCOMPARE(errorCode(reply), std::string("request.origin"));
        QVERIFY(reply.find("Access-Control-Allow-Origin") == std::string::npos);
        QVERIFY(reply.find("42") == std::string::npos);
    }

    /// Without any Origin (curl, scripts, a no-cors request of an old browser): JSON only.
    void bodiesMustBeJson_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("contentType");
        for (const char* path : {"/v1/run/", "/v2/runs", "/v2/check"}) {
            for (const char* type : {"", "text/plain", "application/x-www-form-urlencoded",
                                     "multipart/form-data; boundary=x", "application/jsonx"}) {
                QTest::addRow("%s type=%s", path, type) << path << type;
            }
        }
    }
    void bodiesMustBeJson()
    {
        QFETCH(QString, path);
        QFETCH(QString, contentType);
        const std::string headers =
            contentType.isEmpty() ? std::string() : "Content-Type: " + contentType.toStdString() + "\r\n";
        const std::string reply =
            exchange(m_server.port(), post(m_server.port(), path.toStdString(), SixTimesSeven, headers));
        QVERIFY2(statusOf(reply) == 415, reply.c_str());
        QCOMPARE(errorCode(reply), std::string("request.content_type"));
        QVERIFY(bodyOf(reply).find("application/json") != std::string::npos);
    }

    void preflights()
    {
        const auto preflight = [](const ServerProcess& server, const std::string& origin) {
            return exchange(server.port(),
                            "OPTIONS /v2/runs HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                                "\r\nOrigin: " + origin +
                                "\r\nAccess-Control-Request-Method: POST\r\n"
                                "Access-Control-Request-Headers: content-type, authorization\r\n\r\n");
        };
        // A foreign page's preflight: refused, and nothing in the answer lets the browser go on.
        for (const ServerProcess* server : {&m_server, &m_tokenServer}) {
            const std::string foreign = preflight(*server, "http://evil.example");
            QVERIFY2(statusOf(foreign) == 403, foreign.c_str());
            QVERIFY(foreign.find("Access-Control-Allow") == std::string::npos);
            const std::string null = preflight(*server, "null");
            QCOMPARE(statusOf(null), 403);
        }
        // An origin the operator allowed: answered before the token check (preflights carry none).
        const std::string allowed = preflight(m_tokenServer, "http://localhost:3000");
        QVERIFY2(statusOf(allowed) == 204, allowed.c_str());
        QVERIFY(allowed.find("Access-Control-Allow-Origin: http://localhost:3000") != std::string::npos);
        QVERIFY(allowed.find("Access-Control-Allow-Headers: Authorization, Content-Type") !=
                std::string::npos);
    }

    void allowedOriginsAreServed()
    {
        // The server's own origin (the Host the browser addressed), without and with a token.
        const std::string own = "http://127.0.0.1:" + std::to_string(m_server.port());
        std::string reply =
            exchange(m_server.port(), post(m_server.port(), "/v1/run/", SixTimesSeven,
                                           "Origin: " + own + "\r\nContent-Type: application/json\r\n"));
        QVERIFY2(statusOf(reply) == 200, reply.c_str());
        QCOMPARE(json::parse(bodyOf(reply)).value("output", ""), std::string("42\n"));

        const std::string auth = std::string("Authorization: Bearer ") + Token + "\r\n";
        const std::string tokenOwn = "http://127.0.0.1:" + std::to_string(m_tokenServer.port());
        reply =
            exchange(m_tokenServer.port(), post(m_tokenServer.port(), "/v2/check", PrintOne,
                                                auth + "Origin: " + tokenOwn +
                                                    "\r\nContent-Type: application/json; charset=utf-8\r\n"));
        QVERIFY2(statusOf(reply) == 200, reply.c_str());
        // A listed origin gets CORS headers naming it (not *), and still needs the token.
        reply = exchange(m_tokenServer.port(),
                         post(m_tokenServer.port(), "/v2/check", PrintOne,
                              auth + "Origin: https://app.example\r\nContent-Type: application/json\r\n"));
        QVERIFY2(statusOf(reply) == 200, reply.c_str());
        QVERIFY(reply.find("Access-Control-Allow-Origin: https://app.example\r\n") != std::string::npos);
        reply = exchange(m_tokenServer.port(),
                         post(m_tokenServer.port(), "/v2/check", PrintOne,
                              "Origin: https://app.example\r\nContent-Type: application/json\r\n"));
        QCOMPARE(statusOf(reply), 401);
    }

    void allowOriginOptionIsValidated()
    {
        for (const QStringList& args :
             {QStringList{"--allow-origin", "*"}, QStringList{"--allow-origin", "null"},
              QStringList{"--allow-origin", "http://x.example/path"}}) {
            QProcess serve;
            serve.start(AGENTRUN_CLI, QStringList{"serve", "--listen", "127.0.0.1:0"} + args);
            QVERIFY(serve.waitForFinished(20000));
            QCOMPARE(serve.exitCode(), 2);
        }
    }

    // serve --engine (a fleet, issue 24): every value is checked before anything listens, with the
    // option and what it accepts; nothing is started for a refused one.
    void engineOptionIsValidated_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("said");
        QTest::newRow("plain tcp elsewhere") << QStringList{"--engine", "tcp://192.0.2.1:2375"}
                                             << QByteArray("--engine tcp://192.0.2.1:2375: ");
        QTest::newRow("no such context") << QStringList{"--engine", "nosuchcontext"}
                                         << QByteArray("There is no docker context \"nosuchcontext\"");
        QTest::newRow("runs zero") << QStringList{"--engine", "unix:///run/x.sock,runs=0"}
                                   << QByteArray("needs a whole number of runs between 1 and 256");
        QTest::newRow("runs text") << QStringList{"--engine", "unix:///run/x.sock,runs=lots"}
                                   << QByteArray("not \"lots\"");
        QTest::newRow("empty") << QStringList{"--engine", ""}
                               << QByteArray("--engine needs a docker context name");
        QTest::newRow("control characters")
            << QStringList{"--engine", "unix:///run/x.sock\n\x1b[31m"} << QByteArray("--engine needs");
        QTest::newRow("huge") << QStringList{"--engine", QString(100000, 'a')}
                              << QByteArray("--engine needs");
        QTest::newRow("twice") << QStringList{"--engine", "unix:///run/x.sock", "--engine",
                                              "unix:///run/x.sock"}
                               << QByteArray("is given twice");
        QStringList many;
        for (int i = 0; i < 17; ++i) {
            many << "--engine" << QString("unix:///run/e%1.sock").arg(i);
        }
        QTest::newRow("seventeen") << many << QByteArray("at most 16 times");
    }

    void engineOptionIsValidated()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, said);
        QProcess serve;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert("DOCKER_CONFIG", m_dir.filePath("no-docker-config")); // no context store
        serve.setProcessEnvironment(environment);
        serve.start(AGENTRUN_CLI, QStringList{"serve", "--listen", "127.0.0.1:0"} + args);
        QVERIFY(serve.waitForFinished(20000));
        const QByteArray err = serve.readAllStandardError();
        QCOMPARE(serve.exitCode(), 2);
        QVERIFY2(err.contains(said), err.constData());
        QVERIFY2(!err.contains("listening"), err.constData());
    }

    // Item 9: slow clients. 40 connections (more than the 16 workers) each send part of a head and then a
    // header line now and then; health must keep answering, and the slow connections must be closed.
    void slowClientsDoNotStopTheServer()
    {
        ServerProcess server;
        QVERIFY(server.start({"--header-timeout", "3"}));
        std::vector<std::unique_ptr<Raw>> slow;
        for (int i = 0; i < 40; ++i) {
            slow.push_back(std::make_unique<Raw>(server.port()));
            QVERIFY(slow.back()->ok());
            QVERIFY(slow.back()->send("GET /v1/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
        }
        const auto start = Clock::now();
        for (int round = 0; round < 4; ++round) {
            QThread::msleep(700);
            for (const auto& connection : slow) {
                connection->send("X-Slow: 1\r\n"); // fails once the server has closed it: fine
            }
            const auto asked = Clock::now();
            auto health = server.client(std::chrono::seconds(10))->Get("/v1/health/");
            const double seconds = std::chrono::duration<double>(Clock::now() - asked).count();
            QVERIFY2(health && health->status == 200,
                     "health did not answer while slow clients were connected");
            QVERIFY2(seconds < 5.0, qPrintable(QString("health took %1 s").arg(seconds)));
        }
        // Every slow connection is closed within the 3 s head deadline (plus slack), although it keeps
        // sending: a deadline for the whole head, not a timeout per read.
        int closed = 0;
        while (Clock::now() - start < std::chrono::seconds(30)) {
            closed = 0;
            for (const auto& connection : slow) {
                connection->send("X-Slow: 1\r\n");
                closed += connection->closedByServer() ? 1 : 0;
            }
            if (closed == 40) {
                break;
            }
            QThread::msleep(500);
        }
        QCOMPARE(closed, 40);
        QVERIFY(alive(server));
    }

    void slowHeadGets408()
    {
        ServerProcess server;
        QVERIFY(server.start({"--header-timeout", "2"}));
        Raw raw(server.port());
        QVERIFY(raw.send("GET /v1/health/ HTTP/1.1\r\n"));
        std::string got;
        bool closed = false;
        const auto start = Clock::now();
        while (!closed && Clock::now() - start < std::chrono::seconds(20)) {
            raw.send("X");
            got += raw.readAll(std::chrono::milliseconds(300), &closed);
        }
        QVERIFY2(closed, "a client sending a byte now and then was never cut off");
        QCOMPARE(statusOf(got), 408);
        QCOMPARE(errorCode(got), std::string("request.timeout"));
    }

    /// A client address keeps at most --max-client-connections; its oldest idle one makes room.
    void connectionsPerClientAreBounded()
    {
        ServerProcess server;
        QVERIFY(server.start({"--max-client-connections", "4"}));
        std::vector<std::unique_ptr<Raw>> idle;
        for (int i = 0; i < 6; ++i) {
            idle.push_back(std::make_unique<Raw>(server.port()));
            QThread::msleep(50); // in order: the oldest are the first
        }
        QVERIFY(alive(server)); // the newcomer is served
        QThread::msleep(300);
        // Two arrivals and the health check each closed the oldest: the first three.
        QString states;
        for (const auto& connection : idle) {
            states += connection->closedByServer() ? 'c' : 'o';
        }
        QCOMPARE(states, QString("ccctoo").replace('t', 'c').left(3) + states.mid(3));
        QCOMPARE(states.left(3), QString("ccc"));
        QCOMPARE(states.right(2), QString("oo"));
    }

    /// The token is checked when the head is in: a request without it is answered at once, its body
    /// never awaited.
    void tokenCheckedBeforeBody()
    {
        Raw raw(m_tokenServer.port());
        QVERIFY(raw.send("POST /v2/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         "Content-Length: 1000000\r\n\r\n{\"code\": "));
        bool closed = false;
        const std::string reply = raw.readAll(std::chrono::seconds(10), &closed);
        QCOMPARE(statusOf(reply), 401);
        QVERIFY2(closed, "the connection of a refused request stays open");
    }

    // Also: a second server on a port in use shared its traffic (SO_REUSEPORT).
    void portInUseIsRefused()
    {
        QProcess serve;
        serve.start(AGENTRUN_CLI, {"serve", "--listen", "127.0.0.1:" + QString::number(m_server.port())});
        QVERIFY(serve.waitForFinished(20000));
        const QByteArray err = serve.readAllStandardError();
        QCOMPARE(serve.exitCode(), 3);
        const QByteArray expected = "port " + QByteArray::number(m_server.port()) +
                                    " on 127.0.0.1 is in use by another program: pick another with --listen";
        QVERIFY2(err.contains(expected), err.constData());
    }

    void cleanupTestCase()
    {
        QVERIFY(alive(m_server));
        QCOMPARE(m_server.stop(), 0);
        QCOMPARE(m_tokenServer.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestRestAttack)
#include "tst_restattack.moc"
