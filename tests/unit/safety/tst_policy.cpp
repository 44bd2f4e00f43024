// Policies: presets, JSON validation with errors naming the field, round trips, the shipped files.

#include "agentrun/safety/analyzer.h"
#include "agentrun/safety/policy.h"

#include <set>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace agentrun::safety;

class TestPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void presets();
    void unknownPreset();
    void errors_data();
    void errors();
    void roundTrip_data();
    void roundTrip();
    void shippedFilesMatchPresets_data();
    void shippedFilesMatchPresets();
    void customPolicyChangesVerdicts();
    void loadFile();
    void catalogue();
};

void TestPolicy::presets()
{
    QCOMPARE(Policy::presetNames(), (std::vector<std::string>{"standard", "strict", "agentrun-compat"}));
    const auto standard = Policy::preset("standard");
    QVERIFY(standard);
    QCOMPARE(standard->name(), std::string("standard"));
    QVERIFY(standard->allowsOverride());
    QVERIFY(standard->ruleLevel("network") == Severity::Info);
    QVERIFY(standard->ruleLevel("process-exec") == Severity::Block);
    QVERIFY(Policy().name() == "standard");

    const auto strict = Policy::preset("strict");
    QVERIFY(strict);
    QVERIFY(!strict->allowsOverride());
    QVERIFY(strict->ruleLevel("network") == Severity::Block);
    // Since issue 20 strict lets os and shutil be imported (its rules block what is dangerous in them,
    // file handling in the working folder stays usable) and blocks the modules that only reach
    // processes, sockets, pickles or native code.
    QVERIFY(!strict->isModuleBlocked("os.path"));
    QVERIFY(strict->isModuleBlocked("subprocess"));
    QVERIFY(strict->isModuleBlocked("socket"));
    QVERIFY(!strict->isModuleBlocked("osmosis"));
    QVERIFY(analyze("import os\nprint(os.getcwd())", *strict).allowed);
    QVERIFY(!analyze("import os\nprint(os.environ)", *strict).allowed); // a warning in standard
    QVERIFY(!analyze("import subprocess\nprint(subprocess.__name__)", *strict).allowed);
    QVERIFY(analyze("import os\nprint(os.getcwd())", *standard).allowed);

    const auto compat = Policy::preset("agentrun-compat");
    QVERIFY(compat);
    QVERIFY(compat->agentrunCompat());
    QVERIFY(!compat->ruleLevel("network"));
}

void TestPolicy::unknownPreset()
{
    const auto policy = Policy::preset("paranoid");
    QVERIFY(!policy);
    QCOMPARE(policy.error().code, std::string("policy.unknown"));
    QCOMPARE(
        policy.error().message,
        std::string("Unknown policy \"paranoid\": use standard, strict, agentrun-compat or a policy file."));
    const auto loaded = Policy::load("paranoid");
    QVERIFY(!loaded);
    QCOMPARE(loaded.error().code, std::string("policy.unknown"));
}

void TestPolicy::errors_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("code");
    QTest::newRow("malformed") << "{\"name\": "
                               << "policy.json";
    QTest::newRow("not an object") << "[1, 2]"
                                   << "policy.json";
    QTest::newRow("unknown field") << R"({"name": "x", "colour": "red"})"
                                   << "policy.colour";
    QTest::newRow("unknown severity") << R"({"rules": {"network": "loud"}})"
                                      << "policy.rules.network";
    QTest::newRow("severity not a string") << R"({"rules": {"network": 3}})"
                                           << "policy.rules.network";
    QTest::newRow("unknown rule") << R"({"rules": {"teleport": "block"}})"
                                  << "policy.rules.teleport";
    QTest::newRow("rules not object") << R"({"rules": ["network"]})"
                                      << "policy.rules";
    QTest::newRow("modules not list") << R"({"blocked_modules": "os"})"
                                      << "policy.blocked_modules";
    QTest::newRow("module not string") << R"({"allowed_calls": [1]})"
                                       << "policy.allowed_calls";
    QTest::newRow("override not bool") << R"({"allow_override": "no"})"
                                       << "policy.allow_override";
    QTest::newRow("empty name") << R"({"name": ""})"
                                << "policy.name";
    QTest::newRow("bad extends") << R"({"extends": "lax"})"
                                 << "policy.extends";
    QTest::newRow("bad version") << R"({"version": 2})"
                                 << "policy.version";
}

