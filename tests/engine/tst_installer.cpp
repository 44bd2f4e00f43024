// deps/ against the real engine, fully offline: wheels are built here, at test time, into a temporary
// wheelhouse; no index is ever contacted (the installer container has no network).
#include "helper_engine.h"
#include "helper_wheel.h"

#include "agentrun/deps/imagestdlib.h"
#include "agentrun/deps/installer.h"
#include "agentrun/deps/resolver.h"
#include "agentrun/engine/demuxer.h"
#include "agentrun/model/limits.h"
#include "agentrun/safety/analyzer.h"
#include "agentrun/sandbox/containerspec.h"
#include "agentrun/sandbox/egressproxy.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace agentrun;
using namespace std::chrono_literals;
using Strings = std::vector<std::string>;
using testing::makeWheel;
using testing::writeFile;

namespace {

using Output = testing::ContainerOutput;

/// Runs `script` in a hardened run container (containerSpec), optionally with a dependency volume.
Output runPython(engine::Client& client, const std::string& script, const std::string& volume = {})
{
    auto spec = sandbox::containerSpec(model::Limits{}, testing::sandboxImage());
    // Stay a moment after python3 so the engine copies all output before the exit (moby/moby#49655).
    spec["Entrypoint"] = {"sh", "-c", "python3 -c \"$SCRIPT\"; s=$?; sleep 0.3; exit $s"};
    spec["Env"].push_back("SCRIPT=" + script);
    spec["AttachStdin"] = false;
    spec["OpenStdin"] = false;
    spec["StdinOnce"] = false;
    spec["Labels"]["org.agentrun.owner-pid"] = std::to_string(::getpid());
    if (!volume.empty()) {
        spec["HostConfig"]["Mounts"] = nlohmann::json::array({deps::runMount(volume)});
        spec["Env"].push_back(deps::SiteEnv);
    }
    return testing::runAttached(client, spec);
}

} // namespace

