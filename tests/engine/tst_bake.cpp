// Cached dependencies baked into a derived image, against the real engine and fully offline: wheels are
// built here into a temporary wheelhouse; the installer and the build have no network. Every image and
// volume made here is removed again.
#include "helper_engine.h"
#include "helper_wheel.h"

#include "agentrun/deps/bake.h"
#include "agentrun/deps/installer.h"
#include "agentrun/run/executor.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <unistd.h>

using namespace agentrun;
using namespace std::chrono_literals;

namespace {

struct Recorder : run::RunObserver
{
    std::vector<run::Stage> stages;
    std::vector<std::string> installLines;
    void stageChanged(run::Stage stage) override { stages.push_back(stage); }
    void installProgress(std::string_view line) override { installLines.emplace_back(line); }
    bool sawInstalling() const { return std::ranges::find(stages, run::Stage::Installing) != stages.end(); }
};

QString name(model::Status status)
{
    return QString::fromUtf8(model::toString(status));
}

bool contains(const std::vector<std::string>& lines, std::string_view text)
{
    return std::ranges::any_of(lines,
                               [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

} // namespace

class TestBake : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<engine::Client> m_client;
    QTemporaryDir m_wheelhouse;
    std::string m_suffix = std::to_string(::getpid());
    std::string m_alpha = "bake-alpha-" + m_suffix; // distribution names unique to this process
    std::string m_beta = "bake-beta-" + m_suffix;   // depends on alpha; imported as bakebeta<pid>
    std::string m_gamma = "bake-gamma-" + m_suffix; // not baked: installed per run
    std::string m_baseId;
    std::atomic<bool> m_noCancel{false};
    std::vector<std::string> m_volumes; ///< cache volumes this test made, removed at the end

    deps::InstallSource offline() const { return {"", m_wheelhouse.path().toStdString(), true}; }
    std::vector<deps::Requirement> twoPackages() const { return {{m_beta, ""}, {m_alpha, ""}}; }

    bool imageExists(const std::string& ref)
    {
        auto response = m_client->request("GET", "/images/" + ref + "/json");
        return response && response->status == 200;
    }

    model::RunSpec bakedRequest() const
    {
        model::RunSpec request;
        request.code = "import bake_alpha_" + m_suffix + " as a, bakebeta" + m_suffix +
                       " as b, os\nprint(a.VALUE, b.VALUE, os.path.exists('/opt/agentrun/site'))";
        request.allow = {m_alpha, m_beta};
        request.cached = {m_alpha, m_beta};
        request.limits.timeoutSeconds = 20;
        return request;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_client = testing::requireEngine();
        QVERIFY(m_wheelhouse.isValid());
        // The installer runs as 65534 and reads the wheelhouse through a read-only bind.
        QFile::setPermissions(m_wheelhouse.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                                       QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther |
                                                       QFile::ExeOther);
        const std::string dir = m_wheelhouse.path().toStdString();
        testing::makeWheel(dir, m_alpha, "bake_alpha_" + m_suffix, "1.0");
        testing::makeWheel(dir, m_beta, "bakebeta" + m_suffix, "2.0", {m_alpha});
        testing::makeWheel(dir, m_gamma, "bake_gamma_" + m_suffix, "3.0");
        auto base = m_client->inspectImage(testing::sandboxImage());
        QVERIFY(base.has_value());
        m_baseId = base->value("Id", "");
        QVERIFY(!imageExists(deps::bakedImageTag(twoPackages(), m_baseId)));
    }

    void cleanupTestCase()
    {
        if (!m_client) {
            return;
        }
        deps::removeBakedImage(*m_client, deps::bakedImageTag(twoPackages(), m_baseId));
        m_volumes.push_back(deps::cacheVolumeName(twoPackages(), m_baseId, offline()));
        for (const auto& volume : m_volumes) {
            m_client->request("DELETE", "/volumes/" + volume);
        }
        QVERIFY(!imageExists(deps::bakedImageTag(twoPackages(), m_baseId)));
        QCOMPARE(testing::managedContainers(*m_client), 0);
    }

    void tagIgnoresOrderAndSpelling()
    {
        const std::string tag = deps::bakedImageTag({{"alpha", ""}, {"beta", "==2.0"}}, "sha256:1");
        QVERIFY(tag.starts_with("agentrun-sandbox-deps:"));
        QCOMPARE(tag.size(), std::string("agentrun-sandbox-deps:").size() + 16);
        QCOMPARE(deps::bakedImageTag({{"beta", "==2.0"}, {"alpha", ""}, {"Alpha", ""}}, "sha256:1"), tag);
        QVERIFY(deps::bakedImageTag({{"alpha", ""}, {"beta", "==2.0"}}, "sha256:2") != tag);
        QVERIFY(deps::bakedImageTag({{"alpha", ""}, {"beta", "==2.1"}}, "sha256:1") != tag);
    }

    void cachedDependencyOutsideTheWhitelistIsRefused()
    {
        auto whitelist = deps::Whitelist::parse({m_alpha, "pandas==2.2.*"});
        QVERIFY(whitelist.has_value());
        auto refused = deps::cachedRequirements({m_alpha, "numpy", "Requests"}, *whitelist);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, std::string("deps.cached_not_whitelisted"));
        QCOMPARE(refused.error().message,
                 std::string("Some cached dependencies are not in the whitelist. (numpy, requests)"));
        // Allowed ones take the whitelist's pin unless they bring their own.
        auto allowed = deps::cachedRequirements({"Pandas", m_alpha + "==1.0"}, *whitelist);
        QVERIFY(allowed.has_value());
        QCOMPARE(allowed->size(), std::size_t(2));
        QCOMPARE(deps::toString((*allowed)[0]), m_alpha + "==1.0");
        QCOMPARE(deps::toString((*allowed)[1]), std::string("pandas==2.2.*"));

        // A run refuses before anything is baked or started.
        run::Executor executor({testing::sandboxImage(), {}, 0});
        model::RunSpec request = bakedRequest();
        request.cached = {m_alpha, "numpy"};
        request.wheelhouse = m_wheelhouse.path().toStdString();
        Recorder recorder;
        run::CancelToken cancel;
        const auto result = executor.run(request, recorder, cancel);
        QCOMPARE(name(result.status), name(model::Status::DependencyRejected));
        QCOMPARE(result.errorCode, std::string("deps.cached_not_whitelisted"));
        QVERIFY2(result.message.starts_with("Some cached dependencies are not in the whitelist."),
                 result.message.c_str());
        QVERIFY(!recorder.sawInstalling());
        QVERIFY(std::ranges::find(recorder.stages, run::Stage::Starting) == recorder.stages.end());
        // With no whitelist at all, every cached dependency is outside it.
        request.allow = {};
        QCOMPARE(name(executor.run(request, recorder, cancel).status),
                 name(model::Status::DependencyRejected));
        auto none = deps::findBakedImage(*m_client, testing::sandboxImage(), {{m_alpha, ""}, {"numpy", ""}});
        QVERIFY(none && !*none);
    }

    void bakesTwoPackagesFromTheWheelhouse()
    {
        std::vector<std::string> lines;
        auto baked = deps::bake(
            *m_client, testing::sandboxImage(), twoPackages(), offline(), 300s,
            [&](std::string_view line) { lines.emplace_back(line); }, m_noCancel);
        QVERIFY2(baked.has_value(), baked ? "" : baked.error().message.c_str());
        QVERIFY(!baked->reused);
        QCOMPARE(baked->image, deps::bakedImageTag(twoPackages(), m_baseId));
        QVERIFY(baked->imageId.starts_with("sha256:"));
        QCOMPARE(baked->installed, (std::vector<std::string>{m_alpha + "==1.0", m_beta + "==2.0"}));
        // pip's lines and the build's lines both reached the callback.
        QVERIFY(contains(lines, "Successfully installed"));
        QVERIFY(contains(lines, "Step 1/"));
        QVERIFY(contains(lines, "Baked "));

        auto found = deps::findBakedImage(*m_client, testing::sandboxImage(), {{m_alpha, ""}, {m_beta, ""}});
        QVERIFY(found && *found);
        QCOMPARE(**found, baked->image);
        auto listed = deps::listBakedImages(*m_client);
        QVERIFY(listed.has_value());
        const auto it = std::ranges::find(*listed, baked->image, &deps::BakedImage::tag);
        QVERIFY(it != listed->end());
        QCOMPARE(it->requirements, m_alpha + "," + m_beta);
        QCOMPARE(it->baseImage, m_baseId);
        QCOMPARE(it->source, std::string("wheelhouse"));
        QVERIFY(it->sizeBytes > 0);
        QVERIFY(!it->created.empty());
        // Same user, entrypoint and hardening as the sandbox image: only the packages were added.
        auto inspected = m_client->inspectImage(baked->image);
        QVERIFY(inspected.has_value());
        QCOMPARE((*inspected)["Config"].value("User", ""), std::string("65534:65534"));
        QCOMPARE((*inspected)["Config"]["Entrypoint"].dump(),
                 std::string(R"(["python3","/opt/agentrun/agent.py"])"));
    }

    void bakeIsReusedWhenPresent()
    {
        const auto idBefore = m_client->inspectImage(deps::bakedImageTag(twoPackages(), m_baseId));
        QVERIFY(idBefore.has_value());
        std::vector<std::string> lines;
        // Spelled and ordered differently: the same set.
        auto again = deps::bake(
            *m_client, testing::sandboxImage(), {{normalizeCase(m_alpha), ""}, {m_beta, ""}}, offline(), 300s,
            [&](std::string_view line) { lines.emplace_back(line); }, m_noCancel);
        QVERIFY2(again.has_value(), again ? "" : again.error().message.c_str());
        QVERIFY(again->reused);
        QCOMPARE(again->imageId, idBefore->value("Id", ""));
        QVERIFY2(again->ms < 2000, std::to_string(again->ms).c_str());
        QVERIFY(!contains(lines, "Step 1/")); // nothing built
        QCOMPARE(again->installed, (std::vector<std::string>{m_alpha + "==1.0", m_beta + "==2.0"}));
    }

    void runUsesTheBakedImageWithoutAnInstallPhase()
    {
        run::Executor executor({testing::sandboxImage(), {}, 0});
        model::RunSpec request = bakedRequest(); // no wheelhouse, no index: nothing could be installed
        Recorder recorder;
        run::CancelToken cancel;
        const auto result = executor.run(request, recorder, cancel);
        QVERIFY2(result.status == model::Status::Ok, (result.message + result.stderrData).c_str());
        QCOMPARE(result.stdoutData, m_alpha + " 1.0 " + m_beta + " 2.0 False\n");
        QCOMPARE(result.image, deps::bakedImageTag(twoPackages(), m_baseId));
        QVERIFY(!recorder.sawInstalling());
        QVERIFY(recorder.installLines.empty());
        QCOMPARE(result.durations.installMs, 0.0);
        QVERIFY(result.packages.empty()); // both are in the image: nothing to install

        // Without the cached list the same code runs on the plain image, where the packages are absent.
        request.cached.clear();
        request.allow.clear();
        const auto plain = executor.run(request, recorder, cancel);
        QCOMPARE(name(plain.status), name(model::Status::Exception));
        QVERIFY2(plain.stderrData.find("ModuleNotFoundError") != std::string::npos, plain.stderrData.c_str());
        QCOMPARE(plain.image, std::string(testing::sandboxImage()));
    }

    void aPackageNotBakedIsInstalledPerRunOnTopOfTheBakedImage()
    {
        run::Executor executor({testing::sandboxImage(), {}, 0});
        model::RunSpec request = bakedRequest();
        request.code = "import bake_alpha_" + m_suffix + " as a, bake_gamma_" + m_suffix +
                       " as g\nprint(a.VALUE, g.VALUE)";
        request.allow = {m_alpha, m_beta, m_gamma};
        request.wheelhouse = m_wheelhouse.path().toStdString();
        Recorder recorder;
        run::CancelToken cancel;
        const auto result = executor.run(request, recorder, cancel);
        QVERIFY2(result.status == model::Status::Ok, (result.message + result.stderrData).c_str());
        QCOMPARE(result.stdoutData, m_alpha + " 1.0 " + m_gamma + " 3.0\n");
        QCOMPARE(result.packages, std::vector<std::string>{m_gamma}); // alpha is in the image
        QVERIFY(recorder.sawInstalling());
        QVERIFY(contains(recorder.installLines, "Installing " + m_gamma + " from the wheelhouse"));
        QVERIFY(!contains(recorder.installLines, "Installing " + m_alpha));
        const auto bakedId = m_client->inspectImage(result.image);
        QVERIFY(bakedId.has_value());
        m_volumes.push_back(deps::cacheVolumeName({{m_gamma, ""}}, bakedId->value("Id", ""), offline()));
    }

    void pruneRemovesTheBakedImage()
    {
        const std::string tag = deps::bakedImageTag(twoPackages(), m_baseId);
        QVERIFY(imageExists(tag));
        // Only baked images are removed through this door.
        auto refused = deps::removeBakedImage(*m_client, testing::sandboxImage());
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, std::string("deps.not_baked"));
        QVERIFY(imageExists(testing::sandboxImage()));

        auto removed = deps::pruneBakedImages(*m_client);
        QVERIFY2(removed.has_value(), removed ? "" : removed.error().message.c_str());
        QVERIFY(*removed >= 1);
        QVERIFY(!imageExists(tag));
        auto found = deps::findBakedImage(*m_client, testing::sandboxImage(), twoPackages());
        QVERIFY(found && !*found);
        auto listed = deps::listBakedImages(*m_client);
        QVERIFY(listed && std::ranges::find(*listed, tag, &deps::BakedImage::tag) == listed->end());
    }

private:
    static std::string normalizeCase(std::string name)
    {
        std::ranges::transform(name, name.begin(),
                               [](char c) { return c == '-' ? '_' : char(std::toupper(c)); });
        return name;
    }
};

QTEST_GUILESS_MAIN(TestBake)
#include "tst_bake.moc"