void TestPolicy::errors()
{
    QFETCH(QString, json);
    QFETCH(QString, code);
    const auto policy = Policy::fromJson(json.toStdString());
    QVERIFY(!policy);
    QCOMPARE(QString::fromStdString(policy.error().code), code);
    QVERIFY(!policy.error().message.empty());
}

void TestPolicy::roundTrip_data()
{
    QTest::addColumn<QString>("name");
    for (const auto& name : Policy::presetNames())
        QTest::newRow(name.c_str()) << QString::fromStdString(name);
}

void TestPolicy::roundTrip()
{
    QFETCH(QString, name);
    const auto policy = Policy::preset(name.toStdString());
    QVERIFY(policy);
    const std::string json = policy->toJson();
    const auto again = Policy::fromJson(json);
    QVERIFY2(again, again ? "" : again.error().message.c_str());
    QCOMPARE(again->toJson(), json);
    QCOMPARE(again->name(), policy->name());
    QCOMPARE(again->allowsOverride(), policy->allowsOverride());
}

void TestPolicy::shippedFilesMatchPresets_data()
{
    roundTrip_data();
}

void TestPolicy::shippedFilesMatchPresets()
{
    QFETCH(QString, name);
    QFile file(QStringLiteral(AGENTRUN_SOURCE_DIR "/resources/policies/") + name + QStringLiteral(".json"));
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
    QCOMPARE(file.readAll().toStdString(), Policy::preset(name.toStdString())->toJson());
}

void TestPolicy::customPolicyChangesVerdicts()
{
    const auto policy = Policy::fromJson(R"({
        "name": "notebook", "extends": "standard",
        "rules": {"network": "block", "dynamic-code": "warn"},
        "blocked_modules": ["pandas"], "allowed_calls": ["os.system"],
        "blocked_calls": ["time.sleep"], "blocked_attributes": ["secret"]})");
    QVERIFY2(policy, policy ? "" : policy.error().message.c_str());
    QCOMPARE(policy->name(), std::string("notebook"));
    QVERIFY(!analyze("import requests", *policy).allowed);
    QVERIFY(analyze("eval('1')", *policy).allowed);
    QCOMPARE(analyze("eval('1')", *policy).findings.at(0).rule, std::string("dynamic-code"));
    QVERIFY(analyze("import os\nos.system('ls')", *policy).allowed);
    const Report pandas = analyze("import pandas as pd", *policy);
    QVERIFY(!pandas.allowed);
    QCOMPARE(pandas.findings.at(0).rule, std::string("blocked-module"));
    const Report sleep = analyze("from time import sleep\nsleep(1)", *policy);
    QVERIFY(!sleep.allowed);
    QCOMPARE(sleep.findings.at(0).rule, std::string("blocked-call"));
    QCOMPARE(sleep.findings.at(0).line, 2);
    QVERIFY(!analyze("x.secret = 1", *policy).allowed);
    const auto off = Policy::fromJson(R"({"rules": {"process-exec": "off"}})");
    QVERIFY(off);
    const Report r = analyze("import os\nos.system('ls')", *off);
    QVERIFY(r.allowed);
    QVERIFY(r.findings.empty());
}

void TestPolicy::loadFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("mine.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"name": "mine", "extends": "strict", "allow_override": true})");
    file.close();
    const auto policy = Policy::load(path.toStdString());
    QVERIFY2(policy, policy ? "" : policy.error().message.c_str());
    QCOMPARE(policy->name(), std::string("mine"));
    QVERIFY(policy->allowsOverride());
    QVERIFY(policy->isModuleBlocked("socket"));
    const auto missing = Policy::load(dir.filePath(QStringLiteral("nope.json")).toStdString());
    QVERIFY(!missing);
    QCOMPARE(missing.error().code, std::string("policy.file"));
    QVERIFY(Policy::load("strict"));
}

void TestPolicy::catalogue()
{
    const auto rules = ruleCatalogue();
    QVERIFY(rules.size() >= 20);
    std::set<std::string> ids;
    for (const auto& rule : rules) {
        QVERIFY(!rule.title.empty());
        QVERIFY2(rule.explanation.size() > 40, rule.id.c_str());
        QVERIFY2(ids.insert(rule.id).second, rule.id.c_str());
    }
    for (const char* id :
         {"process-exec", "dynamic-code", "dynamic-import", "reflection", "introspection", "frame-access",
          "native-code", "deserialization", "builtins-access", "host-probing", "signals", "network",
          "syntax-error", "unknown-syntax", "encoding", "too-large"})
        QVERIFY2(ids.contains(id), id);
}

QTEST_APPLESS_MAIN(TestPolicy)
#include "tst_policy.moc"
