// A remote engine over TLS (issue 24), against a real dockerd of the test's own (tlsengine.h: its own CA
// and certificates made with openssl, --tlsverify on a free loopback port, its own folders), and proves
// that the client talks to it with the right certificates only, each refusal with its own message. No traffic
// leaves loopback. The dockerd is stopped and its folders removed at the end, also when a test fails
// (cleanupTestCase and the destructor).
#include "agentrun/engine/client.h"
#include "agentrun/engine/demuxer.h"
#include "agentrun/engine/dockercontext.h"
#include "tlsengine.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QCryptographicHash>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <unistd.h>

using namespace agentrun;
using namespace std::chrono_literals;

namespace {

constexpr const char* TestLabel = "org.agentrun.test=enginetls";
constexpr const char* ImageRef = "agentrun-tls-test:empty";

bool has(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

} // namespace

class TestEngineTls : public QObject
{
    Q_OBJECT

private:
    testing::TlsEngine m_engine{"tls-test", TestLabel};
    int m_port = 0;

    QString path(const QString& name) const { return m_engine.path(name); }
    std::string dockerHost() const { return m_engine.dockerHost(); }
    engine::Endpoint endpointWith(const QString& folder) const { return m_engine.endpointWith(folder); }
    bool certFolder(const QString& name, const QString& ca, const QString& client) const
    {
        return m_engine.certFolder(name, ca, client);
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (const QString why = testing::tlsEngineUnavailable(); !why.isEmpty()) {
            QSKIP(qPrintable(why));
        }
        QString error;
        QVERIFY2(m_engine.start(error), qPrintable(error));
        m_port = m_engine.port();
    }

    void cleanupTestCase() { m_engine.stop(); }

    void rightCertificatesReachTheEngine()
    {
        engine::Client client(endpointWith("good"));
        QVERIFY(client.endpoint().tls());
        QCOMPARE(client.endpoint().baseUrl(), "https://127.0.0.1:" + std::to_string(m_port));
        auto ping = client.ping();
        QVERIFY2(ping.has_value(), ping ? "" : ping.error().message.c_str());
        auto info = client.info();
        QVERIFY2(info.has_value(), info ? "" : info.error().message.c_str());
        QVERIFY(!info->version.empty());
        QVERIFY(std::ranges::find(info->runtimes, "runc") != info->runtimes.end());
        auto containers = client.listContainers(TestLabel);
        QVERIFY2(containers.has_value(), containers ? "" : containers.error().message.c_str());
        QVERIFY(containers->empty());
    }

