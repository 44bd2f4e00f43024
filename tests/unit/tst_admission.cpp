// The server's rules on a resolved run (run/admission.h): ceilings, network, whitelist, policy, runtime.

#include "agentrun/run/admission.h"

#include <QTest>

#include <unistd.h>

using namespace agentrun;

namespace {

constexpr std::int64_t MiB = 1ll << 20;
constexpr std::int64_t GiB = 1ll << 30;

run::AdmissionRules rules()
{
    run::AdmissionRules rules;
    rules.ceilings.timeoutSeconds = 60;
    rules.ceilings.memoryBytes = 2 * GiB;
    rules.ceilings.cpus = 2;
    rules.ceilings.pids = 256;
    rules.ceilings.outputLimitBytes = 4 * MiB;
    rules.ceilings.tmpfsBytes = 512 * MiB;
    return rules;
}

} // namespace

class TestAdmission : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void ceilings_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("message");
        // The requests on a 24 GB host, one limit at a time.
        QTest::newRow("memory 64g") << "memory"
                                    << "limits.memory"
                                    << "limits.memory: 64 GiB is above this server's ceiling of 2 GiB "
                                       "(serve --max-memory).";
        QTest::newRow("pids 32768") << "pids"
                                    << "limits.pids"
                                    << "limits.pids: 32768 is above this server's ceiling of 256 (serve "
                                       "--max-pids).";
        QTest::newRow("timeout 3600") << "timeout"
                                      << "limits.timeout"
                                      << "limits.timeout: 3600 s is above this server's ceiling of 60 s "
                                         "(serve --max-timeout).";
        QTest::newRow("tmpfs 63g") << "tmpfs"
                                   << "limits.tmpfs"
                                   << "limits.tmpfs: 63 GiB is above this server's ceiling of 512 MiB "
                                      "(serve --max-tmpfs-size).";
        QTest::newRow("cpus 64") << "cpus"
                                 << "limits.cpus"
                                 << "limits.cpus: 64 is above this server's ceiling of 2 (serve --max-cpus).";
        QTest::newRow("output 256m")
            << "output"
            << "limits.output_limit"
            << "limits.output_limit: 256 MiB is above this server's ceiling of 4 MiB "
               "(serve --max-output-limit).";
    }

    void ceilings()
    {
        QFETCH(QString, field);
        QFETCH(QString, code);
        QFETCH(QString, message);
        model::RunSpec request;
        QVERIFY(run::admit(request, rules()).has_value()); // the built-in limits are below every ceiling
        if (field == "memory") {
            request.limits.memoryBytes = request.limits.memorySwapBytes = 64 * GiB;
        } else if (field == "pids") {
            request.limits.pids = 32768;
        } else if (field == "timeout") {
            request.limits.timeoutSeconds = 3600;
        } else if (field == "tmpfs") {
            request.limits.memoryBytes = request.limits.memorySwapBytes = 2 * GiB; // within its own ceiling
            request.limits.tmpfsBytes = 63 * GiB;
        } else if (field == "cpus") {
            request.limits.cpus = 64;
        } else {
            request.limits.outputLimitBytes = 256 * MiB;
        }
        QVERIFY(model::validate(request.limits).has_value() || field == "tmpfs"); // absolute ranges allow it
        auto admitted = run::admit(request, rules());
        QVERIFY(!admitted);
        QCOMPARE(QString::fromStdString(admitted.error().code), code);
        QCOMPARE(QString::fromStdString(admitted.error().message), message);
    }

    void atTheCeilingIsAdmitted()
    {
        model::RunSpec request;
        const auto r = rules();
        request.limits.timeoutSeconds = r.ceilings.timeoutSeconds;
        request.limits.memoryBytes = request.limits.memorySwapBytes = r.ceilings.memoryBytes;
        request.limits.cpus = r.ceilings.cpus;
        request.limits.pids = r.ceilings.pids;
        request.limits.outputLimitBytes = r.ceilings.outputLimitBytes;
        request.limits.tmpfsBytes = r.ceilings.tmpfsBytes;
        QVERIFY(run::admit(request, r).has_value());
    }

    void clampKeepsLimitsValid()
    {
        run::Ceilings ceilings;
        ceilings.memoryBytes = 32 * MiB;
        ceilings.timeoutSeconds = 5;
        ceilings.pids = 16;
        ceilings.tmpfsBytes = 512 * MiB;
        model::Limits limits; // 256 MiB memory, 64 MiB /tmp, 30 s, 128 processes
        limits.memorySwapBytes = 2 * limits.memoryBytes;
        const model::Limits clamped = run::clampToCeilings(limits, ceilings);
        QCOMPARE(clamped.memoryBytes, 32 * MiB);
        QCOMPARE(clamped.memorySwapBytes, 64 * MiB); // kept its ratio to memory
        QCOMPARE(clamped.tmpfsBytes, 24 * MiB);      // /tmp stays 8 MiB below memory
        QCOMPARE(clamped.timeoutSeconds, 5.0);
        QCOMPARE(clamped.pids, std::int64_t{16});
        QVERIFY(model::validate(clamped).has_value());
        QVERIFY(run::checkCeilings(clamped, ceilings).has_value());
    }

    void hostCeilingsFollowTheMachine()
    {
        const run::Ceilings host = run::Ceilings::forHost();
        QVERIFY(run::validate(host).has_value());
        const long pages = ::sysconf(_SC_PHYS_PAGES);
        const long pageSize = ::sysconf(_SC_PAGE_SIZE);
        const std::int64_t ram = static_cast<std::int64_t>(pages) * pageSize;
        QVERIFY2(host.memoryBytes <= ram / 2, "the memory ceiling is at most half of this machine's RAM");
        QVERIFY(host.memoryBytes >= ram / 2 - MiB || host.memoryBytes == 64 * GiB);
        QVERIFY(host.tmpfsBytes <= host.memoryBytes / 2);
        QCOMPARE(host.cpus, static_cast<double>(std::min(64L, ::sysconf(_SC_NPROCESSORS_ONLN))));
        // The limits a run gets by default are admitted by a server with the host's ceilings.
        run::AdmissionRules defaults;
        defaults.ceilings = host;
        QVERIFY(run::admit(model::RunSpec{}, defaults).has_value());
    }

    void networkNeedsTheServersConsent()
    {
        model::RunSpec request;
        request.limits.network = "bridge";
        auto refused = run::admit(request, rules());
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, std::string("limits.network"));
        auto r = rules();
        r.networkAllowed = true;
        QVERIFY(run::admit(request, r).has_value());
    }

    void whitelistIsWithinTheServers_data()
    {
        QTest::addColumn<QStringList>("server");
        QTest::addColumn<QStringList>("run");
        QTest::addColumn<bool>("admitted");
        QTest::newRow("star past a list") << QStringList{"requests"} << QStringList{"*"} << false;
        QTest::newRow("star past nothing") << QStringList{} << QStringList{"*"} << false;
        QTest::newRow("unlisted") << QStringList{"requests"} << QStringList{"numpy"} << false;
        QTest::newRow("listed") << QStringList{"requests"} << QStringList{"requests"} << true;
        QTest::newRow("normalised") << QStringList{"Foo_Bar"} << QStringList{"foo-bar"} << true;
        QTest::newRow("server star") << QStringList{"*"} << QStringList{"*"} << true;
        QTest::newRow("other pin") << QStringList{"pandas==2.2.*"} << QStringList{"pandas>=1"} << false;
        QTest::newRow("unpinned past pin") << QStringList{"pandas==2.2.*"} << QStringList{"pandas"} << false;
        QTest::newRow("same pin") << QStringList{"pandas==2.2.*"} << QStringList{"pandas==2.2.*"} << true;
        QTest::newRow("none asked") << QStringList{} << QStringList{} << true;
    }

    void whitelistIsWithinTheServers()
    {
        QFETCH(QStringList, server);
        QFETCH(QStringList, run);
        QFETCH(bool, admitted);
        auto r = rules();
        for (const auto& entry : server) {
            r.allow.push_back(entry.toStdString());
        }
        model::RunSpec request;
        for (const auto& entry : run) {
            request.allow.push_back(entry.toStdString());
        }
        auto result = run::admit(request, r);
        QCOMPARE(result.has_value(), admitted);
        if (!admitted) {
            QCOMPARE(result.error().code, std::string("dependencies"));
            QVERIFY2(result.error().message.find("serve --allow") != std::string::npos,
                     result.error().message.c_str());
        }
    }

    void cachedDependenciesAreWithinTheWhitelist()
    {
        auto r = rules();
        r.allow = {"requests"};
        model::RunSpec request;
        request.allow = {"requests"};
        request.cached = {"numpy"};
        auto refused = run::admit(request, r);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, std::string("dependencies"));
    }

    void policyRuntimeAndSkipCheck()
    {
        model::RunSpec request;
        request.policy = "/tmp/loose.json";
        auto policy = run::admit(request, rules());
        QVERIFY(!policy);
        QCOMPARE(policy.error().code, std::string("policy"));
        auto r = rules();
        r.policies.push_back("/tmp/loose.json"); // the operator's own policy file
        QVERIFY(run::admit(request, r).has_value());

        request = {};
        request.skipCheck = true;
        auto skip = run::admit(request, rules());
        QVERIFY(!skip);
        QCOMPARE(skip.error().code, std::string("skip_check"));

        request = {};
        r = rules();
        r.runtimes = {"runsc"};
        auto runtime = run::admit(request, r); // runc asked of a gVisor-only server
        QVERIFY(!runtime);
        QCOMPARE(runtime.error().code, std::string("limits.runtime"));
        request.limits.runtime = "runsc";
        QVERIFY(run::admit(request, r).has_value());
    }

    void badCeilingsNameTheOption()
    {
        run::Ceilings ceilings;
        ceilings.memoryBytes = 5;
        auto bad = run::validate(ceilings);
        QVERIFY(!bad);
        QVERIFY2(bad.error().message.find("--max-memory") != std::string::npos, bad.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestAdmission)
#include "tst_admission.moc"
