// A remote engine over TLS (issue 24), against a real dockerd: the test makes a CA, a server certificate
// for 127.0.0.1 and client certificates with openssl (and a second, wrong CA), starts its own dockerd
// with --tlsverify on a free loopback port (own data root, exec root, pidfile and unix socket, no bridge,
// no iptables), and proves that the client talks to it with the right certificates only, each refusal
// with its own message. No traffic leaves loopback. The dockerd is stopped and its folders removed at
// the end, also when a test fails (cleanupTestCase and the destructor).
#include "agentrun/engine/client.h"
#include "agentrun/engine/demuxer.h"
#include "agentrun/engine/dockercontext.h"

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

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace agentrun;
using namespace std::chrono_literals;

namespace {

constexpr const char* TestLabel = "org.agentrun.test=enginetls";
constexpr const char* ImageRef = "agentrun-tls-test:empty";

// The openssl configuration: extensions of the CA, the engine's certificate and a client's.
constexpr const char* OpensslConfig = R"([req]
distinguished_name = dn
prompt = no
[dn]
CN = agentrun-tls-test
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
[client_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
)";

struct Ran
{
    int exitCode = -1;
    QByteArray output;
};

Ran run(const QString& program, const QStringList& arguments, const QString& workingDir)
{
    QProcess process;
    process.setWorkingDirectory(workingDir);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    Ran ran;
    if (!process.waitForStarted(10000) || !process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished(5000);
        ran.output = process.readAll() + "\n(did not finish)";
        return ran;
    }
    ran.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    ran.output = process.readAll();
    return ran;
}

int freeLoopbackPort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    int port = 0;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
        port = ntohs(address.sin_port);
    }
    if (fd >= 0) {
        ::close(fd);
    }
    return port;
}

bool has(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

engine::TlsSettings tlsFrom(const QString& folder)
{
    engine::TlsSettings settings;
    settings.verify = true;
    settings.certPath = folder.toStdString();
    settings.certPathSource = "DOCKER_CERT_PATH";
    return settings;
}

} // namespace

class TestEngineTls : public QObject
{
    Q_OBJECT

public:
    ~TestEngineTls() override { stopEngine(); }

private:
    std::optional<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_dockerd;
    int m_port = 0;

    QString path(const QString& name) const { return m_dir->filePath(name); }
    std::string dockerHost() const { return "tcp://127.0.0.1:" + std::to_string(m_port); }

    // One openssl call in the PKI folder; the error names the command and what openssl said.
    bool openssl(const QStringList& arguments, QString& error)
    {
        const Ran ran = run(QStringLiteral("openssl"), arguments, path("pki"));
        if (ran.exitCode != 0) {
            error = "openssl " + arguments.join(' ') + " failed: " + QString::fromUtf8(ran.output);
            return false;
        }
        return true;
    }

    bool makeCa(const QString& name, QString& error)
    {
        return openssl({"req",
                        "-x509",
                        "-new",
                        "-config",
                        "openssl.cnf",
                        "-extensions",
                        "ca_ext",
                        "-newkey",
                        "ec",
                        "-pkeyopt",
                        "ec_paramgen_curve:prime256v1",
                        "-nodes",
                        "-keyout",
                        name + "-key.pem",
                        "-out",
                        name + ".pem",
                        "-days",
                        "2",
                        "-subj",
                        "/CN=" + name},
                       error);
    }

    bool makeCertificate(const QString& name, const QString& ca, const QString& extensions, QString& error)
    {
        return openssl({"req", "-new", "-config", "openssl.cnf", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", name + "-key.pem", "-out",
                        name + ".csr", "-subj", "/CN=" + name},
                       error) &&
               openssl({"x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + "-key.pem",
                        "-CAcreateserial", "-out", name + "-cert.pem", "-days", "2", "-extfile",
                        "openssl.cnf", "-extensions", extensions},
                       error);
    }

    // A DOCKER_CERT_PATH folder: ca.pem, cert.pem and key.pem copied from the PKI folder.
    bool certFolder(const QString& name, const QString& ca, const QString& client)
    {
        QDir().mkpath(path(name));
        return QFile::copy(path("pki/" + ca + ".pem"), path(name + "/ca.pem")) &&
               QFile::copy(path("pki/" + client + "-cert.pem"), path(name + "/cert.pem")) &&
               QFile::copy(path("pki/" + client + "-key.pem"), path(name + "/key.pem"));
    }