    // A container's hijacked attach stream over TLS: stdin in, stdout back through the TLS layer (many
    // records, so bytes already decrypted inside it must be read before waiting on the socket).
    void attachStreamOverTls()
    {
        engine::Client client(endpointWith("good"));
        QVERIFY(client.info().has_value());
        // An image with nothing in it: cat comes from the host's /usr, bound read-only.
        auto imported = client.importImage(std::string(1024, '\0'), "agentrun-tls-test", "empty");
        QVERIFY2(imported.has_value(), imported ? "" : imported.error().message.c_str());
        nlohmann::json binds = nlohmann::json::array();
        for (const char* folder : {"/usr", "/bin", "/lib", "/lib64"}) {
            if (QFileInfo::exists(folder)) {
                binds.push_back(std::string(folder) + ":" + folder + ":ro");
            }
        }
        const nlohmann::json spec = {{"Image", ImageRef},
                                     {"Entrypoint", {"cat"}},
                                     {"Env", {"PATH=/usr/bin:/bin"}},
                                     {"OpenStdin", true},
                                     {"StdinOnce", true},
                                     {"AttachStdin", true},
                                     {"AttachStdout", true},
                                     {"AttachStderr", true},
                                     {"Labels", {{"org.agentrun.test", "enginetls"}}},
                                     {"HostConfig", {{"NetworkMode", "none"}, {"Binds", binds}}}};
        auto id = client.createContainer(spec);
        QVERIFY2(id.has_value(), id ? "" : id.error().message.c_str());
        auto stream = client.attach(*id);
        QVERIFY2(stream.has_value(), stream ? "" : stream.error().message.c_str());
        auto started = client.startContainer(*id);
        QVERIFY2(started.has_value(), started ? "" : started.error().message.c_str());

        std::string input;
        for (int i = 0; input.size() < 100000; ++i) {
            input += "line " + std::to_string(i) + " over TLS\n";
        }
        QVERIFY(stream->write(input).has_value());
        stream->closeWrite();
        std::string out;
        std::string err;
        engine::FrameDemuxer demuxer([&](engine::FrameDemuxer::Channel channel, std::string_view bytes) {
            (channel == engine::FrameDemuxer::Channel::Stderr ? err : out).append(bytes);
        });
        demuxer.feed(stream->takeLeftover());
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        bool eof = false;
        while (!eof && std::chrono::steady_clock::now() < deadline) {
            auto chunk = stream->read(100ms, eof);
            QVERIFY2(chunk.has_value(), chunk ? "" : chunk.error().message.c_str());
            demuxer.feed(*chunk);
        }
        QVERIFY2(eof, "the stream did not end after stdin was closed");
        QCOMPARE(err, std::string());
        QCOMPARE(out.size(), input.size());
        QVERIFY(out == input);
        auto exitCode = client.waitContainer(*id, 30s);
        QVERIFY2(exitCode.has_value(), exitCode ? "" : exitCode.error().message.c_str());
        QCOMPARE(*exitCode, 0);
        QVERIFY(client.removeContainer(*id).has_value());
        QVERIFY(client.removeImage(ImageRef, true).has_value());
    }

    void plainHttpToTheTlsPortIsRefused()
    {
        // Loopback, so plain TCP is accepted by parse: the engine itself refuses it.
        const engine::Endpoint endpoint = m_engine.plainEndpoint();
        QVERIFY(endpoint.security == engine::Endpoint::Security::PlainLoopback);
        engine::Client client(endpoint);
        auto ping = client.ping();
        QVERIFY(!ping.has_value());
        auto info = client.info();
        QVERIFY(!info.has_value());
        for (const Error& error : {ping.error(), info.error()}) {
            QCOMPARE(error.code, std::string("engine.transport"));
            QVERIFY2(has(error.message, "The Docker engine at " + dockerHost() +
                                            " expects TLS on this port and refused plain HTTP. Set "
                                            "DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH"),
                     error.message.c_str());
        }
        auto stream = client.attach("0123456789ab");
        QVERIFY(!stream.has_value());
        QVERIFY2(has(stream.error().message, "expects TLS on this port"), stream.error().message.c_str());
    }

    void wrongCaIsNotTrusted()
    {
        engine::Client client(endpointWith("wrongca"));
        auto ping = client.ping();
        QVERIFY(!ping.has_value());
        QCOMPARE(ping.error().code, std::string("engine.transport"));
        QVERIFY2(has(ping.error().message, "The Docker engine at " + dockerHost() +
                                               " presented a certificate that is not trusted: it is not "
                                               "signed by the CA in " +
                                               path("wrongca/ca.pem").toStdString()),
                 ping.error().message.c_str());
        auto stream = client.attach("0123456789ab");
        QVERIFY(!stream.has_value());
        QVERIFY2(has(stream.error().message, "presented a certificate that is not trusted"),
                 stream.error().message.c_str());
    }

    void hostNameIsChecked()
    {
        // The engine's certificate is for IP:127.0.0.1 only; "localhost" is another name.
        auto endpoint = engine::Endpoint::parse("tcp://localhost:" + std::to_string(m_port),
                                                testing::tlsFrom(path("good")));
        QVERIFY(endpoint.has_value());
        engine::Client client(*endpoint);
        auto ping = client.ping();
        QVERIFY(!ping.has_value());
        QVERIFY2(has(ping.error().message, "presented a certificate that is not valid for localhost"),
                 ping.error().message.c_str());
    }

