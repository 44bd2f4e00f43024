// Endpoint::parse without an engine: DOCKER_HOST forms, the plain-TCP rule (loopback only, unless
// AGENTRUN_ALLOW_PLAIN_TCP=1), and TLS as the docker CLI configures it (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH
// with ca.pem, cert.pem, key.pem), its files checked before any connection. tests/engine/tst_enginetls.cpp
// does the same against a real engine with TLS.
#include "agentrun/engine/endpoint.h"

#include <QDir>
#include <QFile>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <string>

#include <unistd.h>

using agentrun::engine::Endpoint;
using agentrun::engine::TlsSettings;

namespace {

constexpr const char* Pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

bool has(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

} // namespace

class TestEndpoint : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    // A certificate folder with three PEM-looking files (parse only checks that they can be read).
    TlsSettings tlsIn(const QString& name)
    {
        QDir(m_dir.path()).mkpath(name);
        const QString folder = m_dir.filePath(name);
        for (const char* file : {"ca.pem", "cert.pem", "key.pem"}) {
            if (!QFile::exists(folder + "/" + file)) {
                writeFile(folder + "/" + file, Pem);
            }
        }
        TlsSettings tls;
        tls.verify = true;
        tls.certPath = folder.toStdString();
        tls.certPathSource = "DOCKER_CERT_PATH";
        return tls;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void emptyIsTheDefaultSocket()
    {
        auto endpoint = Endpoint::parse("");
        QVERIFY(endpoint.has_value());
        QVERIFY(endpoint->kind == Endpoint::Kind::Unix);
        QVERIFY(endpoint->security == Endpoint::Security::UnixSocket);
        QCOMPARE(endpoint->display(), std::string("unix:///var/run/docker.sock"));
        QCOMPARE(endpoint->baseUrl(), std::string("http://docker"));
        QCOMPARE(endpoint->securityName(), std::string("unix_socket"));
    }

    void unixSocketIgnoresTls()
    {
        // As for the docker CLI: DOCKER_TLS_VERIFY does not apply to a unix socket.
        TlsSettings tls;
        tls.verify = true;
        tls.certPath = "/nonexistent";
        auto endpoint = Endpoint::parse("unix:///run/other.sock", tls);
        QVERIFY(endpoint.has_value());
        QCOMPARE(endpoint->socketPath, std::string("/run/other.sock"));
        QVERIFY(!endpoint->tls());
        auto relative = Endpoint::parse("unix://docker.sock");
        QVERIFY(!relative.has_value());
        QCOMPARE(relative.error().code, std::string("engine.address"));
    }

    void loopback_data()
    {
        QTest::addColumn<QString>("host");
        QTest::addColumn<bool>("loopback");
        QTest::newRow("127.0.0.1") << "127.0.0.1" << true;
        QTest::newRow("127.8.9.10") << "127.8.9.10" << true;
        QTest::newRow("localhost") << "localhost" << true;
        QTest::newRow("LocalHost") << "LocalHost" << true;
        QTest::newRow("::1") << "::1" << true;
        QTest::newRow("v4-mapped") << "::ffff:127.0.0.1" << true;
        QTest::newRow("128.0.0.1") << "128.0.0.1" << false;
        QTest::newRow("10.0.0.5") << "10.0.0.5" << false;
        QTest::newRow("0.0.0.0") << "0.0.0.0" << false;
        QTest::newRow("::") << "::" << false;
        QTest::newRow("::2") << "::2" << false;
        QTest::newRow("name") << "docker.example" << false;
        QTest::newRow("loopback-looking name") << "127.0.0.1.example" << false;
        QTest::newRow("localhost suffix") << "localhost.example" << false;
        QTest::newRow("hex") << "0x7f000001" << false;
        QTest::newRow("short form") << "127.1" << false;
        QTest::newRow("empty") << "" << false;
    }

    void loopback()
    {
        QFETCH(QString, host);
        QFETCH(bool, loopback);
        QCOMPARE(Endpoint::isLoopback(host.toStdString()), loopback);
    }

    void plainTcpOnLoopbackIsAccepted_data()
    {
        QTest::addColumn<QString>("dockerHost");
        QTest::addColumn<QString>("host");
        QTest::newRow("v4") << "tcp://127.0.0.1:2375"
                            << "127.0.0.1";
        QTest::newRow("v4, slash") << "tcp://127.0.0.1:2375/"
                                   << "127.0.0.1";
        QTest::newRow("localhost") << "tcp://localhost:2375"
                                   << "localhost";
        QTest::newRow("v6") << "tcp://[::1]:2375"
                            << "::1";
    }

    void plainTcpOnLoopbackIsAccepted()
    {
        QFETCH(QString, dockerHost);
        QFETCH(QString, host);
        auto endpoint = Endpoint::parse(dockerHost.toStdString());
        QVERIFY2(endpoint.has_value(), endpoint ? "" : endpoint.error().message.c_str());
        QVERIFY(endpoint->kind == Endpoint::Kind::Tcp);
        QVERIFY(endpoint->security == Endpoint::Security::PlainLoopback);
        QCOMPARE(endpoint->host, host.toStdString());
        QVERIFY(endpoint->baseUrl().starts_with("http://"));
        QVERIFY(endpoint->caFile.empty());
        QCOMPARE(endpoint->securityName(), std::string("plain_tcp_loopback"));
    }

    void plainTcpElsewhereIsRefused_data()
    {
        QTest::addColumn<QString>("dockerHost");
        QTest::newRow("private address") << "tcp://10.0.0.5:2375";
        QTest::newRow("name") << "tcp://docker.example:2375";
        QTest::newRow("any address") << "tcp://0.0.0.0:2375";
        QTest::newRow("loopback-looking name") << "tcp://127.0.0.1.example:2375";
        QTest::newRow("v6") << "tcp://[2001:db8::1]:2375";
    }

    void plainTcpElsewhereIsRefused()
    {
        QFETCH(QString, dockerHost);
        auto endpoint = Endpoint::parse(dockerHost.toStdString());
        QVERIFY(!endpoint.has_value());
        QCOMPARE(endpoint.error().code, std::string("engine.address"));
        const std::string& message = endpoint.error().message;
        QVERIFY2(has(message, dockerHost.toStdString()), message.c_str());
        QVERIFY2(has(message, "Anyone who can reach that port controls the Docker engine, and with it the "
                              "machine"),
                 message.c_str());
        QVERIFY2(has(message, "DOCKER_TLS_VERIFY=1") && has(message, "DOCKER_CERT_PATH"), message.c_str());
        QVERIFY2(has(message, "AGENTRUN_ALLOW_PLAIN_TCP=1"), message.c_str());
        QVERIFY2(!has(message, "without DOCKER_TLS_VERIFY nothing uses it"), message.c_str());
    }

    void plainTcpCanBeAllowed()
    {
        TlsSettings tls;
        tls.allowPlainTcp = true;
        auto endpoint = Endpoint::parse("tcp://10.0.0.5:2375", tls);
        QVERIFY(endpoint.has_value());
        QVERIFY(endpoint->security == Endpoint::Security::PlainAllowed);
        QCOMPARE(endpoint->baseUrl(), std::string("http://10.0.0.5:2375"));
        QVERIFY(has(endpoint->securityText(), "AGENTRUN_ALLOW_PLAIN_TCP=1"));
    }

    void certPathWithoutVerifyIsNamed()
    {
        TlsSettings tls;
        tls.certPath = "/somewhere";
        tls.certPathSource = "DOCKER_CERT_PATH";
        auto endpoint = Endpoint::parse("tcp://10.0.0.5:2376", tls);
        QVERIFY(!endpoint.has_value());
        QVERIFY2(has(endpoint.error().message, "DOCKER_CERT_PATH is set, but without DOCKER_TLS_VERIFY"),
                 endpoint.error().message.c_str());
    }

    void tlsWithoutVerificationIsRefused()
    {
        TlsSettings tls;
        tls.unverified = true;
        for (const char* host : {"tcp://10.0.0.5:2376", "tcp://127.0.0.1:2376"}) {
            auto endpoint = Endpoint::parse(host, tls);
            QVERIFY(!endpoint.has_value());
            QCOMPARE(endpoint.error().code, std::string("engine.address"));
            QVERIFY2(has(endpoint.error().message, "DOCKER_TLS is set without DOCKER_TLS_VERIFY"),
                     endpoint.error().message.c_str());
        }
    }

    void badAddresses_data()
    {
        QTest::addColumn<QString>("dockerHost");
        QTest::newRow("no port") << "tcp://10.0.0.5";
        QTest::newRow("no host") << "tcp://:2375";
        QTest::newRow("port not a number") << "tcp://127.0.0.1:abc";
        QTest::newRow("port too big") << "tcp://127.0.0.1:70000";
        QTest::newRow("port zero") << "tcp://127.0.0.1:0";
        QTest::newRow("v6 without brackets") << "tcp://::1:2375";
        QTest::newRow("v6 without port") << "tcp://[::1]";
        QTest::newRow("a path") << "tcp://127.0.0.1:2375/v1.41";
        QTest::newRow("ssh") << "ssh://user@host";
        QTest::newRow("http") << "http://127.0.0.1:2375";
    }

    void badAddresses()
    {
        QFETCH(QString, dockerHost);
        auto endpoint = Endpoint::parse(dockerHost.toStdString());
        QVERIFY(!endpoint.has_value());
        QCOMPARE(endpoint.error().code, std::string("engine.address"));
        QVERIFY2(has(endpoint.error().message, dockerHost.toStdString()), endpoint.error().message.c_str());
    }

    void tls()
    {
        const TlsSettings settings = tlsIn("good");
        auto endpoint = Endpoint::parse("tcp://docker.example:2376", settings);
        QVERIFY2(endpoint.has_value(), endpoint ? "" : endpoint.error().message.c_str());
        QVERIFY(endpoint->tls());
        QVERIFY(endpoint->security == Endpoint::Security::Tls);
        QCOMPARE(endpoint->baseUrl(), std::string("https://docker.example:2376"));
        QCOMPARE(endpoint->display(), std::string("tcp://docker.example:2376"));
        QCOMPARE(endpoint->host, std::string("docker.example"));
        QCOMPARE(endpoint->caFile, settings.certPath + "/ca.pem");
        QCOMPARE(endpoint->certFile, settings.certPath + "/cert.pem");
        QCOMPARE(endpoint->keyFile, settings.certPath + "/key.pem");
        QCOMPARE(endpoint->securityName(), std::string("tls"));
        QVERIFY(has(endpoint->securityText(), "TLS with client certificate " + endpoint->certFile));
        // Loopback with TLS is TLS too.
        auto local = Endpoint::parse("tcp://127.0.0.1:2376", settings);
        QVERIFY(local.has_value());
        QVERIFY(local->tls());
        QCOMPARE(local->baseUrl(), std::string("https://127.0.0.1:2376"));
    }

    void unusableCertificateFiles_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("expected");
        for (const char* file : {"ca.pem", "cert.pem", "key.pem"}) {
            QTest::newRow((std::string(file) + " missing").c_str()) << file << "missing"
                                                                    << "does not exist";
            QTest::newRow((std::string(file) + " a folder").c_str()) << file << "folder"
                                                                     << "is a folder, not a file";
            QTest::newRow((std::string(file) + " empty").c_str()) << file << "empty"
                                                                  << "is empty";
            QTest::newRow((std::string(file) + " not PEM").c_str()) << file << "text"
                                                                    << "is not a PEM file";
        }
    }

