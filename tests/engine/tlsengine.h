#pragma once

// A Docker engine of the test's own, reached over TLS only (issue 24): the test makes a CA, a server
// certificate for 127.0.0.1 and client certificates with openssl (and a second, wrong CA), and starts
// dockerd with --tlsverify on a free loopback port, with its own data root, exec root, pidfile, unix
// socket and containerd namespace, no bridge and no iptables, so that it shares nothing with the
// machine's engine. No traffic leaves loopback. killHard() kills it as a crash would, restart() starts it
// again on the same folders, port and certificates. stop() (also run by the destructor) removes its
// containers, stops it and whatever of it is left (containerd, mounts) and removes its folder.
//
// Header-only on purpose: only engine.enginetls and engine.fleet use it, and a helper_*.cpp would be
// compiled into every test of the suite.

#include "agentrun/engine/client.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <chrono>
#include <csignal>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

namespace testing {

/// What a program printed (stdout and stderr merged) and its exit code (-1: it did not finish).
struct Ran
{
    int exitCode = -1;
    QByteArray output;
};

inline Ran runProgram(const QString& program, const QStringList& arguments, const QString& workingDir,
                      int timeoutMs = 60000)
{
    QProcess process;
    process.setWorkingDirectory(workingDir);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    Ran ran;
    if (!process.waitForStarted(10000) || !process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        ran.output = process.readAll() + "\n(did not finish)";
        return ran;
    }
    ran.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    ran.output = process.readAll();
    return ran;
}

inline int freeLoopbackPort()
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

/// TLS settings as DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=folder give them.
inline agentrun::engine::TlsSettings tlsFrom(const QString& folder)
{
    agentrun::engine::TlsSettings settings;
    settings.verify = true;
    settings.certPath = folder.toStdString();
    settings.certPathSource = "DOCKER_CERT_PATH";
    return settings;
}

/// Why this machine cannot start a TLS engine of the test's own (empty: it can).
inline QString tlsEngineUnavailable()
{
    if (QStandardPaths::findExecutable("dockerd").isEmpty()) {
        return "dockerd is not installed (Debian package docker.io): no engine with TLS to start";
    }
    if (QStandardPaths::findExecutable("openssl").isEmpty()) {
        return "openssl is not installed (Debian package openssl): no certificates to make";
    }
    if (::geteuid() != 0) {
        return "starting a second dockerd needs root";
    }
    return {};
}

class TlsEngine
{
public:
    /// `name` tells engines of one test apart (containerd namespace, folder); `labelToRemove` is what
    /// stop() removes from it first.
    explicit TlsEngine(QString name, std::string labelToRemove)
        : m_name(std::move(name)), m_label(std::move(labelToRemove))
    {}
    ~TlsEngine() { stop(); }
    TlsEngine(const TlsEngine&) = delete;
    TlsEngine& operator=(const TlsEngine&) = delete;

    QString path(const QString& name) const { return m_dir->filePath(name); }
    int port() const { return m_port; }
    std::string dockerHost() const { return "tcp://127.0.0.1:" + std::to_string(m_port); }
    bool running() const { return m_dockerd && m_dockerd->state() != QProcess::NotRunning; }

    agentrun::engine::Endpoint endpointWith(const QString& folder) const
    {
        auto endpoint = agentrun::engine::Endpoint::parse(dockerHost(), tlsFrom(path(folder)));
        if (!endpoint) {
            qFatal("%s", endpoint.error().message.c_str());
        }
        return *endpoint;
    }

    /// The right CA but no client certificate: Endpoint::parse never leaves it out, so a hand-made
    /// endpoint shows what the engine does then (it refuses the handshake).
    agentrun::engine::Endpoint endpointWithoutClientCertificate() const
    {
        agentrun::engine::Endpoint endpoint = endpointWith("good");
        endpoint.certFile.clear();
        endpoint.keyFile.clear();
        return endpoint;
    }

    /// Plain HTTP to the TLS port: loopback, so parse accepts plain TCP; the engine itself refuses it.
    agentrun::engine::Endpoint plainEndpoint() const
    {
        auto endpoint = agentrun::engine::Endpoint::parse(dockerHost());
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
        return log.readAll().right(3000);
    }