    void clientWithoutCertificateIsRefused()
    {
        engine::Client client(m_engine.endpointWithoutClientCertificate());
        auto ping = client.ping();
        QVERIFY(!ping.has_value());
        QCOMPARE(ping.error().code, std::string("engine.transport"));
        QVERIFY2(has(ping.error().message,
                     "The Docker engine at " + dockerHost() + " refused our client certificate"),
                 ping.error().message.c_str());
        auto stream = client.attach("0123456789ab");
        QVERIFY(!stream.has_value());
        QVERIFY2(has(stream.error().message, "refused our client certificate"),
                 stream.error().message.c_str());
    }

    void clientCertificateOfAnotherCaIsRefused()
    {
        engine::Client client(endpointWith("stranger"));
        auto ping = client.ping();
        QVERIFY(!ping.has_value());
        QVERIFY2(has(ping.error().message, "refused our client certificate") &&
                     has(ping.error().message, path("stranger/cert.pem").toStdString()),
                 ping.error().message.c_str());
    }

    void tlsToAPlainPortIsNamed()
    {
        // A plain HTTP listener on loopback (an engine's port 2375, say) that answers whatever comes.
        const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        QVERIFY(listener >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        QVERIFY(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        QVERIFY(::listen(listener, 4) == 0);
        QVERIFY(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        std::thread server([listener] {
            const int connection = ::accept(listener, nullptr, nullptr);
            if (connection >= 0) {
                char buffer[4096];
                [[maybe_unused]] const ssize_t got = ::recv(connection, buffer, sizeof buffer, 0);
                const char answer[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
                [[maybe_unused]] const ssize_t sent =
                    ::send(connection, answer, sizeof answer - 1, MSG_NOSIGNAL);
                ::close(connection);
            }
        });
        auto endpoint = engine::Endpoint::parse("tcp://127.0.0.1:" + std::to_string(ntohs(address.sin_port)),
                                                testing::tlsFrom(path("good")));
        QVERIFY(endpoint.has_value());
        engine::Client client(*endpoint);
        auto ping = client.ping();
        ::shutdown(listener, SHUT_RDWR);
        server.join();
        ::close(listener);
        QVERIFY(!ping.has_value());
        QCOMPARE(ping.error().code, std::string("engine.transport"));
        QVERIFY2(has(ping.error().message, "the port does not speak TLS"), ping.error().message.c_str());
    }

    void plainTcpElsewhereIsRefusedBeforeConnecting()
    {
        // 192.0.2.0/24 is TEST-NET-1: nothing answers there, and parse never tries.
        auto endpoint = engine::Endpoint::parse("tcp://192.0.2.10:2375");
        QVERIFY(!endpoint.has_value());
        QCOMPARE(endpoint.error().code, std::string("engine.address"));
        QVERIFY2(has(endpoint.error().message, "controls the Docker engine"),
                 endpoint.error().message.c_str());
    }

    void certificateFilesAreCheckedFirst()
    {
        QVERIFY(QDir().mkpath(path("empty")));
        auto missing = engine::Endpoint::parse(dockerHost(), testing::tlsFrom(path("empty")));
        QVERIFY(!missing.has_value());
        QCOMPARE(missing.error().code, std::string("engine.address"));
        QVERIFY2(has(missing.error().message,
                     path("empty/ca.pem").toStdString() + " (from DOCKER_CERT_PATH) does not exist"),
                 missing.error().message.c_str());

        QVERIFY(certFolder("folder", "ca", "client"));
        QVERIFY(QFile::remove(path("folder/key.pem")));
        QVERIFY(QDir().mkpath(path("folder/key.pem")));
        auto folder = engine::Endpoint::parse(dockerHost(), testing::tlsFrom(path("folder")));
        QVERIFY(!folder.has_value());
        QVERIFY2(has(folder.error().message,
                     path("folder/key.pem").toStdString() + " (from DOCKER_CERT_PATH) is a folder"),
                 folder.error().message.c_str());
    }

    void doctorSaysHowTheEngineIsSecured()
    {
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert("DOCKER_HOST", QString::fromStdString(dockerHost()));
        environment.insert("DOCKER_TLS_VERIFY", "1");
        environment.insert("DOCKER_CERT_PATH", path("good"));
        QProcess doctor;
        doctor.setProcessEnvironment(environment);
        doctor.start(AGENTRUN_CLI, {"doctor"});
        QVERIFY2(doctor.waitForStarted(10000), qPrintable(doctor.errorString()));
        QVERIFY(doctor.waitForFinished(60000));
        const QByteArray out = doctor.readAllStandardOutput();
        // Ready or not (this engine has no sandbox image), it reaches the engine and says how.
        QVERIFY2(out.contains("engine:   Docker "), out.constData());
        const QByteArray security = "security: " + QByteArray::fromStdString(dockerHost()) +
                                    " over TLS with client certificate " + path("good/cert.pem").toUtf8();
        QVERIFY2(out.contains(security), out.constData());
        QVERIFY2(out.contains("runtimes: "), out.constData());

        environment.insert("DOCKER_CERT_PATH", path("wrongca"));
        doctor.setProcessEnvironment(environment);
        doctor.start(AGENTRUN_CLI, {"doctor"});
        QVERIFY(doctor.waitForFinished(60000));
        const QByteArray refused = doctor.readAllStandardOutput();
        QCOMPARE(doctor.exitCode(), 3);
        QVERIFY2(refused.contains("engine:   not reachable"), refused.constData());
        QVERIFY2(refused.contains("presented a certificate that is not trusted"), refused.constData());

        // Plain TCP elsewhere: refused before any connection, and doctor says so.
        environment.remove("DOCKER_TLS_VERIFY");
        environment.remove("AGENTRUN_ALLOW_PLAIN_TCP");
        environment.insert("DOCKER_HOST", "tcp://192.0.2.10:2375");
        doctor.setProcessEnvironment(environment);
        doctor.start(AGENTRUN_CLI, {"doctor"});
        QVERIFY(doctor.waitForFinished(60000));
        const QByteArray plain = doctor.readAllStandardOutput();
        QCOMPARE(doctor.exitCode(), 3);
        QVERIFY2(plain.contains("engine:   not used (its address is refused, see below)"), plain.constData());
        QVERIFY2(
            plain.contains("problem:  Refusing DOCKER_HOST tcp://192.0.2.10:2375: plain TCP without TLS"),
            plain.constData());
    }

    // A docker context for this engine, made by the docker CLI itself when it is installed (else written
    // as it writes it), used through `agentrun --context`, DOCKER_CONTEXT and `docker context use`.
    void dockerContextReachesTheEngine()
    {
        const QString config = path("docker-config");
        QVERIFY(QDir().mkpath(config));
        const QString docker = QStandardPaths::findExecutable("docker");
        const QByteArray host = QByteArray::fromStdString(dockerHost());
        if (!docker.isEmpty()) {
            const testing::Ran made =
                testing::runProgram(docker,
                                    {"--config", config, "context", "create", "tlsengine", "--docker",
                                     "host=" + QString::fromUtf8(host) + ",ca=" + path("good/ca.pem") +
                                         ",cert=" + path("good/cert.pem") + ",key=" + path("good/key.pem")},
                                    path("."));
            QVERIFY2(made.exitCode == 0, made.output.constData());
        } else {
            const QString digest = QString::fromLatin1(
                QCryptographicHash::hash("tlsengine", QCryptographicHash::Sha256).toHex());
            QVERIFY(QDir().mkpath(config + "/contexts/meta/" + digest));
            QFile meta(config + "/contexts/meta/" + digest + "/meta.json");
            QVERIFY(meta.open(QIODevice::WriteOnly));
            meta.write(R"({"Name":"tlsengine","Metadata":{},"Endpoints":{"docker":{"Host":")" + host +
                       R"(","SkipTLSVerify":false}}})");
            meta.close();
            QVERIFY(QDir().mkpath(config + "/contexts/tls/" + digest + "/docker"));
            for (const char* file : {"ca.pem", "cert.pem", "key.pem"}) {
                QVERIFY(QFile::copy(path("good/") + file,
                                    config + "/contexts/tls/" + digest + "/docker/" + file));
            }
        }

        // In process: the context's endpoint reaches the engine over TLS with the context's files.
        auto context = engine::DockerContext::load("tlsengine", config.toStdString());
        QVERIFY2(context.has_value(), context ? "" : context.error().message.c_str());
        auto endpoint = context->endpoint(false);
        QVERIFY2(endpoint.has_value(), endpoint ? "" : endpoint.error().message.c_str());
        QVERIFY(endpoint->tls());
        engine::Client client(*endpoint);
        auto ping = client.ping();
        QVERIFY2(ping.has_value(), ping ? "" : ping.error().message.c_str());

        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert("DOCKER_CONFIG", config);
        for (const char* name : {"DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONTEXT", "DOCKER_TLS"}) {
            environment.remove(name);
        }
        const auto doctor = [&](const QProcessEnvironment& env, const QStringList& arguments) {
            QProcess process;
            process.setProcessEnvironment(env);
            process.start(AGENTRUN_CLI, arguments);
            if (!process.waitForStarted(10000) || !process.waitForFinished(60000)) {
                process.kill();
                process.waitForFinished(5000);
                return QByteArray("(doctor did not finish)");
            }
            return process.readAllStandardOutput();
        };
        const QByteArray reached = "engine:   Docker ";
        const QByteArray secured = "security: " + host + " over TLS with client certificate ";

        // --context wins over DOCKER_HOST, as `docker --context` does.
        QProcessEnvironment withHost = environment;
        withHost.insert("DOCKER_HOST", "unix:///nonexistent/docker.sock");
        const QByteArray flag = doctor(withHost, {"--context", "tlsengine", "doctor"});
        QVERIFY2(flag.contains(reached) && flag.contains(secured), flag.constData());
        QVERIFY2(flag.contains("context:  tlsengine"), flag.constData());

        // DOCKER_CONTEXT when DOCKER_HOST is not set.
        QProcessEnvironment withContext = environment;
        withContext.remove("DOCKER_HOST");
        withContext.insert("DOCKER_CONTEXT", "tlsengine");
        const QByteArray env = doctor(withContext, {"doctor"});
        QVERIFY2(env.contains(reached) && env.contains(secured), env.constData());

        // DOCKER_HOST wins over DOCKER_CONTEXT: the engine named there (nothing listens) is the one tried.
        withContext.insert("DOCKER_HOST", "unix:///nonexistent/docker.sock");
        const QByteArray over = doctor(withContext, {"doctor"});
        QVERIFY2(over.contains("engine:   not reachable") && !over.contains("context:"), over.constData());

        // The context `docker context use` chose (config.json's currentContext).
        QProcessEnvironment plain = environment;
        plain.remove("DOCKER_HOST");
        if (!docker.isEmpty()) {
            const testing::Ran used =
                testing::runProgram(docker, {"--config", config, "context", "use", "tlsengine"}, path("."));
            QVERIFY2(used.exitCode == 0, used.output.constData());
        } else {
            QFile file(config + "/config.json");
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(R"({"currentContext":"tlsengine"})");
        }
        const QByteArray current = doctor(plain, {"doctor"});
        QVERIFY2(current.contains(reached) && current.contains(secured), current.constData());
        QVERIFY2(current.contains("context:  tlsengine"), current.constData());

        // A context that does not exist: refused before any connection, saying where it looked.
        const QByteArray missing = doctor(plain, {"--context", "nosuch", "doctor"});
        QVERIFY2(missing.contains("There is no docker context \"nosuch\""), missing.constData());
    }
};

QTEST_GUILESS_MAIN(TestEngineTls)
#include "tst_enginetls.moc"
