// Network by allowlist (docs/security.md, the N rows): a run reaches the names on its list through the
// egress proxy and nothing else, every request the proxy saw is in its result, a byte cap ends it, two
// lists at once stay apart, and nothing is left afterwards. Never real outside traffic: the test builds a
// fake internet (HTTP on 80 and 8080, HTTPS on 443 with a certificate it makes) in a container on an
// internal network of its own, and the proxy resolves the fake names through its hosts file.
// Runs as security.allowlist (runc) and security.allowlist.runsc (the sandbox under gVisor).
#include "helper_engine.h"
#include "helper_security.h"
#include "helper_wheel.h"
#include "tst_restfixture.h"

#include "agentrun/deps/installer.h"
#include "agentrun/engine/tar.h"
#include "agentrun/errorcodes.h"
#include "agentrun/jsonfield.h"
#include "agentrun/run/executor.h"
#include "agentrun/sandbox/containerspec.h"
#include "agentrun/sandbox/egressproxy.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <future>
#include <fstream>
#include <sstream>

#include <unistd.h>

using namespace agentrun;
using namespace std::chrono_literals;

/// Under gVisor as this engine registers it (runsc --network=none: it refuses to start with a network on
/// this kind of machine, docs/security.md) a sandbox has no network at all: nothing it asks for can
/// succeed, so only the denials are checked there. A macro: QSKIP returns from the test function.
#define SKIP_UNDER_GVISOR_WITHOUT_NETWORK()                                                                  \
    if (sectest::gvisor()) {                                                                                 \
        QSKIP("runsc is registered with --network=none on this engine: a gVisor sandbox has no network, "    \
              "so an allowed request cannot succeed (the denials are checked)");                             \
    }