class TestInstaller : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<engine::Client> m_client;
    QTemporaryDir m_wheelhouse;
    std::atomic<bool> m_noCancel{false};
    std::string m_egressNetwork;                       ///< made by indexAccess()
    std::unique_ptr<sandbox::EgressProxies> m_proxies; ///< before m_client goes

    deps::InstallSource offline() const { return {"", m_wheelhouse.path().toStdString(), true}; }
    /// An install that does not end by itself: nothing listens there, and pip retries with growing pauses
    /// (with or without a bridge network, the installer reaches no index).
    static deps::InstallSource hangingIndex() { return {"http://127.0.0.1:9/simple", "", true}; }

    /// An index install goes through the egress proxy: one on an internal network of the test's own (the
    /// engine of the tests has no bridge). Asked for 127.0.0.1:9, the proxy finds the port closed in its
    /// own namespace and answers 503; pip retries with back-off, so the install outlasts a short timeout.
    deps::IndexAccess indexAccess()
    {
        if (!m_proxies) {
            const std::string network = "agentrun-test-installer-" + std::to_string(::getpid());
            engine::Client::NetworkOptions options;
            options.labels = {{"org.agentrun.test", "installer"}};
            if (auto made = m_client->createNetwork(network, options); !made) {
                qWarning("%s", made.error().message.c_str());
                return {};
            }
            m_egressNetwork = network;
            model::ProxySettings settings;
            settings.egressNetwork = network;
            m_proxies = std::make_unique<sandbox::EgressProxies>(*m_client, settings);
        }
        return {m_proxies.get(), {}};
    }

    int myContainers()
    {
        // Installers, probes and runs; an egress proxy stays up for the next index install (and goes
        // with m_proxies).
        auto ids = m_client->listContainers("org.agentrun.owner-pid=" + std::to_string(::getpid()));
        auto proxies = m_client->listContainers(sandbox::EgressProxies::ProxyLabel);
        if (!ids || !proxies) {
            return -1;
        }
        return static_cast<int>(std::ranges::count_if(
            *ids, [&](const auto& id) { return std::ranges::find(*proxies, id) == proxies->end(); }));
    }

    bool volumeExists(const std::string& name)
    {
        auto response = m_client->request("GET", "/volumes/" + name);
        return response && response->status == 200;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_client = testing::requireEngine();
        QVERIFY(m_wheelhouse.isValid());
        // Left 0700, as QTemporaryDir (and mktemp -d) make it: the installer gets a copy, whatever the modes.
        const std::string dir = m_wheelhouse.path().toStdString();
        makeWheel(dir, "alpha-dep", "alpha_dep", "1.0");
        makeWheel(dir, "alpha-dep", "alpha_dep", "2.0");
        makeWheel(dir, "beta-pkg", "betamod", "2.0", {"alpha-dep"}); // depends on another; import ≠ dist name
        makeWheel(dir, "PyYAML", "yaml", "6.0.99");                  // a stand-in: `import yaml` → pyyaml
        writeFile(dir + "/sdistonly-1.0.tar.gz", "setup.py would run here\n"); // D4: sdist only
    }

    void cleanupTestCase()
    {
        m_proxies.reset(); // its proxies and segments go with it
        if (m_client && !m_egressNetwork.empty()) {
            QVERIFY(m_client->removeNetwork(m_egressNetwork).has_value());
        }
        if (m_client) {
            QCOMPARE(myContainers(), 0); // no installer, probe or run container left behind
            QCOMPARE(testing::managedVolumes(*m_client), 0); // no wheelhouse copy either
        }
    }

    void readsTheImagesPythonFacts()
    {
        QElapsedTimer timer;
        timer.start();
        auto info = deps::imageStdlib(*m_client, testing::sandboxImage());
        QVERIFY2(info.has_value(), info ? "" : info.error().message.c_str());
        const qint64 firstMs = timer.restart();
        QVERIFY(info->pythonVersion.starts_with("3."));
        for (const char* module : {"os", "json", "collections", "sys", "math"}) {
            QVERIFY2(info->modules.contains(module), module);
        }
        QVERIFY(!info->modules.contains("numpy"));
        QVERIFY(info->distributions.contains("pip"));
        QVERIFY(info->importable.contains("pip"));
        auto again = deps::imageStdlib(*m_client, testing::sandboxImage());
        QVERIFY(again.has_value());
        QCOMPARE(again->modules, info->modules);
        qInfo("image facts: %lld ms first, %lld ms cached", firstMs, timer.elapsed());
        QVERIFY(timer.elapsed() < firstMs);
    }

    void installsOfflineAndTheRunImportsIt()
    {
        // From code to a run: analyzer imports → resolution → install → read-only mount → import.
        auto info = deps::imageStdlib(*m_client, testing::sandboxImage());
        QVERIFY(info.has_value());
        const auto report =
            safety::analyze("import json\nimport alpha_dep\nimport pip\nimport numpy\n", safety::Policy{});
        auto whitelist = deps::Whitelist::parse({"Alpha_Dep", "beta-pkg"});
        QVERIFY(whitelist.has_value());
        const auto resolution = deps::resolve(report.imports, *info, *whitelist);
        QCOMPARE(resolution.packages, Strings{"alpha-dep"});
        QCOMPARE(resolution.rejected, Strings{"numpy"});
        QCOMPARE(resolution.alreadyInImage, Strings{"pip"}); // never installed, never removed

        deps::Installer installer(*m_client, testing::sandboxImage());
        Strings lines;
        auto first = installer.install(
            {{"beta-pkg", ""}}, offline(), 120s, [&](std::string_view line) { lines.emplace_back(line); },
            m_noCancel);
        QVERIFY2(first.has_value(), first ? "" : first.error().message.c_str());
        QVERIFY(!first->cached);
        QVERIFY(first->volume.starts_with("agentrun-deps-"));
        QCOMPARE(first->installed, (Strings{"alpha-dep==2.0", "beta-pkg==2.0"})); // its dependency came too
        QVERIFY(std::ranges::any_of(lines, [](const std::string& l) {
            return l.find("Successfully installed") != std::string::npos;
        }));

        const auto run = runPython(
            *m_client, "import betamod, alpha_dep; print(betamod.VALUE, alpha_dep.VALUE)", first->volume);
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out, std::string("beta-pkg 2.0 alpha-dep 2.0\n"));
        // Read-only for the run, even though the volume root is writable for the installer.
        const auto write = runPython(*m_client, "open('/opt/agentrun/site/x', 'w')", first->volume);
        QVERIFY(write.exitCode != 0);
        QVERIFY2(write.err.find("Read-only file system") != std::string::npos, write.err.c_str());

        // Second time: the cached volume, and much faster.
        auto second = installer.install({{"beta-pkg", ""}}, offline(), 120s, {}, m_noCancel);
        QVERIFY(second.has_value());
        QVERIFY(second->cached);
        QCOMPARE(second->volume, first->volume);
        QCOMPARE(second->installed, first->installed);
        // A fresh installer (a new process, in effect) checks the completion marker in the volume.
        deps::Installer fresh(*m_client, testing::sandboxImage());
        auto third = fresh.install({{"beta-pkg", ""}}, offline(), 120s, {}, m_noCancel);
        QVERIFY(third.has_value());
        QVERIFY(third->cached);
        QCOMPARE(third->installed, first->installed);
        qInfo("install beta-pkg (+alpha-dep) offline: first %.0f ms, cached %.1f ms, cached in a fresh "
              "installer %.1f ms",
              first->ms, second->ms, third->ms);
        QVERIFY(second->ms * 5 < first->ms);

        // A later run that did not ask for it sees nothing of it.
        const auto plain = runPython(*m_client, "import betamod");
        QVERIFY(plain.exitCode != 0);
        QVERIFY2(plain.err.find("ModuleNotFoundError") != std::string::npos, plain.err.c_str());
    }

    void mapsImportNamesToDistributions()
    {
        auto info = deps::imageStdlib(*m_client, testing::sandboxImage());
        QVERIFY(info.has_value());
        const auto report = safety::analyze("import yaml\nprint(yaml.VALUE)\n", safety::Policy{});
        auto whitelist = deps::Whitelist::parse({"PyYAML"});
        QVERIFY(whitelist.has_value());
        const auto resolution = deps::resolve(report.imports, *info, *whitelist);
        QCOMPARE(resolution.packages, Strings{"pyyaml"});
        deps::Installer installer(*m_client, testing::sandboxImage());
        auto installed = installer.install(resolution.requirements, offline(), 120s, {}, m_noCancel);
        QVERIFY2(installed.has_value(), installed ? "" : installed.error().message.c_str());
        const auto run = runPython(*m_client, "import yaml; print(yaml.VALUE)", installed->volume);
        QCOMPARE(run.out, std::string("PyYAML 6.0.99\n"));
    }

    void honoursPins()
    {
        auto whitelist = deps::Whitelist::parse({"alpha-dep==1.*"});
        QVERIFY(whitelist.has_value());
        auto info = deps::imageStdlib(*m_client, testing::sandboxImage());
        const auto resolution = deps::resolve({"alpha_dep"}, *info, *whitelist);
        QCOMPARE(resolution.requirements.size(), 1u);
        QCOMPARE(resolution.requirements[0].specifier, std::string("==1.*"));
        deps::Installer installer(*m_client, testing::sandboxImage());
        auto pinned = installer.install(resolution.requirements, offline(), 120s, {}, m_noCancel);
        QVERIFY2(pinned.has_value(), pinned ? "" : pinned.error().message.c_str());
        QCOMPARE(pinned->installed, Strings{"alpha-dep==1.0"});
    }

    void concurrentInstallsOfOneSetShareTheVolume()
    {
        // Two installers (two runs at once) asking for the same new set: one installs, one reuses.
        deps::Installer one(*m_client, testing::sandboxImage());
        deps::Installer two(*m_client, testing::sandboxImage());
        const std::vector<deps::Requirement> set = {{"alpha-dep", "==2.0"}, {"beta-pkg", ""}};
        Result<deps::InstallResult> a = fail("x", "x");
        Result<deps::InstallResult> b = fail("x", "x");
        std::thread other([&] { b = two.install(set, offline(), 120s, {}, m_noCancel); });
        a = one.install(set, offline(), 120s, {}, m_noCancel);
        other.join();
        QVERIFY2(a.has_value(), a ? "" : a.error().message.c_str());
        QVERIFY2(b.has_value(), b ? "" : b.error().message.c_str());
        QCOMPARE(a->volume, b->volume);
        QVERIFY(a->cached != b->cached);
        QCOMPARE(a->installed, b->installed);
    }

    void missingPackageFailsWithPipsReason()
    {
        deps::Installer installer(*m_client, testing::sandboxImage());
        auto missing = installer.install({{"unknownpackage", ""}}, offline(), 120s, {}, m_noCancel);
        QVERIFY(!missing.has_value());
        QCOMPARE(missing.error().code, std::string("deps.install_failed"));
        QCOMPARE(missing.error().message, std::string("Failed to install dependency unknownpackage: No "
                                                      "matching distribution found for unknownpackage"));
        // The unfinished volume is gone.
        const auto name = deps::cacheVolumeName(
            {{"unknownpackage", ""}}, m_client->inspectImage(testing::sandboxImage())->value("Id", ""),
            offline());
        QVERIFY(!volumeExists(name));
    }

    void onlyBinaryRefusesSdists()
    {
        deps::Installer installer(*m_client, testing::sandboxImage());
        auto sdist = installer.install({{"sdistonly", ""}}, offline(), 120s, {}, m_noCancel);
        QVERIFY(!sdist.has_value());
        QCOMPARE(sdist.error().code, std::string("deps.install_failed"));
        QVERIFY2(sdist.error().message.starts_with("Failed to install dependency sdistonly: "),
                 sdist.error().message.c_str());
    }

    void refusesBadRequirementsBeforePip()
    {
        deps::Installer installer(*m_client, testing::sandboxImage());
        auto bad = installer.install({{"--index-url=http://x", ""}}, offline(), 60s, {}, m_noCancel);
        QVERIFY(!bad.has_value());
        QCOMPARE(bad.error().code, std::string("deps.spec"));
        auto noSource = installer.install({{"alpha-dep", ""}}, {}, 60s, {}, m_noCancel);
        QVERIFY(!noSource.has_value());
        QCOMPARE(noSource.error().code, std::string("deps.source"));
    }

    void indexInstallFailureLeavesNothing()
    {
        // An installer given no egress proxy refuses an index (it never opens a network of its own).
        const deps::InstallSource index{"http://127.0.0.1:9/simple", "", true};
        deps::Installer offlineOnly(*m_client, testing::sandboxImage());
        auto refused = offlineOnly.install({{"alpha-dep", ""}}, index, 60s, {}, m_noCancel);
        QVERIFY(!refused.has_value());
        QCOMPARE(refused.error().code, std::string("network.proxy"));
        // Through the proxy, pip cannot reach the closed port: an error, and no volume or container left.
        deps::Installer installer(*m_client, testing::sandboxImage(), indexAccess());
        auto failed = installer.install({{"alpha-dep", ""}}, index, 60s, {}, m_noCancel);
        QVERIFY(!failed.has_value());
        qInfo("index install without a reachable index: %s: %s", failed.error().code.c_str(),
              failed.error().message.c_str());
        QCOMPARE(failed.error().code, std::string("deps.install_failed"));
        const auto name = deps::cacheVolumeName(
            {{"alpha-dep", ""}}, m_client->inspectImage(testing::sandboxImage())->value("Id", ""), index);
        QVERIFY(!volumeExists(name));
        QCOMPARE(myContainers(), 0);
    }

    void hungInstallIsKilledAtItsTimeout()
    {
        deps::Installer installer(*m_client, testing::sandboxImage(), indexAccess());
        QElapsedTimer timer;
        timer.start();
        auto hung = installer.install({{"hang", ""}}, hangingIndex(), 3s, {}, m_noCancel);
        const qint64 ms = timer.elapsed();
        QVERIFY(!hung.has_value());
        QCOMPARE(hung.error().code, std::string("deps.install_timeout"));
        QVERIFY2(hung.error().message.find("timed out after 3 s") != std::string::npos,
                 hung.error().message.c_str());
        QVERIFY2(ms >= 3000 && ms < 15000, qPrintable(QString::number(ms)));
        QCOMPARE(myContainers(), 0);
    }

    void cancelStopsTheInstall()
    {
        deps::Installer installer(*m_client, testing::sandboxImage(), indexAccess());
        std::atomic<bool> cancel{false};
        std::thread canceller([&] {
            std::this_thread::sleep_for(1500ms);
            cancel = true;
        });
        auto cancelled = installer.install({{"hang", ""}}, hangingIndex(), 60s, {}, cancel);
        canceller.join();
        QVERIFY(!cancelled.has_value());
        QCOMPARE(cancelled.error().code, std::string("deps.cancelled"));
        QCOMPARE(myContainers(), 0);
    }

    void listsAndPrunesTheCache()
    {
        deps::Installer installer(*m_client, testing::sandboxImage());
        auto entries = installer.listCache();
        QVERIFY2(entries.has_value(), entries ? "" : entries.error().message.c_str());
        const auto beta =
            std::ranges::find(*entries, std::string("beta-pkg"), &deps::CacheEntry::requirements);
        QVERIFY(beta != entries->end());
        QCOMPARE(beta->source, std::string("wheelhouse"));
        QVERIFY(beta->image.starts_with("sha256:"));
        QVERIFY2(beta->sizeBytes > 0, qPrintable(QString::number(beta->sizeBytes)));
        QVERIFY(!beta->inUse);

        auto pruned = installer.pruneCache();
        QVERIFY2(pruned.has_value(), pruned ? "" : pruned.error().message.c_str());
        QVERIFY(*pruned >= 3); // beta-pkg, pyyaml, alpha-dep==1.*
        QVERIFY(!volumeExists(beta->volume));
        auto after = installer.listCache();
        QVERIFY(after.has_value());
        QVERIFY(std::ranges::find(*after, beta->volume, &deps::CacheEntry::volume) == after->end());
        // And the next install starts from scratch.
        auto again = installer.install({{"beta-pkg", ""}}, offline(), 120s, {}, m_noCancel);
        QVERIFY(again.has_value());
        QVERIFY(!again->cached);
        QVERIFY(installer.pruneCache().has_value());
    }
};

QTEST_APPLESS_MAIN(TestInstaller)
#include "tst_installer.moc"
