// The docker CLI's context store read without an engine: which context is current (the docker CLI's
// order), a context's endpoint and TLS files, Endpoint::resolve following DOCKER_CONTEXT, and hostile
// store files (not JSON, a folder, huge, wrong shapes, names that look like paths).
// tests/engine/tst_enginetls.cpp reaches a real TLS engine through a context made by `docker context`.
#include "agentrun/engine/dockercontext.h"
#include "agentrun/engine/endpoint.h"
#include "agentrun/errorcodes.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <string>

using agentrun::engine::DockerContext;
using agentrun::engine::Endpoint;

namespace {

constexpr const char* Pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

bool has(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

// The docker CLI's folder name for a context: the SHA-256 of its name in hex (computed here
// independently of the code under test).
QString digest(const QByteArray& name)
{
    return QString::fromLatin1(QCryptographicHash::hash(name, QCryptographicHash::Sha256).toHex());
}

} // namespace

class TestDockerContext : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_config; // a DOCKER_CONFIG folder of this test

    QString metaPath(const QByteArray& name) const
    {
        return m_config + "/contexts/meta/" + digest(name) + "/meta.json";
    }
    QString tlsPath(const QByteArray& name) const
    {
        return m_config + "/contexts/tls/" + digest(name) + "/docker";
    }
    // What `docker context create NAME --docker host=HOST[,ca=…]` writes.
    void makeContext(const QByteArray& name, const QByteArray& host, bool tls, bool skipVerify = false)
    {
        const QByteArray meta = "{\"Name\":\"" + name +
                                "\",\"Metadata\":{},\"Endpoints\":{\"docker\":{\"Host\":\"" + host +
                                "\",\"SkipTLSVerify\":" + (skipVerify ? "true" : "false") + "}}}";
        QVERIFY(writeFile(metaPath(name), meta));
        if (tls) {
            for (const char* file : {"ca.pem", "cert.pem", "key.pem"}) {
                QVERIFY(writeFile(tlsPath(name) + "/" + file, Pem));
            }
        }
    }
    std::string config() const { return m_config.toStdString(); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_config = m_dir.filePath("docker-config");
        QDir().mkpath(m_config);
        qunsetenv("DOCKER_HOST");
        qunsetenv("DOCKER_CONTEXT");
        qunsetenv("DOCKER_TLS_VERIFY");
        qunsetenv("DOCKER_TLS");
        qunsetenv("DOCKER_CERT_PATH");
        qunsetenv("AGENTRUN_ALLOW_PLAIN_TCP");
        qputenv("DOCKER_CONFIG", m_config.toUtf8());
        makeContext("remote", "tcp://192.0.2.7:2376", true);
        makeContext("local", "tcp://127.0.0.1:2375", false);
        makeContext("plain", "tcp://192.0.2.8:2375", false);
        makeContext("skip", "tcp://192.0.2.9:2376", true, true);
        makeContext("sock", "unix:///run/other.sock", false);
    }

    void init()
    {
        qunsetenv("DOCKER_HOST");
        qunsetenv("DOCKER_CONTEXT");
        QFile::remove(m_config + "/config.json");
    }

    void configFolderIsDockerConfig()
    {
        QCOMPARE(DockerContext::configFolder(), config());
        qunsetenv("DOCKER_CONFIG");
        const QByteArray home = qgetenv("HOME");
        qputenv("HOME", "/home/someone");
        QCOMPARE(DockerContext::configFolder(), std::string("/home/someone/.docker"));
        qputenv("HOME", home);
        qputenv("DOCKER_CONFIG", m_config.toUtf8());
    }

    // --context, then DOCKER_HOST (= default), then DOCKER_CONTEXT, then config.json, then default.
    void currentNameFollowsTheDockerCliOrder()
    {
        auto name = DockerContext::currentName({}, config());
        QVERIFY(name.has_value());
        QCOMPARE(*name, std::string("default")); // no config.json at all

        QVERIFY(writeFile(m_config + "/config.json", "{\"auths\":{},\"currentContext\":\"local\"}"));
        QCOMPARE(*DockerContext::currentName({}, config()), std::string("local"));

        qputenv("DOCKER_CONTEXT", "remote");
        QCOMPARE(*DockerContext::currentName({}, config()), std::string("remote"));

        qputenv("DOCKER_HOST", "unix:///var/run/docker.sock");
        QCOMPARE(*DockerContext::currentName({}, config()), std::string("default"));

        QCOMPARE(*DockerContext::currentName("sock", config()), std::string("sock"));

        // A config.json without currentContext (or an empty one) means default.
        qunsetenv("DOCKER_HOST");
        qunsetenv("DOCKER_CONTEXT");
        QVERIFY(writeFile(m_config + "/config.json", "{\"currentContext\":\"\"}"));
        QCOMPARE(*DockerContext::currentName({}, config()), std::string("default"));
        QVERIFY(writeFile(m_config + "/config.json", "[\"not\", \"an\", \"object\"]"));
        QCOMPARE(*DockerContext::currentName({}, config()), std::string("default"));
    }