    /// A DOCKER_CERT_PATH folder `name` with ca.pem, cert.pem and key.pem: the CA `ca` trusts, the
    /// client certificate `client`.
    bool certFolder(const QString& name, const QString& ca, const QString& client) const
    {
        QDir().mkpath(path(name));
        return QFile::copy(path("pki/" + ca + ".pem"), path(name + "/ca.pem")) &&
               QFile::copy(path("pki/" + client + "-cert.pem"), path(name + "/cert.pem")) &&
               QFile::copy(path("pki/" + client + "-key.pem"), path(name + "/key.pem"));
    }

    /// Makes the certificates ("good": the right CA and client; "wrongca": trusts another CA;
    /// "stranger": a client certificate of another CA), starts dockerd with `storageDriver` and waits
    /// until it answers over TLS (60 s at most). False with `error` saying why.
    bool start(QString& error, const QString& storageDriver = "vfs")
    {
        // Short: the engine's unix sockets live under it (108 characters at most).
        m_dir.emplace(QDir::tempPath() + "/ar-" + m_name + "-XXXXXX");
        if (!m_dir->isValid() || !QDir().mkpath(path("pki"))) {
            error = "no temporary folder";
            return false;
        }
        if (!writeFile(path("pki/openssl.cnf"), OpensslConfig) || !writeFile(path("daemon.json"), "{}\n")) {
            error = "cannot write into " + m_dir->path();
            return false;
        }
        if (!makeCa("ca", error) || !makeCa("wrongca", error) ||
            !makeCertificate("server", "ca", "server_ext", error) ||
            !makeCertificate("client", "ca", "client_ext", error) ||
            !makeCertificate("stranger", "wrongca", "client_ext", error)) {
            return false;
        }
        if (!certFolder("good", "ca", "client") || !certFolder("wrongca", "wrongca", "client") ||
            !certFolder("stranger", "ca", "stranger")) {
            error = "cannot copy the certificates";
            return false;
        }
        m_port = freeLoopbackPort();
        if (m_port <= 0) {
            error = "no free loopback port";
            return false;
        }
        m_storageDriver = storageDriver;
        return launch(error);
    }

    /// Starts dockerd again after killHard(), with the same arguments: the same data root, port and
    /// certificates (its containerd died with it, so it starts a new one). Waits as start() does.
    bool restart(QString& error)
    {
        if (!m_dir || m_port <= 0) {
            error = "the engine was never started";
            return false;
        }
        if (running()) {
            error = "the engine is still running";
            return false;
        }
        return launch(error);
    }

    /// The engine dies at once (SIGKILL to dockerd and its containerd), as a crashed or unplugged machine:
    /// its runs lose their engine mid-way. stop() still cleans up after it.
    void killHard()
    {
        if (running()) {
            ::kill(static_cast<pid_t>(m_dockerd->processId()), SIGKILL);
            m_dockerd->waitForFinished(10000);
        }
        stopContainerd(SIGKILL);
    }

