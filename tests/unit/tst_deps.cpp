// deps/: PEP 503 names, spec validation (D1), whitelist, resolution against the image's stdlib (D2, D5),
// AgentRun's messages, and the installer's pure parts (pip command line, container, cache names).
#include "agentrun/deps/imagestdlib.h"
#include "agentrun/deps/installer.h"
#include "agentrun/deps/resolver.h"
#include "agentrun/deps/whitelist.h"
#include "agentrun/safety/analyzer.h"

#include <QTest>

#include <algorithm>
#include <fstream>

using namespace agentrun;
using Strings = std::vector<std::string>;

namespace {

deps::StdlibInfo fixtureStdlib()
{
    std::ifstream in(AGENTRUN_TEST_DATA "/deps/python-3.11.json");
    auto info = deps::parseImageFacts(nlohmann::json::parse(in, nullptr, false));
    if (!info) {
        qFatal("fixture: %s", info.error().message.c_str());
    }
    return *info;
}

deps::Whitelist whitelist(const Strings& entries)
{
    auto parsed = deps::Whitelist::parse(entries);
    if (!parsed) {
        qFatal("whitelist: %s", parsed.error().message.c_str());
    }
    return *parsed;
}

} // namespace

class TestDeps : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void normalizes_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("normalized");
        QTest::newRow("Requests") << "Requests"
                                  << "requests";
        QTest::newRow("requests_") << "requests_"
                                   << "requests";
        QTest::newRow("REQUESTS.") << "REQUESTS."
                                   << "requests";
        QTest::newRow("runs") << "Foo.__Bar--baz"
                              << "foo-bar-baz";
        QTest::newRow("zope.interface") << "zope.interface"
                                        << "zope-interface";
    }

    void normalizes()
    {
        QFETCH(QString, name);
        QFETCH(QString, normalized);
        QCOMPARE(QString::fromStdString(deps::normalize(name.toStdString())), normalized);
    }

    void parsesPlainSpecs_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("specifier");
        QTest::newRow("bare") << "numpy"
                              << "numpy"
                              << "";
        QTest::newRow("case") << "  PyYAML "
                              << "pyyaml"
                              << "";
        QTest::newRow("pin") << "pandas==2.2.*"
                             << "pandas"
                             << "==2.2.*";
        QTest::newRow("spaces") << "pandas == 2.2.1"
                                << "pandas"
                                << "==2.2.1";
        QTest::newRow("range") << "numpy>=1.24,<2"
                               << "numpy"
                               << ">=1.24,<2";
        QTest::newRow("compatible") << "attrs~=23.1"
                                    << "attrs"
                                    << "~=23.1";
        QTest::newRow("local") << "torch==2.1.0+cpu"
                               << "torch"
                               << "==2.1.0+cpu";
    }

    void parsesPlainSpecs()
    {
        QFETCH(QString, spec);
        QFETCH(QString, name);
        QFETCH(QString, specifier);
        auto requirement = deps::parseRequirement(spec.toStdString());
        QVERIFY2(requirement.has_value(), requirement ? "" : requirement.error().message.c_str());
        QCOMPARE(QString::fromStdString(requirement->name), name);
        QCOMPARE(QString::fromStdString(requirement->specifier), specifier);
    }

    void rejectsD1Specs_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("why");
        QTest::newRow("index-url") << "--index-url http://x"
                                   << "pip options";
        QTest::newRow("extra-index") << "--extra-index-url=http://x numpy"
                                     << "pip options";
        QTest::newRow("direct reference") << "pkg @ https://evil.example/pkg.whl"
                                          << "direct references";
        QTest::newRow("editable") << "-e git+https://github.com/x/y"
                                  << "pip options";
        QTest::newRow("requirements file") << "-r file"
                                           << "pip options";
        QTest::newRow("url") << "https://evil.example/pkg.tar.gz"
                             << "URLs";
        QTest::newRow("vcs") << "git+https://github.com/x/y"
                             << "URLs";
        QTest::newRow("marker") << "pkg; python_version<\"3\""
                                << "markers";
        QTest::newRow("extras") << "requests[socks]"
                                << "extras";
        QTest::newRow("path") << "./pkg"
                              << "paths";
        QTest::newRow("two names") << "numpy pandas"
                                   << "version clause";
        QTest::newRow("arbitrary equality") << "numpy===1.0"
                                            << "===";
        QTest::newRow("bad version") << "numpy==latest"
                                     << "not a version";
        QTest::newRow("wildcard with >=") << "numpy>=1.*"
                                          << "not a version";
        QTest::newRow("newline") << "numpy\n--index-url=http://x"
                                 << "control characters";
        QTest::newRow("empty") << "   "
                               << "empty";
    }

    void rejectsD1Specs()
    {
        QFETCH(QString, spec);
        QFETCH(QString, why);
        auto requirement = deps::parseRequirement(spec.toStdString());
        QVERIFY(!requirement.has_value());
        QCOMPARE(QString::fromStdString(requirement.error().code), QStringLiteral("deps.spec"));
        const QString message = QString::fromStdString(requirement.error().message);
        QVERIFY2(message.contains(why), qPrintable(message));
        QVERIFY2(message.endsWith("use NAME or NAME==VERSION."), qPrintable(message));
        if (!spec.trimmed().isEmpty() && !spec.contains('\n')) {
            QVERIFY2(message.contains(spec.trimmed()), qPrintable(message)); // names the spec
        }
    }

    void whitelistAnyNoneListed()
    {
        const auto any = whitelist({"*"});
        QVERIFY(any.any());
        QVERIFY(any.allows("anything-at-all"));

        const auto none = whitelist({});
        QVERIFY(none.none());
        QVERIFY(!none.allows("requests"));

        // D2: the compare is on normalised names, both sides.
        const auto listed = whitelist({"Requests", "PyYAML"});
        QVERIFY(!listed.any());
        for (const char* name : {"requests", "requests_", "REQUESTS.", "Requests"}) {
            QVERIFY2(listed.allows(name), name);
        }
        QVERIFY(listed.allows("pyyaml"));
        QVERIFY(!listed.allows("numpy"));
        QVERIFY(!listed.allows("requests-toolbelt"));
    }

    void whitelistCarriesPins()
    {
        const auto pinned = whitelist({"pandas==2.2.*", "numpy"});
        QCOMPARE(pinned.pin("Pandas"), std::string("==2.2.*"));
        QCOMPARE(pinned.pin("numpy"), std::string());
        QVERIFY(pinned.requirementFor("PANDAS") == (deps::Requirement{"pandas", "==2.2.*"}));
        // "*" next to pins: anything goes, the pins still hold.
        const auto mixed = whitelist({"*", "numpy<2"});
        QVERIFY(mixed.allows("scipy"));
        QCOMPARE(mixed.pin("numpy"), std::string("<2"));
    }

    void whitelistRejectsBadEntries()
    {
        for (const Strings& entries : {Strings{"numpy", "pkg @ https://x"}, Strings{"--index-url=http://x"},
                                       Strings{"numpy==1", "numpy==2"}, Strings{""}}) {
            auto parsed = deps::Whitelist::parse(entries);
            QVERIFY(!parsed.has_value());
            QCOMPARE(parsed.error().code, std::string("deps.spec"));
        }
    }

    void cachedDependenciesOutsideTheWhitelist()
    {
        auto refused = deps::checkCachedDependencies({"requests"}, whitelist({}));
        QVERIFY(!refused.has_value());
        QCOMPARE(refused.error().code, std::string("deps.cached_not_whitelisted"));
        QVERIFY(refused.error().message.starts_with("Some cached dependencies are not in the whitelist."));
        QVERIFY(deps::checkCachedDependencies({"numpy"}, whitelist({"NumPy"})).has_value());
        QVERIFY(deps::checkCachedDependencies({"numpy"}, whitelist({"*"})).has_value());
    }

    void resolutionExcludesTheImagesStdlib()
    {
        const auto info = fixtureStdlib();
        QCOMPARE(info.pythonVersion, std::string("3.11.2"));
        QVERIFY(info.modules.contains("tomllib")); // 3.11's stdlib, whatever the host runs
        const auto resolution = deps::resolve({"os", "sys", "json", "tomllib", "collections", "numpy", "yaml",
                                               "sklearn", "PIL", ".sibling", "", "scipy.optimize"},
                                              info, whitelist({"*"}));
        QCOMPARE(resolution.packages, (Strings{"numpy", "pillow", "pyyaml", "scikit-learn", "scipy"}));
        QVERIFY(resolution.rejected.empty());
        QVERIFY(resolution.alreadyInImage.empty());
        QCOMPARE(resolution.requirements.size(), resolution.packages.size());
    }

    void resolutionFromTheAnalyzer()
    {
        // Imports inside functions and try/except ImportError count; relative imports do not.
        const auto report = safety::analyze("import json\n"
                                            "from . import sibling\n"
                                            "from .pkg import x\n"
                                            "def f():\n    import yaml\n"
                                            "try:\n    import cv2\nexcept ImportError:\n    cv2 = None\n",
                                            safety::Policy{});
        const auto resolution = deps::resolve(report.imports, fixtureStdlib(), whitelist({"pyyaml"}));
        QCOMPARE(resolution.packages, Strings{"pyyaml"});
        QCOMPARE(resolution.rejected, Strings{"opencv-python"});
    }

    void resolutionRejectsWithAgentRunsMessage()
    {
        const auto resolution = deps::resolve({"numpy"}, fixtureStdlib(), whitelist({"pandas"}));
        QVERIFY(resolution.packages.empty());
        QCOMPARE(resolution.rejected, Strings{"numpy"});
        const auto error = deps::rejectionError(resolution);
        QCOMPARE(error.code, std::string("deps.not_whitelisted"));
        QCOMPARE(error.message, std::string("Dependency: numpy is not in the whitelist."));
        // Empty whitelist: nothing may be installed, stdlib still runs.
        const auto none = deps::resolve({"math", "requests"}, fixtureStdlib(), whitelist({}));
        QCOMPARE(none.rejected, Strings{"requests"});
        QVERIFY(none.packages.empty());
    }

    void resolutionCarriesPins()
    {
        const auto resolution =
            deps::resolve({"pandas", "numpy"}, fixtureStdlib(), whitelist({"pandas==2.2.*", "numpy"}));
        QVERIFY(resolution.requirements ==
                (std::vector<deps::Requirement>{{"numpy", ""}, {"pandas", "==2.2.*"}}));
    }

    void packagesInTheImageAreNeverInstalled()
    {
        auto info = fixtureStdlib();
        info.distributions = {"pip", "setuptools"};
        info.importable = {"pip", "pkg_resources", "setuptools"};
        const auto resolution =
            deps::resolve({"pip", "pkg_resources", "numpy", "arrow"}, info, whitelist({}), {"numpy"});
        QCOMPARE(resolution.alreadyInImage, (Strings{"numpy", "pip", "setuptools"}));
        QCOMPARE(resolution.rejected, Strings{"arrow"});
        QVERIFY(resolution.packages.empty());
    }

    void agentRunParseDependencies_data()
    {
        // tests/test_agentrun.py::test_parse_dependencies
        QTest::addColumn<QString>("code");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("1") << "import os" << QStringList{};
        QTest::newRow("2") << "import requests" << QStringList{"requests"};
        QTest::newRow("3") << "from collections import namedtuple" << QStringList{};
        QTest::newRow("4") << "import sys\nimport numpy as np" << QStringList{"numpy"};
        QTest::newRow("5") << "import unknownpackage" << QStringList{"unknownpackage"};
        QTest::newRow("6") << "from scipy.optimize import minimize" << QStringList{"scipy"};
    }

    void agentRunParseDependencies()
    {
        QFETCH(QString, code);
        QFETCH(QStringList, expected);
        auto report = safety::analyze(code.toStdString(), safety::Policy{});
        deps::fillPackages(report, fixtureStdlib());
        QStringList packages;
        for (const auto& package : report.packages) {
            packages << QString::fromStdString(package);
        }
        QCOMPARE(packages, expected);
    }

    void rejectsFactsWithoutStdlib()
    {
        auto info = deps::parseImageFacts(nlohmann::json{{"version", "3.11.2"}});
        QVERIFY(!info.has_value());
        QCOMPARE(info.error().code, std::string("deps.image"));
    }

    void pipCommandLineIsOfflineAndBinaryOnly()
    {
        const deps::InstallSource wheelhouse{"", "/srv/wheels", true};
        const auto args = deps::pipArguments({{"beta", ""}, {"alpha", "==1.0"}}, wheelhouse);
        const auto has = [&](const Strings& run) {
            return std::ranges::search(args, run).begin() != args.end();
        };
        QVERIFY(has({"--only-binary", ":all:"}));
        QVERIFY(has({"--no-index", "--find-links", "/wheelhouse"}));
        QVERIFY(has({"--isolated"}));
        QVERIFY(!has({"--index-url"}));
        QCOMPARE(Strings(args.end() - 2, args.end()), (Strings{"alpha==1.0", "beta"}));

        const auto online = deps::pipArguments({{"alpha", ""}}, {"https://pypi.example/simple", "", false});
        QVERIFY(std::ranges::find(online, "--only-binary") == online.end());
        QVERIFY(std::ranges::search(online, Strings{"--index-url", "https://pypi.example/simple"}).begin() !=
                online.end());
    }

    void installerContainerIsHardened()
    {
        const deps::InstallSource wheelhouse{"", "/srv/wheels", true};
        const auto spec = deps::installerSpec("img", "vol", {{"alpha", ""}}, wheelhouse, "{}", "wheels-vol");
        const auto& host = spec["HostConfig"];
        QVERIFY(host["NetworkMode"] == "none");
        QVERIFY(spec["NetworkDisabled"] == true);
        QVERIFY(spec["User"] == "65534:65534");
        QVERIFY(host["ReadonlyRootfs"] == true);
        QVERIFY(host["CapDrop"] == nlohmann::json::array({"ALL"}));
        QVERIFY(host["SecurityOpt"].dump().find("no-new-privileges") != std::string::npos);
        QVERIFY(host["Mounts"].size() == 2u);
        // The host folder is never mounted: its copy in a volume is (its modes do not matter).
        QVERIFY(host["Mounts"][1]["Type"] == "volume");
        QVERIFY(host["Mounts"][1]["Source"] == "wheels-vol");
        QVERIFY(host["Mounts"][1]["Target"] == "/wheelhouse");
        QVERIFY(host["Mounts"][1]["ReadOnly"] == true);
        QVERIFY(host["Mounts"][0]["Source"] == "vol");
        QVERIFY(host["Mounts"][0]["ReadOnly"] == false);
        QVERIFY(spec["Labels"]["org.agentrun.managed"] == "1");
        QVERIFY(spec["Labels"].contains("org.agentrun.owner-pid"));

        // An index install without its route has no network at all; with it, only the proxy's segment.
        const deps::InstallSource index{"https://i.example/simple", "", true};
        const auto unrouted = deps::installerSpec("img", "vol", {{"alpha", ""}}, index, "{}");
        QVERIFY(unrouted["HostConfig"]["NetworkMode"] == "none");
        QVERIFY(unrouted["NetworkDisabled"] == true);
        const deps::IndexRoute route{
            "agentrun-egress-1-abc-0", "http://10.9.0.2:3128", {"HTTPS_PROXY=http://10.9.0.2:3128"}};
        const auto online = deps::installerSpec("img", "vol", {{"alpha", ""}}, index, "{}", {}, &route);
        QVERIFY(online["HostConfig"]["NetworkMode"] == "agentrun-egress-1-abc-0");
        QVERIFY(online["NetworkDisabled"] == false);
        QVERIFY(online["HostConfig"]["Mounts"].size() == 1u);
        QVERIFY(online["Env"].dump().find("HTTPS_PROXY=http://10.9.0.2:3128") != std::string::npos);
        QVERIFY(online["Entrypoint"].dump().find("\"--proxy\",\"http://10.9.0.2:3128\"") !=
                std::string::npos);
        QVERIFY(online["HostConfig"]["CapDrop"] == nlohmann::json::array({"ALL"}));
    }

    void plainHttpIndexIsTrustedByName()
    {
        const auto args = deps::pipArguments(
            {{"alpha", ""}}, {"http://user:pw@mirror.lan:8080/simple/", "", true}, "http://10.9.0.2:3128");
        QVERIFY(std::ranges::search(args, Strings{"--trusted-host", "mirror.lan:8080"}).begin() !=
                args.end());
        QVERIFY(std::ranges::search(args, Strings{"--proxy", "http://10.9.0.2:3128"}).begin() != args.end());
        const auto secure = deps::pipArguments({{"alpha", ""}}, {"https://mirror.lan/simple/", "", true});
        QVERIFY(std::ranges::find(secure, "--trusted-host") == secure.end());
        QVERIFY(std::ranges::find(secure, "--proxy") == secure.end());
    }

    void runMountIsReadOnly()
    {
        const auto mount = deps::runMount("agentrun-deps-x");
        QVERIFY(mount["Type"] == "volume");
        QVERIFY(mount["Source"] == "agentrun-deps-x");
        QVERIFY(mount["Target"] == "/opt/agentrun/site");
        QVERIFY(mount["ReadOnly"] == true);
        QCOMPARE(std::string(deps::SiteEnv), std::string("PYTHONPATH=/opt/agentrun/site"));
    }

    void cacheNameIsOrderInsensitiveAndKeyed()
    {
        const deps::InstallSource wheelhouse{"", "/srv/wheels", true};
        const auto a = deps::cacheVolumeName({{"alpha", ""}, {"beta", "==2"}}, "sha256:1", wheelhouse);
        QVERIFY(a.starts_with("agentrun-deps-"));
        QCOMPARE(
            deps::cacheVolumeName({{"beta", "==2"}, {"alpha", ""}, {"alpha", ""}}, "sha256:1", wheelhouse),
            a);
        QVERIFY(deps::cacheVolumeName({{"alpha", ""}, {"beta", "==3"}}, "sha256:1", wheelhouse) != a);
        QVERIFY(deps::cacheVolumeName({{"alpha", ""}, {"beta", "==2"}}, "sha256:2", wheelhouse) != a);
        QVERIFY(deps::cacheVolumeName({{"alpha", ""}, {"beta", "==2"}}, "sha256:1",
                                      {"https://x/simple", "", true}) != a);
    }

    void failureMessageNamesTheDependency()
    {
        const Strings lines = {"Looking in links: /wheelhouse",
                               "ERROR: Could not find a version that satisfies the requirement missing_pkg "
                               "(from versions: none)",
                               "ERROR: No matching distribution found for missing_pkg"};
        QCOMPARE(
            deps::installFailureMessage(lines, {{"alpha", ""}, {"missing-pkg", ""}}),
            std::string(
                "Failed to install dependency missing-pkg: No matching distribution found for missing_pkg"));
        QCOMPARE(deps::installFailureMessage({"Killed"}, {{"alpha", ""}, {"beta", ""}}),
                 std::string("Failed to install dependency alpha, beta: Killed"));
    }
};

QTEST_APPLESS_MAIN(TestDeps)
#include "tst_deps.moc"
