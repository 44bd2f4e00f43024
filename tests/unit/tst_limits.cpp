#include "agentrun/model/limits.h"
#include "agentrun/sandbox/containerspec.h"

#include <QTest>

using namespace agentrun;

class TestLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesSizes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("bytes");
        QTest::newRow("bytes") << "1048576" << qint64(1048576);
        QTest::newRow("k") << "512k" << qint64(512 * 1024);
        QTest::newRow("m") << "256m" << qint64(256ll << 20);
        QTest::newRow("MiB") << "256MiB" << qint64(256ll << 20);
        QTest::newRow("g") << "1g" << qint64(1ll << 30);
        QTest::newRow("fraction") << "1.5g" << qint64(3ll << 29);
    }

    void parsesSizes()
    {
        QFETCH(QString, text);
        QFETCH(qint64, bytes);
        auto parsed = model::parseSize(text.toStdString(), "--memory");
        QVERIFY(parsed.has_value());
        QCOMPARE(*parsed, bytes);
    }

    void rejectsBadSizes_data()
    {
        QTest::addColumn<QString>("text");
        for (const char* bad : {"", "abc", "-5m", "12x", "1e400", "5mm"}) {
            QTest::newRow(bad) << bad;
        }
    }

    void rejectsBadSizes()
    {
        QFETCH(QString, text);
        auto parsed = model::parseSize(text.toStdString(), "--memory");
        QVERIFY(!parsed.has_value());
        QCOMPARE(parsed.error().code, std::string("--memory"));
        QVERIFY(parsed.error().message.find("256m") != std::string::npos);
    }

    void validatesEachField_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("memory 5 bytes") << "memory"
                                        << "limits.memory"
                                        << "between 16 MiB and 64 GiB (got 5 B)";
        QTest::newRow("timeout 0") << "timeout"
                                   << "limits.timeout"
                                   << "between 0.1 and 3600 s";
        QTest::newRow("cpus 0") << "cpus"
                                << "limits.cpus"
                                << "between 0.05 and 64";
        QTest::newRow("pids 1") << "pids"
                                << "limits.pids"
                                << "between 8 and 32768";
        QTest::newRow("tmpfs above memory") << "tmpfs"
                                            << "limits.tmpfs"
                                            << "counts against the memory limit";
        QTest::newRow("swap below memory") << "swap"
                                           << "limits.memory_swap"
                                           << "between the memory limit";
        QTest::newRow("network") << "network"
                                 << "limits.network"
                                 << "none, allow (with a host list) or bridge";
        QTest::newRow("runtime") << "runtime"
                                 << "limits.runtime"
                                 << "runc or runsc";
    }

    void validatesEachField()
    {
        QFETCH(QString, field);
        QFETCH(QString, code);
        QFETCH(QString, fragment);
        model::Limits limits;
        QVERIFY(model::validate(limits).has_value());
        if (field == "memory") {
            limits.memoryBytes = 5;
        } else if (field == "timeout") {
            limits.timeoutSeconds = 0;
        } else if (field == "cpus") {
            limits.cpus = 0;
        } else if (field == "pids") {
            limits.pids = 1;
        } else if (field == "tmpfs") {
            limits.tmpfsBytes = limits.memoryBytes;
        } else if (field == "swap") {
            limits.memorySwapBytes = limits.memoryBytes - 1;
        } else if (field == "network") {
            limits.network = "host";
        } else if (field == "runtime") {
            limits.runtime = "kata";
        }
        auto result = model::validate(limits);
        QVERIFY(!result.has_value());
        QCOMPARE(QString::fromStdString(result.error().code), code);
        QVERIFY2(result.error().message.find(fragment.toStdString()) != std::string::npos,
                 result.error().message.c_str());
    }

    void hardeningIsComplete()
    {
        model::Limits limits;
        const auto spec = sandbox::containerSpec(limits, "img");
        const auto& host = spec["HostConfig"];
        QCOMPARE(host["NetworkMode"].get<std::string>(), std::string("none"));
        QVERIFY(host["ReadonlyRootfs"].get<bool>());
        QCOMPARE(host["CapDrop"][0].get<std::string>(), std::string("ALL"));
        QVERIFY(host["SecurityOpt"].dump().find("no-new-privileges") != std::string::npos);
        // The pinned seccomp profile travels as JSON text: allowlist, EPERM by default, AF_VSOCK and io_uring
        // out.
        std::string seccomp;
        for (const auto& option : host["SecurityOpt"]) {
            if (option.get<std::string>().starts_with("seccomp=")) {
                seccomp = option.get<std::string>().substr(8);
            }
        }
        QVERIFY(!seccomp.empty());
        const auto profile = nlohmann::json::parse(seccomp, nullptr, false);
        QVERIFY(!profile.is_discarded());
        QCOMPARE(profile["defaultAction"].get<std::string>(), std::string("SCMP_ACT_ERRNO"));
        QVERIFY(seccomp.find("\"io_uring_setup\"") != std::string::npos);
        for (const auto& rule : profile["syscalls"]) {
            if (rule["action"] != "SCMP_ACT_ALLOW") {
                continue;
            }
            for (const auto& name : rule["names"]) {
                QVERIFY2(name != "io_uring_setup" && name != "ptrace" && name != "keyctl" &&
                             name != "unshare",
                         name.dump().c_str());
                if (name == "socket") {
                    QCOMPARE(rule["args"][0]["value"].get<int>(),
                             40); // allowed for every domain but AF_VSOCK
                    QCOMPARE(rule["args"][0]["op"].get<std::string>(), std::string("SCMP_CMP_NE"));
                }
            }
        }
        QCOMPARE(host["PidsLimit"].get<std::int64_t>(), limits.pids);
        QCOMPARE(host["Memory"].get<std::int64_t>(), limits.memoryBytes);
        QCOMPARE(host["NanoCpus"].get<std::int64_t>(), std::int64_t(1000000000));
        QVERIFY(!host.contains("CpuQuota"));
        QVERIFY(!host["Init"].get<bool>()); // the agent is the init (docs/security.md, P6)
        QCOMPARE(spec["StopSignal"].get<std::string>(), std::string("SIGKILL")); // the agent ignores SIGTERM
        QVERIFY(spec["OpenStdin"].get<bool>() && spec["StdinOnce"].get<bool>()); // the owner's end reaches it
        QCOMPARE(host["LogConfig"]["Type"].get<std::string>(), std::string("none"));
        QVERIFY(host["Tmpfs"]["/tmp"].get<std::string>().find("noexec") != std::string::npos);
        QVERIFY(!host.contains("Binds"));
        QCOMPARE(spec["User"].get<std::string>(), std::string("65534:65534"));
        QVERIFY(spec["Labels"].contains(sandbox::ManagedLabel));
        for (const auto& variable : spec["Env"]) {
            const auto text = variable.get<std::string>();
            QVERIFY2(!text.starts_with("DOCKER") && !text.contains("KEY"), text.c_str());
        }
    }

    void processLimitUnderGvisor()
    {
        // runc: the pids cgroup is the program's limit. runsc: the host cgroup holds gVisor's own threads
        // (the sentry and its stubs), so it gets headroom, or the sentry dies when the program forks.
        model::Limits limits;
        limits.pids = 64;
        auto host = sandbox::containerSpec(limits, "img")["HostConfig"];
        QCOMPARE(host["PidsLimit"].get<std::int64_t>(), std::int64_t{64});
        limits.runtime = "runsc";
        host = sandbox::containerSpec(limits, "img")["HostConfig"];
        QCOMPARE(host["Runtime"].get<std::string>(), std::string("runsc"));
        QCOMPARE(host["PidsLimit"].get<std::int64_t>(), std::int64_t{12 * 64 + 64});
        QVERIFY(host["Ulimits"].dump().find("nproc") == std::string::npos); // runsc would refuse every thread
        QVERIFY(sandbox::dockerRunCommand(limits, "img").find("--pids-limit 832") != std::string::npos);
    }

    void poolKeyIgnoresHostSideLimits()
    {
        model::Limits a;
        model::Limits b = a;
        b.timeoutSeconds = 5;
        b.outputLimitBytes = 4096;
        QCOMPARE(sandbox::poolKey(a, "img"), sandbox::poolKey(b, "img"));
        b.memoryBytes *= 2;
        QVERIFY(sandbox::poolKey(a, "img") != sandbox::poolKey(b, "img"));
    }
};

QTEST_APPLESS_MAIN(TestLimits)
#include "tst_limits.moc"