    engine::Endpoint endpointWith(const QString& folder)
    {
        auto endpoint = engine::Endpoint::parse(dockerHost(), tlsFrom(path(folder)));
        if (!endpoint) {
            qFatal("%s", endpoint.error().message.c_str());
        }
        return *endpoint;
    }

    QByteArray logTail() const
    {
        QFile log(path("dockerd.log"));
        if (!log.open(QIODevice::ReadOnly)) {
            return "(no log)";
        }
        const QByteArray all = log.readAll();
        return all.right(3000);
    }

    // Stops the dockerd (SIGTERM: it stops its containers and its containerd), then whatever of it is
    // left: its containerd by the pid it wrote, mounts under the folder; then removes the folder.
    void stopEngine()
    {
        if (m_dockerd) {
            if (m_dockerd->state() != QProcess::NotRunning) {
                if (m_port != 0) {
                    if (auto endpoint = engine::Endpoint::parse(dockerHost(), tlsFrom(path("good")))) {
                        engine::Client client(*endpoint);
                        client.removeByLabel(TestLabel);
                    }
                }
                m_dockerd->terminate();
                if (!m_dockerd->waitForFinished(30000)) {
                    m_dockerd->kill();
                    m_dockerd->waitForFinished(10000);
                }
            }
            m_dockerd.reset();
        }
        if (!m_dir) {
            return;
        }
        QFile containerdPid(path("exec/containerd/containerd.pid"));
        if (containerdPid.open(QIODevice::ReadOnly)) {
            const int pid = containerdPid.readAll().trimmed().toInt();
            if (pid > 1 && ::kill(pid, 0) == 0) {
                ::kill(pid, SIGTERM);
                for (int i = 0; i < 50 && ::kill(pid, 0) == 0; ++i) {
                    std::this_thread::sleep_for(100ms);
                }
            }
        }
        QFile mounts("/proc/self/mountinfo");
        if (mounts.open(QIODevice::ReadOnly)) {
            const QByteArray prefix = m_dir->path().toUtf8() + "/";
            QList<QByteArray> under;
            for (const QByteArray& line : mounts.readAll().split('\n')) {
                const auto fields = line.split(' ');
                if (fields.size() > 4 && fields[4].startsWith(prefix)) {
                    under.prepend(fields[4]);
                }
            }
            for (const QByteArray& mountPoint : under) {
                ::umount2(mountPoint.constData(), MNT_DETACH);
            }
        }
        m_dir->remove();
        m_dir.reset();
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable("dockerd").isEmpty()) {
            QSKIP("dockerd is not installed (Debian package docker.io): no engine with TLS to start");
        }
        if (QStandardPaths::findExecutable("openssl").isEmpty()) {
            QSKIP("openssl is not installed (Debian package openssl): no certificates to make");
        }
        if (::geteuid() != 0) {
            QSKIP("starting a second dockerd needs root");
        }
        // Short: the engine's unix sockets live under it (108 characters at most).
        m_dir.emplace(QDir::tempPath() + "/ar-tls-XXXXXX");
        QVERIFY(m_dir->isValid());
        QVERIFY(QDir().mkpath(path("pki")));
        {
            QFile config(path("pki/openssl.cnf"));
            QVERIFY(config.open(QIODevice::WriteOnly));
            config.write(OpensslConfig);
        }
        QString error;
        QVERIFY2(makeCa("ca", error), qPrintable(error));
        QVERIFY2(makeCa("wrongca", error), qPrintable(error));
        QVERIFY2(makeCertificate("server", "ca", "server_ext", error), qPrintable(error));
        QVERIFY2(makeCertificate("client", "ca", "client_ext", error), qPrintable(error));
        QVERIFY2(makeCertificate("stranger", "wrongca", "client_ext", error), qPrintable(error));
        QVERIFY(certFolder("good", "ca", "client"));
        QVERIFY(certFolder("wrongca", "wrongca", "client")); // trusts another CA than the engine's
        QVERIFY(certFolder("stranger", "ca", "stranger"));   // a client certificate the engine does not know

