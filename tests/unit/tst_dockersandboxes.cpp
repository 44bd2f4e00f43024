// The Docker implementation of the sandbox engine (sandbox/dockersandboxes.h) without an engine: what a
// request adds to the hardened create body and what it can never take away, and the engine's container
// description read into a SandboxState without trusting it. engine.sandboxengine checks the same class
// against the real engine.
#include "agentrun/sandbox/containerspec.h"
#include "agentrun/sandbox/dockersandboxes.h"

#include <QTest>

#include <unistd.h>

using namespace agentrun;

namespace {
// QCOMPARE has no overload for nlohmann::json (its conversions clash with Qt's numeric ones).
bool sameJson(const nlohmann::json& actual, const nlohmann::json& expected)
{
    return actual == expected;
}
} // namespace

class TstDockerSandboxes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aPlainRequestIsTheHardenedSpec()
    {
        sandbox::SandboxRequest request;
        request.image = "img:1";
        auto body = sandbox::dockerCreateBody(request);
        auto spec = sandbox::containerSpec(request.limits, request.image);
        spec["Labels"]["org.agentrun.owner-pid"] = std::to_string(::getpid());
        QCOMPARE(QString::fromStdString(body.dump()), QString::fromStdString(spec.dump()));
    }

    void aRequestAddsButNeverWeakens()
    {
        sandbox::SandboxRequest request;
        request.image = "img:1";
        request.agentArguments = {"--session"};
        request.volumes = {{"cache-vol", "/opt/agentrun/site", true}};
        request.env = {"HTTP_PROXY=http://10.0.0.2:3128"};
        request.network = "agentrun-egress-1";
        request.labels = {{"org.agentrun.session", "1"},
                          {sandbox::ManagedLabel, "0"},
                          {sandbox::PoolKeyLabel, "forged"},
                          {"org.agentrun.owner-pid", "1"}};
        const auto body = sandbox::dockerCreateBody(request);
        const auto plain = sandbox::containerSpec(request.limits, request.image);
        // The hardening is untouched.
        for (const char* key : {"ReadonlyRootfs", "CapDrop", "SecurityOpt", "PidsLimit", "Memory", "Ulimits",
                                "Init", "IpcMode", "Privileged", "Tmpfs"}) {
            QVERIFY2(body["HostConfig"][key] == plain["HostConfig"][key], key);
        }
        QVERIFY2(sameJson(body["User"], plain["User"]), body["User"].dump().c_str());
        QVERIFY2(sameJson(body["Labels"][sandbox::ManagedLabel], nlohmann::json("1")),
                 body["Labels"][sandbox::ManagedLabel].dump().c_str());
        QVERIFY2(sameJson(body["Labels"][sandbox::PoolKeyLabel], plain["Labels"][sandbox::PoolKeyLabel]),
                 body["Labels"][sandbox::PoolKeyLabel].dump().c_str());
        QVERIFY2(
            sameJson(body["Labels"]["org.agentrun.owner-pid"], nlohmann::json(std::to_string(::getpid()))),
            body["Labels"]["org.agentrun.owner-pid"].dump().c_str());
        // What it adds.
        QVERIFY2(sameJson(body["Labels"]["org.agentrun.session"], nlohmann::json("1")),
                 body["Labels"]["org.agentrun.session"].dump().c_str());
        QVERIFY2(sameJson(body["Cmd"], nlohmann::json({"--session"})), body["Cmd"].dump().c_str());
        QVERIFY2(sameJson(body["HostConfig"]["NetworkMode"], nlohmann::json("agentrun-egress-1")),
                 body["HostConfig"]["NetworkMode"].dump().c_str());
        QVERIFY2(sameJson(body["NetworkDisabled"], nlohmann::json(false)),
                 body["NetworkDisabled"].dump().c_str());
        QVERIFY2(sameJson(body["HostConfig"]["DnsOptions"], nlohmann::json({"timeout:1", "attempts:1"})),
                 body["HostConfig"]["DnsOptions"].dump().c_str());
        const auto& mounts = body["HostConfig"]["Mounts"];
        QCOMPARE(mounts.size(), std::size_t(1));
        QVERIFY2(sameJson(mounts[0]["Source"], nlohmann::json("cache-vol")),
                 mounts[0]["Source"].dump().c_str());
        QVERIFY2(sameJson(mounts[0]["Target"], nlohmann::json("/opt/agentrun/site")),
                 mounts[0]["Target"].dump().c_str());
        QVERIFY2(sameJson(mounts[0]["ReadOnly"], nlohmann::json(true)), mounts[0]["ReadOnly"].dump().c_str());
        QVERIFY2(sameJson(mounts[0]["Type"], nlohmann::json("volume")), mounts[0]["Type"].dump().c_str());
        QVERIFY(sameJson(body["Env"].back(), "HTTP_PROXY=http://10.0.0.2:3128"));
        QCOMPARE(body["Env"].size(), plain["Env"].size() + 1);
    }

    void stateFromAnEngineDescription()
    {
        const auto container = R"({
            "State": {"Running": false, "Paused": false, "OOMKilled": true, "ExitCode": 137, "Pid": 0},
            "Config": {"Labels": {"org.agentrun.managed": "1", "org.agentrun.owner-pid": "42"}},
            "NetworkSettings": {"Networks": {"agentrun-egress-1": {"IPAddress": "172.30.0.3"},
                                             "none": {"IPAddress": ""}}}
        })"_json;
        const auto state = sandbox::dockerState(container);
        QVERIFY(!state.running);
        QVERIFY(state.oomKilled);
        QCOMPARE(state.exitCode, 137);
        QCOMPARE(state.labels.at("org.agentrun.owner-pid"), std::string("42"));
        QCOMPARE(sandbox::addressOn(state, "agentrun-egress-1"), std::string("172.30.0.3"));
        QCOMPARE(sandbox::addressOn(state, "none"), std::string());
        QCOMPARE(sandbox::addressOn(state, "elsewhere"), std::string());
    }

    /// A mistyped or hostile description never throws and reads as "not running, nothing known".
    void stateIgnoresAMistypedDescription()
    {
        for (const auto& container :
             {R"({"State": "running"})"_json,
              R"({"State": {"Running": "yes", "ExitCode": "0", "Pid": []}})"_json,
              R"({"Config": {"Labels": {"a": 1, "b": null, "c": "ok"}}})"_json,
              R"({"NetworkSettings": {"Networks": [1, 2]}})"_json,
              R"({"NetworkSettings": {"Networks": {"n": "text", "m": {"IPAddress": 7}}}})"_json,
              R"([1])"_json, R"(null)"_json}) {
            sandbox::SandboxState state;
            try {
                state = sandbox::dockerState(container);
            } catch (const std::exception& error) {
                QFAIL(qPrintable(QStringLiteral("dockerState threw on %1: %2")
                                     .arg(QString::fromStdString(container.dump()), error.what())));
            }
            QVERIFY(!state.running);
            QCOMPARE(state.pid, 0);
            QVERIFY(state.addresses.empty());
            QVERIFY(state.labels.size() <= 1);
        }
    }
};

QTEST_GUILESS_MAIN(TstDockerSandboxes)
#include "tst_dockersandboxes.moc"
