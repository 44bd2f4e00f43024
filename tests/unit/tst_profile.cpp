#include "agentrun/profile/profile.h"

#include <QTemporaryDir>
#include <QTest>

using namespace agentrun;

class TestProfile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrips()
    {
        profile::Profile original;
        original.name = "data-science";
        original.description = "numpy work";
        original.limits.memoryBytes = original.limits.memorySwapBytes = 1ll << 30;
        original.limits.cpus = 2;
        original.allow = {"numpy", "pandas==2.2.*"};
        auto parsed = profile::fromJson(profile::toJson(original));
        QVERIFY2(parsed.has_value(), parsed ? "" : parsed.error().message.c_str());
        QVERIFY(*parsed == original);
    }

    void acceptsHumanSizes()
    {
        auto parsed =
            profile::fromJson(R"({"name": "p", "limits": {"memory": "512m", "tmpfs": "64m", "timeout": 5}})");
        QVERIFY(parsed.has_value());
        QCOMPARE(parsed->limits.memoryBytes, 512ll << 20);
        QCOMPARE(parsed->limits.memorySwapBytes, 512ll << 20); // swap follows memory when not given
        QCOMPARE(parsed->limits.timeoutSeconds, 5.0);
    }

    void rejectsBadInput_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("malformed") << R"({"name": "p",)"
                                   << "profile.json"
                                   << "not valid JSON";
        QTest::newRow("not an object") << "[1]"
                                       << "profile.json"
                                       << "JSON object";
        QTest::newRow("unknown field") << R"({"name": "p", "memroy": 1})"
                                       << "profile.memroy"
                                       << "unknown field";
        QTest::newRow("unknown limit") << R"({"name": "p", "limits": {"ram": 1}})"
                                       << "profile.limits.ram"
                                       << "known fields here";
        QTest::newRow("absurd memory") << R"({"name": "p", "limits": {"memory": 5}})"
                                       << "profile.limits.memory"
                                       << "between 16 MiB and 64 GiB";
        QTest::newRow("memory as words") << R"({"name": "p", "limits": {"memory": "lots"}})"
                                         << "profile.limits.memory"
                                         << "is not a size";
        QTest::newRow("negative timeout") << R"({"name": "p", "limits": {"timeout": -1}})"
                                          << "profile.limits.timeout"
                                          << "between 0.1 and 3600";
        QTest::newRow("fractional pids") << R"({"name": "p", "limits": {"pids": 9.5}})"
                                         << "profile.limits.pids"
                                         << "whole number";
        QTest::newRow("bad name") << R"({"name": "../etc"})"
                                  << "profile.name"
                                  << "letters, digits";
        QTest::newRow("allow not a list") << R"({"name": "p", "dependencies": {"allow": "numpy"}})"
                                          << "profile.dependencies.allow"
                                          << "list of strings";
    }

    void rejectsBadInput()
    {
        QFETCH(QString, json);
        QFETCH(QString, code);
        QFETCH(QString, fragment);
        auto parsed = profile::fromJson(json.toStdString());
        QVERIFY(!parsed.has_value());
        QCOMPARE(QString::fromStdString(parsed.error().code), code);
        QVERIFY2(parsed.error().message.find(fragment.toStdString()) != std::string::npos,
                 parsed.error().message.c_str());
    }

    void storeSavesLoadsAndListsBuiltins()
    {
        QTemporaryDir dir;
        const profile::ProfileStore store(dir.path().toStdString());
        QCOMPARE(store.names(), (std::vector<std::string>{"agentrun-compat", "default", "strict"}));
        QCOMPARE(store.load("strict")->policy, std::string("strict"));
        profile::Profile mine;
        mine.name = "mine";
        mine.limits.timeoutSeconds = 7;
        QVERIFY(store.save(mine).has_value());
        QCOMPARE(store.load("mine")->limits.timeoutSeconds, 7.0);
        QCOMPARE(store.names().size(), std::size_t(4));
        auto missing = store.load("nope");
        QCOMPARE(missing.error().code, std::string("profile.unknown"));
        QVERIFY(missing.error().message.find("known profiles: agentrun-compat, default, mine, strict") !=
                std::string::npos);
    }

    void importValidatesFirst()
    {
        QTemporaryDir dir;
        const profile::ProfileStore store(dir.filePath("profiles").toStdString());
        QFile bad(dir.filePath("bad.json"));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write(R"({"name": "bad", "limits": {"cpus": 0}})");
        bad.close();
        auto imported = store.importFile(bad.fileName().toStdString());
        QVERIFY(!imported.has_value());
        QCOMPARE(imported.error().code, std::string("profile.limits.cpus"));
        QVERIFY(!QFile::exists(dir.filePath("profiles/bad.json"))); // nothing saved
    }
};

QTEST_APPLESS_MAIN(TestProfile)
#include "tst_profile.moc"