        m_port = freeLoopbackPort();
        QVERIFY(m_port > 0);
        {
            QFile config(path("daemon.json")); // not the machine's /etc/docker/daemon.json
            QVERIFY(config.open(QIODevice::WriteOnly));
            config.write("{}\n");
        }
        m_dockerd = std::make_unique<QProcess>();
        m_dockerd->setProcessChannelMode(QProcess::MergedChannels);
        m_dockerd->setStandardOutputFile(path("dockerd.log"));
        // As packaging/quickstart.sh starts its test engine (--bridge=none --iptables=false), plus
        // everything of its own, so that it shares nothing with the machine's engine.
        m_dockerd->start("dockerd", {"--config-file",
                                     path("daemon.json"),
                                     "--data-root",
                                     path("data"),
                                     "--exec-root",
                                     path("exec"),
                                     "--pidfile",
                                     path("dockerd.pid"),
                                     "-H",
                                     "unix://" + path("d.sock"),
                                     "-H",
                                     "tcp://127.0.0.1:" + QString::number(m_port),
                                     "--tlsverify",
                                     "--tlscacert",
                                     path("pki/ca.pem"),
                                     "--tlscert",
                                     path("pki/server-cert.pem"),
                                     "--tlskey",
                                     path("pki/server-key.pem"),
                                     "--bridge=none",
                                     "--iptables=false",
                                     "--storage-driver",
                                     "vfs",
                                     "--containerd-namespace",
                                     "agentrun-tls-test",
                                     "--containerd-plugins-namespace",
                                     "agentrun-tls-test-plugins"});
        QVERIFY2(m_dockerd->waitForStarted(10000), qPrintable(m_dockerd->errorString()));

        engine::Client client(endpointWith("good"));
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        Result<void> ping = client.ping();
        while (!ping && std::chrono::steady_clock::now() < deadline) {
            if (m_dockerd->state() == QProcess::NotRunning) {
                QFAIL(QByteArray("dockerd exited: " + logTail()).constData());
            }
            std::this_thread::sleep_for(250ms);
            ping = client.ping();
        }
        QVERIFY2(ping.has_value(),
                 QByteArray("the TLS engine did not answer within 60 s: " +
                            QByteArray::fromStdString(ping.error().message) + "\n" + logTail())
                     .constData());
    }

    void cleanupTestCase() { stopEngine(); }

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
        auto endpoint = engine::Endpoint::parse(dockerHost());
        QVERIFY(endpoint.has_value());
        QVERIFY(endpoint->security == engine::Endpoint::Security::PlainLoopback);
        engine::Client client(*endpoint);
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
        auto endpoint =
            engine::Endpoint::parse("tcp://localhost:" + std::to_string(m_port), tlsFrom(path("good")));
        QVERIFY(endpoint.has_value());
        engine::Client client(*endpoint);
        auto ping = client.ping();
        QVERIFY(!ping.has_value());
        QVERIFY2(has(ping.error().message, "presented a certificate that is not valid for localhost"),
                 ping.error().message.c_str());
    }

    void clientWithoutCertificateIsRefused()
    {
        // Endpoint::parse never leaves them out; a hand-made endpoint shows what the engine does then.
        engine::Endpoint endpoint = endpointWith("good");
        endpoint.certFile.clear();
        endpoint.keyFile.clear();
        engine::Client client(endpoint);
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
                                                tlsFrom(path("good")));
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
        auto missing = engine::Endpoint::parse(dockerHost(), tlsFrom(path("empty")));
        QVERIFY(!missing.has_value());
        QCOMPARE(missing.error().code, std::string("engine.address"));
        QVERIFY2(has(missing.error().message,
                     path("empty/ca.pem").toStdString() + " (from DOCKER_CERT_PATH) does not exist"),
                 missing.error().message.c_str());

        QVERIFY(certFolder("folder", "ca", "client"));
        QVERIFY(QFile::remove(path("folder/key.pem")));
        QVERIFY(QDir().mkpath(path("folder/key.pem")));
        auto folder = engine::Endpoint::parse(dockerHost(), tlsFrom(path("folder")));
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
            const Ran made = run(docker,
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
            const Ran used = run(docker, {"--config", config, "context", "use", "tlsengine"}, path("."));
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