    void brokenConfigJsonIsAnError()
    {
        QVERIFY(writeFile(m_config + "/config.json", "{\"currentContext\": "));
        auto name = DockerContext::currentName({}, config());
        QVERIFY(!name.has_value());
        QCOMPARE(name.error().code, std::string(agentrun::errc::EngineAddress));
        QVERIFY2(has(name.error().message, "config.json is not valid JSON"), name.error().message.c_str());

        // A folder where the file should be.
        QFile::remove(m_config + "/config.json");
        QVERIFY(QDir().mkpath(m_config + "/config.json"));
        name = DockerContext::currentName({}, config());
        QVERIFY(!name.has_value());
        QVERIFY2(has(name.error().message, "is not a regular file"), name.error().message.c_str());
        QVERIFY(QDir(m_config + "/config.json").removeRecursively());

        // Huge: refused before it is read.
        QVERIFY(writeFile(m_config + "/config.json", QByteArray(2 * 1024 * 1024, ' ')));
        name = DockerContext::currentName({}, config());
        QVERIFY(!name.has_value());
        QVERIFY2(has(name.error().message, "over 1 MiB"), name.error().message.c_str());
    }

    void tlsContextGivesATlsEndpoint()
    {
        auto context = DockerContext::load("remote", config());
        QVERIFY2(context.has_value(), context ? "" : context.error().message.c_str());
        QCOMPARE(context->host, std::string("tcp://192.0.2.7:2376"));
        QCOMPARE(context->tlsFolder, tlsPath("remote").toStdString());
        auto endpoint = context->endpoint(false);
        QVERIFY2(endpoint.has_value(), endpoint ? "" : endpoint.error().message.c_str());
        QVERIFY(endpoint->tls());
        QCOMPARE(endpoint->caFile, QString(tlsPath("remote") + "/ca.pem").toStdString());
        QCOMPARE(endpoint->certFile, QString(tlsPath("remote") + "/cert.pem").toStdString());
        QCOMPARE(endpoint->keyFile, QString(tlsPath("remote") + "/key.pem").toStdString());
        QCOMPARE(endpoint->hostPort, std::string("192.0.2.7:2376"));
    }

    void aMissingTlsFileNamesTheContext()
    {
        makeContext("halfcerts", "tcp://192.0.2.10:2376", true);
        QVERIFY(QFile::remove(tlsPath("halfcerts") + "/key.pem"));
        auto endpoint = DockerContext::load("halfcerts", config())->endpoint(false);
        QVERIFY(!endpoint.has_value());
        QVERIFY2(has(endpoint.error().message, "docker context \"halfcerts\""),
                 endpoint.error().message.c_str());
        QVERIFY2(has(endpoint.error().message, "key.pem"), endpoint.error().message.c_str());
        QVERIFY2(has(endpoint.error().message, "does not exist"), endpoint.error().message.c_str());
    }

    void plainContextsFollowThePlainTcpRule()
    {
        auto local = DockerContext::load("local", config())->endpoint(false);
        QVERIFY2(local.has_value(), local ? "" : local.error().message.c_str());
        QVERIFY(local->security == Endpoint::Security::PlainLoopback);

        auto plain = DockerContext::load("plain", config())->endpoint(false);
        QVERIFY(!plain.has_value());
        QVERIFY2(has(plain.error().message, "docker context \"plain\""), plain.error().message.c_str());
        QVERIFY2(has(plain.error().message, "plain TCP without TLS"), plain.error().message.c_str());
        auto allowed = DockerContext::load("plain", config())->endpoint(true);
        QVERIFY(allowed.has_value());
        QVERIFY(allowed->security == Endpoint::Security::PlainAllowed);

        auto sock = DockerContext::load("sock", config())->endpoint(false);
        QVERIFY(sock.has_value());
        QCOMPARE(sock->socketPath, std::string("/run/other.sock"));
    }

    void skipTlsVerifyIsRefused()
    {
        auto endpoint = DockerContext::load("skip", config())->endpoint(false);
        QVERIFY(!endpoint.has_value());
        QVERIFY2(has(endpoint.error().message, "skip-tls-verify"), endpoint.error().message.c_str());
    }

    void unknownContextSaysWhereItLooked()
    {
        auto context = DockerContext::load("nosuch", config());
        QVERIFY(!context.has_value());
        QVERIFY2(has(context.error().message, "There is no docker context \"nosuch\" in " + config()),
                 context.error().message.c_str());
        // A name that looks like a path is only ever a digest: it cannot reach outside the store.
        QVERIFY(writeFile(m_dir.filePath("meta.json"),
                          "{\"Endpoints\":{\"docker\":{\"Host\":\"tcp://127.0.0.1:1\"}}}"));
        QVERIFY(!DockerContext::load("../../meta.json", config()).has_value());
        QVERIFY(!DockerContext::load("default", config()).has_value());
        QVERIFY(!DockerContext::load("", config()).has_value());
    }