    void unusableCertificateFiles()
    {
        QFETCH(QString, file);
        QFETCH(QString, damage);
        QFETCH(QString, expected);
        const QString name = QString(QTest::currentDataTag()).replace(' ', '_');
        TlsSettings settings = tlsIn(name);
        const QString path = QString::fromStdString(settings.certPath) + "/" + file;
        QVERIFY(QFile::remove(path));
        if (damage == "folder") {
            QVERIFY(QDir().mkpath(path));
        } else if (damage == "empty") {
            QVERIFY(writeFile(path, {}));
        } else if (damage == "text") {
            QVERIFY(writeFile(path, "not a certificate\n"));
        }
        auto endpoint = Endpoint::parse("tcp://10.0.0.5:2376", settings);
        QVERIFY(!endpoint.has_value());
        QCOMPARE(endpoint.error().code, std::string("engine.address"));
        const std::string& message = endpoint.error().message;
        // The file by its full path, what is wrong with it, and where the folder came from.
        QVERIFY2(has(message, path.toStdString() + " (from DOCKER_CERT_PATH) " + expected.toStdString()),
                 message.c_str());
        QVERIFY2(has(message, "DOCKER_TLS_VERIFY is set for tcp://10.0.0.5:2376"), message.c_str());
    }

    void unreadableCertificateFile()
    {
        if (::geteuid() == 0) {
            QSKIP("root reads any file: the permission case needs another user");
        }
        TlsSettings settings = tlsIn("unreadable");
        const QString path = QString::fromStdString(settings.certPath) + "/key.pem";
        QVERIFY(QFile::setPermissions(path, QFileDevice::WriteOwner));
        auto endpoint = Endpoint::parse("tcp://10.0.0.5:2376", settings);
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        QVERIFY(!endpoint.has_value());
        QVERIFY2(
            has(endpoint.error().message, path.toStdString() + " (from DOCKER_CERT_PATH) cannot be read"),
            endpoint.error().message.c_str());
    }