    /// Removes the test's containers, stops dockerd (SIGTERM: it stops its containers and its
    /// containerd), then whatever of it is left (containerd by the pid it wrote, mounts under the
    /// folder), then removes the folder.
    void stop()
    {
        if (m_dockerd) {
            if (running()) {
                if (m_port != 0) {
                    if (auto endpoint =
                            agentrun::engine::Endpoint::parse(dockerHost(), tlsFrom(path("good")))) {
                        agentrun::engine::Client client(*endpoint);
                        client.removeByLabel(m_label);
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
        stopContainerd(SIGTERM);
        killShims();
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

private:
    // Starts dockerd with this engine's arguments and waits until it answers over TLS (60 s at most).
    bool launch(QString& error)
    {
        m_dockerd = std::make_unique<QProcess>();
        m_dockerd->setProcessChannelMode(QProcess::MergedChannels);
        // Appended: a restarted engine's log follows the first one's.
        m_dockerd->setStandardOutputFile(path("dockerd.log"), QIODevice::Append);
        // As packaging/quickstart.sh starts its test engine (--bridge=none --iptables=false), plus
        // everything of its own (a config file that is not the machine's /etc/docker/daemon.json).
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
                                     m_storageDriver,
                                     "--containerd-namespace",
                                     "agentrun-" + m_name,
                                     "--containerd-plugins-namespace",
                                     "agentrun-" + m_name + "-plugins"});
        if (!m_dockerd->waitForStarted(10000)) {
            error = m_dockerd->errorString();
            return false;
        }
        agentrun::engine::Client client(endpointWith("good"));
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        agentrun::Result<void> ping = client.ping();
        while (!ping && std::chrono::steady_clock::now() < deadline) {
            if (m_dockerd->state() == QProcess::NotRunning) {
                error = "dockerd exited: " + QString::fromUtf8(logTail());
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
            ping = client.ping();
        }
        if (!ping) {
            error =
                "the TLS engine did not answer within 60 s: " + QString::fromStdString(ping.error().message) +
                "\n" + QString::fromUtf8(logTail());
            return false;
        }
        return true;
    }

    // The openssl configuration: extensions of the CA, the engine's certificate and a client's.
    static constexpr const char* OpensslConfig = "[req]\n"
                                                 "distinguished_name = dn\n"
                                                 "prompt = no\n"
                                                 "[dn]\n"
                                                 "CN = agentrun-tls-test\n"
                                                 "[ca_ext]\n"
                                                 "basicConstraints = critical,CA:TRUE\n"
                                                 "keyUsage = critical,keyCertSign,cRLSign\n"
                                                 "subjectKeyIdentifier = hash\n"
                                                 "[server_ext]\n"
                                                 "basicConstraints = CA:FALSE\n"
                                                 "keyUsage = critical,digitalSignature,keyEncipherment\n"
                                                 "extendedKeyUsage = serverAuth\n"
                                                 "subjectAltName = IP:127.0.0.1\n"
                                                 "[client_ext]\n"
                                                 "basicConstraints = CA:FALSE\n"
                                                 "keyUsage = critical,digitalSignature\n"
                                                 "extendedKeyUsage = clientAuth\n";

    static bool writeFile(const QString& file, const char* text)
    {
        QFile out(file);
        return out.open(QIODevice::WriteOnly) && out.write(text) == qint64(std::strlen(text));
    }

    // Shims of containers a killed engine left (containerd-shim-runc-v2 … -address <our exec root>/…):
    // they outlive their containerd. Their containers' agents then see end of input and end themselves.
    void killShims()
    {
        const QByteArray folder = m_dir->path().toUtf8() + "/";
        const QStringList pids = QDir("/proc").entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        for (const QString& entry : pids) {
            bool number = false;
            const int pid = entry.toInt(&number);
            if (!number || pid <= 1 || pid == ::getpid()) {
                continue;
            }
            QFile cmdline("/proc/" + entry + "/cmdline");
            if (cmdline.open(QIODevice::ReadOnly) && cmdline.readAll().contains(folder)) {
                ::kill(pid, SIGKILL);
            }
        }
    }

    void stopContainerd(int signal)
    {
        if (!m_dir) {
            return;
        }
        QFile containerdPid(path("exec/containerd/containerd.pid"));
        if (containerdPid.open(QIODevice::ReadOnly)) {
            const int pid = containerdPid.readAll().trimmed().toInt();
            if (pid > 1 && ::kill(pid, 0) == 0) {
                ::kill(pid, signal);
                for (int i = 0; i < 50 && ::kill(pid, 0) == 0; ++i) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                }
            }
        }
    }

    // One openssl call in the PKI folder; the error names the command and what openssl said.
    bool openssl(const QStringList& arguments, QString& error) const
    {
        const Ran ran = runProgram(QStringLiteral("openssl"), arguments, path("pki"));
        if (ran.exitCode != 0) {
            error = "openssl " + arguments.join(' ') + " failed: " + QString::fromUtf8(ran.output);
            return false;
        }
        return true;
    }

    bool makeCa(const QString& name, QString& error) const
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

    bool makeCertificate(const QString& name, const QString& ca, const QString& extensions,
                         QString& error) const
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

    QString m_name;
    std::string m_label;
    std::optional<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_dockerd;
    int m_port = 0;
    QString m_storageDriver;
};

} // namespace testing