    void hostileMetaFilesAreRefused_data()
    {
        QTest::addColumn<QByteArray>("meta");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not json") << QByteArray("{\"Endpoints\": ") << "is not valid JSON";
        QTest::newRow("array") << QByteArray("[1,2,3]") << "has no docker endpoint with a Host";
        QTest::newRow("no endpoints")
            << QByteArray("{\"Name\":\"x\"}") << "has no docker endpoint with a Host";
        QTest::newRow("host not a string") << QByteArray("{\"Endpoints\":{\"docker\":{\"Host\":7}}}")
                                           << "has no docker endpoint with a Host";
        QTest::newRow("deep nesting") << QByteArray(100000, '[') << "is not valid JSON";
        QTest::newRow("bad host") << QByteArray("{\"Endpoints\":{\"docker\":{\"Host\":\"ssh://me@host\"}}}")
                                  << "is not supported";
    }

    void hostileMetaFilesAreRefused()
    {
        QFETCH(QByteArray, meta);
        QFETCH(QString, expected);
        QVERIFY(writeFile(metaPath("hostile"), meta));
        auto context = DockerContext::load("hostile", config());
        auto endpoint = context ? context->endpoint(false) : std::unexpected(context.error());
        QVERIFY(!endpoint.has_value());
        QVERIFY2(has(endpoint.error().message, expected.toStdString()), endpoint.error().message.c_str());
        QVERIFY2(has(endpoint.error().message, "docker context \"hostile\""),
                 endpoint.error().message.c_str());
    }

    void metaJsonAsAFolderIsRefused()
    {
        QVERIFY(QDir().mkpath(metaPath("folder")));
        auto context = DockerContext::load("folder", config());
        QVERIFY(!context.has_value());
        QVERIFY2(has(context.error().message, "is not a regular file"), context.error().message.c_str());
    }

    // Endpoint::resolve, as every front end calls it: DOCKER_HOST first, then the current context.
    void resolveFollowsTheCurrentContext()
    {
        auto none = Endpoint::resolve();
        QVERIFY(none.has_value());
        QCOMPARE(none->display(), std::string("unix:///var/run/docker.sock"));

        qputenv("DOCKER_CONTEXT", "remote");
        auto remote = Endpoint::resolve();
        QVERIFY2(remote.has_value(), remote ? "" : remote.error().message.c_str());
        QVERIFY(remote->tls());
        QCOMPARE(remote->display(), std::string("tcp://192.0.2.7:2376"));

        qputenv("DOCKER_HOST", "tcp://127.0.0.1:2375");
        auto host = Endpoint::resolve();
        QVERIFY(host.has_value());
        QCOMPARE(host->display(), std::string("tcp://127.0.0.1:2375")); // DOCKER_HOST wins

        qunsetenv("DOCKER_HOST");
        qunsetenv("DOCKER_CONTEXT");
        QVERIFY(writeFile(m_config + "/config.json", "{\"currentContext\":\"sock\"}"));
        auto used = Endpoint::resolve();
        QVERIFY(used.has_value());
        QCOMPARE(used->display(), std::string("unix:///run/other.sock"));

        qputenv("DOCKER_CONTEXT", "nosuch");
        auto missing = Endpoint::resolve();
        QVERIFY(!missing.has_value());
        QVERIFY2(has(missing.error().message, "There is no docker context \"nosuch\""),
                 missing.error().message.c_str());

        // An explicit engine (the workbench's setting, ExecutorConfig::dockerHost) ignores contexts.
        auto explicitHost = Endpoint::resolve("unix:///run/explicit.sock");
        QVERIFY(explicitHost.has_value());
        QCOMPARE(explicitHost->socketPath, std::string("/run/explicit.sock"));
    }

    // An engine named by its context (`serve --engine NAME`, a fleet's member): the name, not the current
    // context, decides; "default" is DOCKER_HOST or the default socket.
    void resolveTakesAContextName()
    {
        qputenv("DOCKER_CONTEXT", "sock"); // the current context must not matter
        auto remote = Endpoint::resolve("remote");
        QVERIFY2(remote.has_value(), remote ? "" : remote.error().message.c_str());
        QVERIFY(remote->tls());
        QCOMPARE(remote->display(), std::string("tcp://192.0.2.7:2376"));

        auto byDefault = Endpoint::resolve("default");
        QVERIFY(byDefault.has_value());
        QCOMPARE(byDefault->display(), std::string("unix:///var/run/docker.sock"));
        qputenv("DOCKER_HOST", "unix:///run/fromenv.sock");
        auto fromEnv = Endpoint::resolve("default");
        QVERIFY(fromEnv.has_value());
        QCOMPARE(fromEnv->socketPath, std::string("/run/fromenv.sock"));
        qunsetenv("DOCKER_HOST");

        auto missing = Endpoint::resolve("nosuch");
        QVERIFY(!missing.has_value());
        QVERIFY2(has(missing.error().message, "There is no docker context \"nosuch\""),
                 missing.error().message.c_str());
        // A hostile name cannot walk the store: it is hashed, never used as a path.
        auto walk = Endpoint::resolve("../../../etc");
        QVERIFY(!walk.has_value());
        qunsetenv("DOCKER_CONTEXT");
    }
};

QTEST_GUILESS_MAIN(TestDockerContext)
#include "tst_dockercontext.moc"