    void noCertificateFolder()
    {
        TlsSettings settings;
        settings.verify = true;
        auto endpoint = Endpoint::parse("tcp://10.0.0.5:2376", settings);
        QVERIFY(!endpoint.has_value());
        QVERIFY2(has(endpoint.error().message, "set DOCKER_CERT_PATH"), endpoint.error().message.c_str());
    }

    void settingsFromTheEnvironment()
    {
        const QByteArray names[] = {"DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH",
                                    "DOCKER_CONFIG",     "HOME",       "AGENTRUN_ALLOW_PLAIN_TCP",
                                    "DOCKER_HOST"};
        QList<QPair<QByteArray, QByteArray>> saved;
        for (const auto& name : names) {
            if (qEnvironmentVariableIsSet(name.constData())) {
                saved.append({name, qgetenv(name.constData())});
            }
            qunsetenv(name.constData());
        }
        const auto restore = qScopeGuard([&] {
            for (const auto& name : names) {
                qunsetenv(name.constData());
            }
            for (const auto& [name, value] : saved) {
                qputenv(name.constData(), value);
            }
        });

        qputenv("HOME", "/home/someone");
        TlsSettings settings = TlsSettings::fromEnvironment();
        QVERIFY(!settings.verify);
        QVERIFY(!settings.unverified);
        QVERIFY(!settings.allowPlainTcp);
        QCOMPARE(settings.certPath, std::string("/home/someone/.docker"));

        qputenv("DOCKER_CONFIG", "/etc/docker-config");
        QCOMPARE(TlsSettings::fromEnvironment().certPath, std::string("/etc/docker-config"));
        qputenv("DOCKER_CERT_PATH", "/certs");
        settings = TlsSettings::fromEnvironment();
        QCOMPARE(settings.certPath, std::string("/certs"));
        QCOMPARE(settings.certPathSource, std::string("DOCKER_CERT_PATH"));

        // Any non-empty value turns verification on, "0" too (as the docker CLI reads it).
        qputenv("DOCKER_TLS_VERIFY", "0");
        QVERIFY(TlsSettings::fromEnvironment().verify);
        qputenv("DOCKER_TLS_VERIFY", "");
        qputenv("DOCKER_TLS", "1");
        settings = TlsSettings::fromEnvironment();
        QVERIFY(!settings.verify);
        QVERIFY(settings.unverified);

        qputenv("AGENTRUN_ALLOW_PLAIN_TCP", "yes");
        QVERIFY(!TlsSettings::fromEnvironment().allowPlainTcp);
        qputenv("AGENTRUN_ALLOW_PLAIN_TCP", "1");
        QVERIFY(TlsSettings::fromEnvironment().allowPlainTcp);

        // resolve() reads all of it: DOCKER_TLS_VERIFY with a real folder gives TLS.
        qunsetenv("DOCKER_TLS");
        qputenv("DOCKER_TLS_VERIFY", "1");
        qputenv("DOCKER_CERT_PATH", QByteArray::fromStdString(tlsIn("resolved").certPath));
        qputenv("DOCKER_HOST", "tcp://10.0.0.5:2376");
        auto endpoint = Endpoint::resolve();
        QVERIFY2(endpoint.has_value(), endpoint ? "" : endpoint.error().message.c_str());
        QVERIFY(endpoint->tls());
        qunsetenv("DOCKER_TLS_VERIFY");
        qunsetenv("AGENTRUN_ALLOW_PLAIN_TCP");
        auto refused = Endpoint::resolve();
        QVERIFY(!refused.has_value());
        QCOMPARE(refused.error().code, std::string("engine.address"));
    }
};

QTEST_GUILESS_MAIN(TestEndpoint)
#include "tst_endpoint.moc"