namespace {

/// A Python file of tests/data/allowlist.
std::string snippet(const char* name);

std::string readFile(const QString& path)
{
    std::ifstream in(path.toStdString(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string snippet(const char* name)
{
    const std::string text = readFile(QString(AGENTRUN_TEST_DATA) + "/allowlist/" + name);
    if (text.empty()) {
        qFatal("tests/data/allowlist/%s is missing or empty", name);
    }
    return text;
}

std::string owner()
{
    return std::to_string(::getpid());
}

} // namespace

class TestAllowlist : public QObject
{
    Q_OBJECT

    std::unique_ptr<engine::Client> m_client;
    std::unique_ptr<run::Executor> m_executor;
    QTemporaryDir m_dir;
    std::string m_fakeNetwork;
    std::string m_fakeId;
    std::string m_fakeAddress;
    std::string m_ca; ///< the fake internet's certificate, trusted by the test's code only
    run::ExecutorConfig m_config;

    model::Limits limits(std::vector<std::string> hosts) const
    {
        model::Limits limits = sectest::smallLimits();
        limits.timeoutSeconds = 30;
        limits.outputLimitBytes = 1 << 20;
        limits.network = "allow";
        limits.allowHosts = std::move(hosts);
        if (sectest::gvisor()) {
            limits.runtime = "runsc";
        }
        return limits;
    }

    model::RunResult run(run::Executor& executor, const std::string& code, const model::Limits& limits,
                         const std::string& session = {})
    {
        model::RunSpec spec;
        spec.code = code;
        spec.skipCheck = true; // the proxy and the network are under test, not the lint
        spec.limits = limits;
        spec.sessionId = session;
        spec.files.push_back({"ca.pem", m_ca});
        run::RunObserver observer;
        run::CancelToken cancel;
        return executor.run(spec, observer, cancel);
    }

    static QString show(const model::RunResult& result)
    {
        QString text = QString::fromStdString(std::string(model::toString(result.status)) + ": " +
                                              result.message + "\n" + result.output + "\nconnections:");
        for (const auto& c : result.connections) {
            text +=
                QString::fromStdString(" " + c.method + " " + c.host + ":" + std::to_string(c.port) + " " +
                                       (c.allowed ? "allowed" : "denied") + " " + std::to_string(c.status));
        }
        return text;
    }

    static const model::Connection* find(const model::RunResult& result, const std::string& host, int port,
                                         const std::string& method = {})
    {
        for (const auto& c : result.connections) {
            if (c.host == host && c.port == port && (method.empty() || c.method == method)) {
                return &c;
            }
        }
        return nullptr;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_client = testing::requireEngine();
        m_config = run::configFromEnvironment();
        m_config.poolSize = 0;
        if (auto image = m_client->findImage(m_config.proxy.image); !image || !*image) {
            QFAIL(qPrintable(QString::fromStdString("The allowlist tests need the proxy image " +
                                                    m_config.proxy.image +
                                                    ": ./packaging/quickstart.sh image builds it.")));
        }

        // The fake internet's certificate: one self-signed certificate for all its names.
        QProcess openssl;
        openssl.setWorkingDirectory(m_dir.path());
        openssl.start("openssl",
                      {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=api.test",
                       "-addext", "subjectAltName=DNS:api.test,DNS:other.test,DNS:big.test", "-keyout",
                       "key.pem", "-out", "cert.pem"});
        QVERIFY2(openssl.waitForFinished(60000) && openssl.exitCode() == 0,
                 openssl.readAllStandardError().constData());
        m_ca = readFile(m_dir.filePath("cert.pem"));

        // Its own internal network and one server container on it.
        m_fakeNetwork = "agentrun-test-fake-" + owner();
        engine::Client::NetworkOptions options;
        options.labels = {{"org.agentrun.test", "allowlist"}};
        auto network = m_client->createNetwork(m_fakeNetwork, options);
        QVERIFY2(network.has_value(), network ? "" : network.error().message.c_str());
        const nlohmann::json spec = {
            {"Image", testing::sandboxImage()},
            {"User", "0:0"},
            {"Entrypoint", {"python3", "/srv/fake.py"}},
            {"Cmd", nlohmann::json::array()},
            {"AttachStdout", true},
            {"AttachStderr", true},
            {"Labels", {{"org.agentrun.test", "allowlist"}}},
            {"HostConfig",
             {{"NetworkMode", m_fakeNetwork},
              {"LogConfig", {{"Type", "none"}, {"Config", nlohmann::json::object()}}}}},
        };
        auto id = m_client->createContainer(spec);
        QVERIFY2(id.has_value(), id ? "" : id.error().message.c_str());
        m_fakeId = *id;
        engine::TarWriter tar;
        QVERIFY(tar.addDirectory("srv"));
        QVERIFY(tar.addFile("srv/fake.py", snippet("fake_internet.py")));
        QVERIFY(tar.addFile("srv/cert.pem", m_ca));
        QVERIFY(tar.addFile("srv/key.pem", readFile(m_dir.filePath("key.pem")), 0600));
        QVERIFY(m_client->putArchive(m_fakeId, "/", tar.finish()));
        auto stream = m_client->attach(m_fakeId);
        QVERIFY(stream.has_value());
        QVERIFY(m_client->startContainer(m_fakeId));
        std::string said;
        bool eof = false;
        for (int i = 0; i < 300 && said.find("ready") == std::string::npos && !eof; ++i) {
            if (auto bytes = stream->read(100ms, eof)) {
                said += *bytes;
            }
        }
        QVERIFY2(said.find("ready") != std::string::npos, said.c_str());
        auto state = m_client->inspectContainer(m_fakeId);
        QVERIFY(state.has_value());
        m_fakeAddress = sandbox::addressOn(*state, m_fakeNetwork);
        QVERIFY(!m_fakeAddress.empty());

        m_config.proxy.egressNetwork = m_fakeNetwork;
        m_config.proxy.hosts = {
            {"api.test", m_fakeAddress}, {"other.test", m_fakeAddress}, {"big.test", m_fakeAddress}};
        m_executor = std::make_unique<run::Executor>(m_config);
    }

    // N1: the allowed name over HTTP and over HTTPS (CONNECT, the sandbox checks the certificate itself).
    void allowedNameWorksOverHttpAndHttps()
    {
        SKIP_UNDER_GVISOR_WITHOUT_NETWORK()
        const auto result = run(*m_executor, snippet("fetch_allowed.py"), limits({"api.test"}));
        QVERIFY2(result.status == model::Status::Ok, qPrintable(show(result)));
        QVERIFY2(result.stdoutData.find("hello from api.test over http") != std::string::npos,
                 qPrintable(show(result)));
        QVERIFY2(result.stdoutData.find("hello from api.test over https") != std::string::npos,
                 qPrintable(show(result)));
        const auto* plain = find(result, "api.test", 80, "GET");
        const auto* tunnel = find(result, "api.test", 443, "CONNECT");
        QVERIFY2(plain && plain->allowed && plain->status == 200, qPrintable(show(result)));
        QVERIFY2(tunnel && tunnel->allowed && tunnel->bytesSent > 0 && tunnel->bytesReceived > 0,
                 qPrintable(show(result)));
        QVERIFY2(result.networkBytes > 0, qPrintable(show(result)));
    }

    // N2: everything else fails; what reached the proxy is recorded as denied.
    void everythingElseFailsAndIsRecorded()
    {
        std::string code = snippet("everything_else.py");
        for (std::size_t at; (at = code.find("FAKE")) != std::string::npos;) {
            code.replace(at, 4, m_fakeAddress);
        }
        const auto result = run(*m_executor, code, limits({"api.test"}));
        QVERIFY2(result.status == model::Status::Ok, qPrintable(show(result)));
        const auto line = result.stdoutData.substr(0, result.stdoutData.find('\n'));
        const auto attempts = nlohmann::json::parse(line, nullptr, false);
        QVERIFY2(attempts.is_object() && attempts.size() == 10, qPrintable(show(result)));
        for (const auto& [name, outcome] : attempts.items()) {
            qInfo("  %-30s %s", name.c_str(), outcome.get<std::string>().c_str());
            QVERIFY2(outcome != "reached",
                     qPrintable(QString::fromStdString(name) + " reached: " + show(result)));
        }
        if (sectest::gvisor()) {
            return; // no network at all (see skipUnderGvisorWithoutNetwork): nothing reached the proxy
        }
        QCOMPARE(attempts["other name"].get<std::string>(), std::string("http 403"));
        QCOMPARE(attempts["direct ip through the proxy"].get<std::string>(), std::string("http 403"));
        QCOMPARE(attempts["other port"].get<std::string>(), std::string("http 403"));
        QVERIFY2(attempts["other name tls"].get<std::string>().find("403") != std::string::npos,
                 qPrintable(show(result)));
        // What went through the proxy is in the result, refused; nothing was let through.
        for (const auto& [host, port] : std::vector<std::pair<std::string, int>>{
                 {"other.test", 80}, {"other.test", 443}, {m_fakeAddress, 80}, {"api.test", 8080}}) {
            const auto* c = find(result, host, port);
            QVERIFY2(c && !c->allowed && c->status == 403,
                     qPrintable(QString::fromStdString(host + ":" + std::to_string(port) +
                                                       " not recorded as denied: ") +
                                show(result)));
        }
        for (const auto& c : result.connections) {
            QVERIFY2(!c.allowed, qPrintable(show(result)));
        }
    }

    // N3: the byte cap ends the run with its own status.
    void byteCapEndsTheRun()
    {
        SKIP_UNDER_GVISOR_WITHOUT_NETWORK()
        auto capped = limits({"big.test"});
        capped.networkBytes = 2 << 20;
        const auto result = run(*m_executor, snippet("byte_cap.py"), capped);
        QVERIFY2(result.status == model::Status::NetworkLimit, qPrintable(show(result)));
        QCOMPARE(result.errorCode, std::string(errc::RunNetworkLimit));
        QVERIFY2(result.networkBytes > capped.networkBytes, qPrintable(show(result)));
        QVERIFY2(result.message.find("2.0 MiB") != std::string::npos ||
                     result.message.find("2 MiB") != std::string::npos,
                 result.message.c_str());
    }

    // N4: two runs with different lists at the same time see only their own; one cannot reach the
    // other's proxy.
    void twoListsAtOnceStayApart()
    {
        SKIP_UNDER_GVISOR_WITHOUT_NETWORK()
        const std::string code = snippet("two_names.py");
        auto first =
            std::async(std::launch::async, [&] { return run(*m_executor, code, limits({"api.test"})); });
        auto second =
            std::async(std::launch::async, [&] { return run(*m_executor, code, limits({"other.test"})); });
        const auto a = first.get();
        const auto b = second.get();
        QVERIFY2(a.status == model::Status::Ok && b.status == model::Status::Ok,
                 qPrintable(show(a) + show(b)));
        QVERIFY2(a.stdoutData.find("api.test reached") != std::string::npos &&
                     a.stdoutData.find("other.test refused 403") != std::string::npos,
                 qPrintable(show(a)));
        QVERIFY2(b.stdoutData.find("other.test reached") != std::string::npos &&
                     b.stdoutData.find("api.test refused 403") != std::string::npos,
                 qPrintable(show(b)));
        QVERIFY(find(a, "api.test", 80) && find(a, "api.test", 80)->allowed);
        QVERIFY(find(b, "api.test", 80) && !find(b, "api.test", 80)->allowed);
        QVERIFY2(!find(a, "other.test", 80)->allowed && find(b, "other.test", 80)->allowed,
                 qPrintable(show(a) + show(b)));

        // The proxies of both lists still run (kept for the next run): a run of the first list tries the
        // addresses of every proxy of this process that is not its own.
        auto proxies = m_client->listContainers(std::string(sandbox::EgressProxies::ProxyLabel), false);
        QVERIFY(proxies.has_value());
        std::vector<std::string> addresses;
        for (const auto& id : *proxies) {
            auto state = m_client->inspectContainer(id);
            QVERIFY(state.has_value());
            for (const auto& [name, net] :
                 json::objectField(json::objectField(*state, "NetworkSettings"), "Networks").items()) {
                if (name.starts_with("agentrun-egress-" + owner())) {
                    addresses.push_back(json::textField(net, "IPAddress"));
                }
            }
        }
        QVERIFY2(addresses.size() >= 2, "expected the proxies of both lists");
        std::string probe =
            "import os, socket\nown = os.environ['HTTP_PROXY'].split('//')[1].split(':')[0]\n";
        for (const auto& address : addresses) {
            probe += "if '" + address +
                     "' != own:\n"
                     "    try:\n"
                     "        socket.create_connection(('" +
                     address +
                     "', 3128), timeout=3).close()\n"
                     "        print('" +
                     address +
                     " reached')\n"
                     "    except OSError as error:\n"
                     "        print('" +
                     address + " unreachable', type(error).__name__)\n";
        }
        const auto c = run(*m_executor, probe, limits({"api.test"}));
        QVERIFY2(c.status == model::Status::Ok, qPrintable(show(c)));
        QVERIFY2(c.stdoutData.find("reached") == std::string::npos, qPrintable(show(c)));
        QVERIFY2(c.stdoutData.find("unreachable") != std::string::npos, qPrintable(show(c)));
    }

    // N5: a session keeps its allowlist across runs, and each run gets its own record.
    void sessionKeepsItsAllowlist()
    {
        SKIP_UNDER_GVISOR_WITHOUT_NETWORK()
        auto session = m_executor->openSession(limits({"api.test"}));
        QVERIFY2(session.has_value(), session ? "" : session.error().message.c_str());
        const auto first = run(*m_executor,
                               "import urllib.request\nbody = urllib.request.urlopen('http://api.test/', "
                               "timeout=20).read()\nprint(body.decode())\n",
                               limits({"api.test"}), session->id);
        QVERIFY2(first.status == model::Status::Ok &&
                     first.stdoutData.find("hello from api.test") != std::string::npos,
                 qPrintable(show(first)));
        QVERIFY2(find(first, "api.test", 80) && find(first, "api.test", 80)->allowed,
                 qPrintable(show(first)));
        const auto second =
            run(*m_executor,
                "import urllib.error, urllib.request\ntry:\n    urllib.request.urlopen('http://other.test/', "
                "timeout=20)\nexcept urllib.error.HTTPError as e:\n    print('refused', e.code, len(body))\n",
                limits({"api.test"}), session->id);
        QVERIFY2(second.status == model::Status::Ok &&
                     second.stdoutData.find("refused 403") != std::string::npos,
                 qPrintable(show(second)));
        QVERIFY2(find(second, "other.test", 80) && !find(second, "api.test", 80), qPrintable(show(second)));
        QVERIFY(m_executor->closeSession(session->id).has_value());
    }

    // N8: a package install reaches the index's host through the proxy and nothing else. The fake
    // internet serves an index on api.test; one package's page sends pip to other.test for its file,
    // which the proxy refuses (and the message says how to allow it), until the settings name that host.
    void installsReachTheIndexHostOnly()
    {
        SKIP_UNDER_GVISOR_WITHOUT_NETWORK()
        QTemporaryDir wheels;
        testing::makeWheel(wheels.path().toStdString(), "nearpkg", "nearpkg", "1.0");
        testing::makeWheel(wheels.path().toStdString(), "farpkg", "farpkg", "1.0");
        engine::TarWriter tar;
        for (const char* dir : {"srv/www", "srv/www/simple", "srv/www/simple/nearpkg",
                                "srv/www/simple/farpkg", "srv/www/files"}) {
            QVERIFY(tar.addDirectory(dir));
        }
        const std::string near = "nearpkg-1.0-py3-none-any.whl";
        const std::string far = "farpkg-1.0-py3-none-any.whl";
        QVERIFY(
            tar.addFile("srv/www/files/" + near, readFile(wheels.filePath(QString::fromStdString(near)))));
        QVERIFY(tar.addFile("srv/www/files/" + far, readFile(wheels.filePath(QString::fromStdString(far)))));
        QVERIFY(tar.addFile("srv/www/simple/nearpkg/index.html",
                            "<a href=\"/files/" + near + "\">" + near + "</a>\n"));
        QVERIFY(tar.addFile("srv/www/simple/farpkg/index.html",
                            "<a href=\"http://other.test/files/" + far + "\">" + far + "</a>\n"));
        QVERIFY(m_client->putArchive(m_fakeId, "/", tar.finish()));

        struct Progress : run::RunObserver
        {
            std::string lines;
            void installProgress(std::string_view line) override { lines.append(line).append("\n"); }
        };
        const auto install = [&](run::Executor& executor, const char* package, Progress& progress) {
            model::RunSpec spec;
            spec.code = std::string("import ") + package + "\nprint(" + package + ".VALUE)\n";
            spec.limits = sectest::smallLimits(); // the run itself stays offline
            spec.limits.timeoutSeconds = 30;
            spec.allow = {package};
            spec.indexUrl = "http://api.test/simple/";
            spec.installTimeoutSeconds = 120;
            run::CancelToken cancel;
            return executor.run(spec, progress, cancel);
        };

        Progress nearProgress;
        const auto nearRun = install(*m_executor, "nearpkg", nearProgress);
        QVERIFY2(nearRun.status == model::Status::Ok,
                 qPrintable(show(nearRun) + "\n" + QString::fromStdString(nearProgress.lines)));
        QVERIFY2(nearRun.stdoutData == "nearpkg 1.0\n", nearRun.stdoutData.c_str());
        QVERIFY2(nearProgress.lines.find("Index traffic: ") != std::string::npos &&
                     nearProgress.lines.find("0 denied") != std::string::npos,
                 nearProgress.lines.c_str());

        Progress farProgress;
        const auto farRun = install(*m_executor, "farpkg", farProgress);
        QVERIFY2(farRun.status == model::Status::InstallFailed,
                 qPrintable(show(farRun) + "\n" + QString::fromStdString(farProgress.lines)));
        QVERIFY2(farRun.message.find("The egress proxy refused other.test:80") != std::string::npos &&
                     farRun.message.find("AGENTRUN_INDEX_HOSTS=other.test") != std::string::npos,
                 farRun.message.c_str());
        QVERIFY2(farProgress.lines.find("denied  GET other.test:80 (403)") != std::string::npos,
                 farProgress.lines.c_str());

        {
            auto config = m_config;
            config.indexHosts = {"other.test"};
            run::Executor widened(config);
            Progress widenedProgress;
            const auto widenedRun = install(widened, "farpkg", widenedProgress);
            QVERIFY2(widenedRun.status == model::Status::Ok,
                     qPrintable(show(widenedRun) + "\n" + QString::fromStdString(widenedProgress.lines)));
            QVERIFY2(widenedRun.stdoutData == "farpkg 1.0\n", widenedRun.stdoutData.c_str());
        }

        // The cache volumes of these sets go (they hold nothing another test wants). A run's container
        // may still be on its way out (removed in the background): busy is asked again, for a while.
        deps::Installer installer(*m_client, m_config.image);
        auto cache = installer.listCache();
        QVERIFY(cache.has_value());
        for (const auto& entry : *cache) {
            if (entry.source != "index api.test") {
                continue;
            }
            auto removed = installer.removeCache(entry.volume);
            for (int i = 0; i < 60 && !removed && removed.error().code == errc::DepsBusy; ++i) {
                QTest::qWait(500);
                removed = installer.removeCache(entry.volume);
            }
            QVERIFY2(removed.has_value(), removed ? "" : removed.error().message.c_str());
        }
    }

    // N6: a missing proxy image or egress network is a clear error and nothing is started.
    void missingPiecesAreClearErrors()
    {
        auto config = m_config;
        config.proxy.image = "agentrun-proxy:no-such-tag";
        run::Executor noImage(config);
        const auto a = run(noImage, "print('never')", limits({"api.test"}));
        QCOMPARE(a.errorCode, std::string(errc::NetworkProxy));
        QVERIFY2(a.message.find("quickstart.sh image") != std::string::npos, a.message.c_str());
        config = m_config;
        config.proxy.egressNetwork = "agentrun-test-no-such-network";
        run::Executor noEgress(config);
        const auto b = run(noEgress, "print('never')", limits({"api.test"}));
        QCOMPARE(b.errorCode, std::string(errc::NetworkEgress));
        QVERIFY2(b.message.find("AGENTRUN_EGRESS_NETWORK") != std::string::npos, b.message.c_str());
        QVERIFY(a.stdoutData.empty() && b.stdoutData.empty());
    }

    // The front ends carry the list the one way: the CLI (--allow-host, its summary, --json, the history)
    // and the REST server (serve --allow-host is the most a request may ask for).
    void cliAndRestCarryTheList()
    {
        SKIP_UNDER_GVISOR_WITHOUT_NETWORK()
        QTemporaryDir data;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("XDG_DATA_HOME", data.path());
        env.insert("AGENTRUN_EGRESS_NETWORK", QString::fromStdString(m_fakeNetwork));
        env.insert("AGENTRUN_PROXY_HOSTS",
                   QString::fromStdString("api.test=" + m_fakeAddress + ",other.test=" + m_fakeAddress));
        const auto cli = [&](const QStringList& args, const QByteArray& code) {
            QProcess process;
            process.setProcessEnvironment(env);
            process.start(AGENTRUN_CLI, args);
            process.write(code);
            process.closeWriteChannel();
            const bool done = process.waitForFinished(120000);
            return std::tuple{done ? process.exitCode() : -1, process.readAllStandardOutput(),
                              process.readAllStandardError()};
        };
        const QByteArray code =
            "import urllib.request, urllib.error\n"
            "print(urllib.request.urlopen('http://api.test/', timeout=20).read().decode())\n"
            "try:\n    urllib.request.urlopen('http://other.test/', timeout=20)\n"
            "except urllib.error.HTTPError as e:\n    print('refused', e.code)\n";
        auto [status, out, err] = cli({"run", "--allow-host", "api.test", "-"}, code);
        QVERIFY2(status == 0, err.constData());
        QVERIFY2(out.contains("hello from api.test") && out.contains("refused 403"), out.constData());
        QVERIFY2(err.contains("2 requests through the egress proxy (1 allowed, 1 denied)"), err.constData());
        QVERIFY2(err.contains("denied  GET other.test:80 (403)"), err.constData());

        auto [jsonStatus, jsonOut, jsonErr] = cli({"run", "--allow-host", "api.test", "--json", "-"}, code);
        QCOMPARE(jsonStatus, 0);
        const auto json = nlohmann::json::parse(jsonOut.toStdString(), nullptr, false);
        QVERIFY2(json.is_object() && json["network"]["connections"].size() == 2, jsonOut.constData());
        QVERIFY(json["network"]["bytes"].get<std::int64_t>() > 0);
        const std::string runId = json["run_id"].get<std::string>();
        auto [showStatus, shown, showErr] = cli({"history", "show", QString::fromStdString(runId)}, {});
        QVERIFY2(showStatus == 0 && shown.contains("network: 2 requests") &&
                     shown.contains("allowed GET api.test:80"),
                 shown.constData());

        // Bad entries are refused before anything starts, naming the entry.
        auto [badStatus, badOut, badErr] = cli({"run", "--allow-host", "10.0.0.1", "-"}, "print(1)");
        QCOMPARE(badStatus, 2);
        QVERIFY2(badErr.contains("--allow-host") && badErr.contains("10.0.0.1") &&
                     badErr.contains("names only"),
                 badErr.constData());

        // REST: the server's list is the most a request may name.
        qputenv("AGENTRUN_EGRESS_NETWORK", QByteArray::fromStdString(m_fakeNetwork));
        qputenv("AGENTRUN_PROXY_HOSTS",
                QByteArray::fromStdString("api.test=" + m_fakeAddress + ",other.test=" + m_fakeAddress));
        resttest::ServerProcess server;
        QString why;
        QVERIFY2(server.start({"--allow-host", "api.test"}, &why), qPrintable(why));
        auto client = server.client();
        nlohmann::json request = {{"code", code.toStdString()}, {"limits", {{"allow_hosts", {"api.test"}}}}};
        auto answer = client->Post("/v2/runs", request.dump(), resttest::Json);
        QVERIFY(answer);
        auto reply = resttest::body(answer);
        QVERIFY2(answer->status == 200 && reply["status"] == "ok", answer->body.c_str());
        QCOMPARE(reply["network"]["connections"].size(), std::size_t{2});
        request["limits"]["allow_hosts"] = {"other.test"};
        answer = client->Post("/v2/runs", request.dump(), resttest::Json);
        QVERIFY(answer);
        QVERIFY2(answer->status == 422 && resttest::body(answer)["error"]["code"] == "limits.allow_hosts",
                 answer->body.c_str());
        request["limits"] = {{"network", "bridge"}};
        answer = client->Post("/v2/runs", request.dump(), resttest::Json);
        QVERIFY2(answer && answer->status == 422, answer ? answer->body.c_str() : "no answer");
        QCOMPARE(server.stop(), 0);
        QCOMPARE(resttest::containersOf(server.pid()), 0);
        qunsetenv("AGENTRUN_EGRESS_NETWORK");
        qunsetenv("AGENTRUN_PROXY_HOSTS");
    }

    // N7: nothing outlives the executor: no proxy, no sandbox, no network of this process.
    void cleanupTestCase()
    {
        m_executor.reset();
        if (m_client) {
            const auto containers = m_client->listContainers("org.agentrun.owner-pid=" + owner());
            const auto networks = m_client->listNetworks("org.agentrun.owner-pid=" + owner());
            if (!m_fakeId.empty()) {
                m_client->removeContainer(m_fakeId);
            }
            if (!m_fakeNetwork.empty()) {
                m_client->removeNetwork(m_fakeNetwork);
            }
            QVERIFY(containers.has_value() && networks.has_value());
            QCOMPARE(containers->size(), std::size_t{0});
            QCOMPARE(networks->size(), std::size_t{0});
        }
    }
};

QTEST_GUILESS_MAIN(TestAllowlist)
#include "tst_allowlist.moc"
