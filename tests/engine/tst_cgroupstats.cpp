// Resource samples faster than the engine's stats API (issue 23): a container's cgroup files read on this
// host (run/cgroupstats.h) — the layouts of cgroup v1 and v2 under both drivers in a folder of the test's
// own, an id that is not the engine's 64 hex digits refused (no path comes from an answer), a removed
// cgroup ending the readings — and through the executor against the real engine: a 2 s run has a curve.
#include "run/cgroupstats.h"

#include "agentrun/run/executor.h"
#include "agentrun/run/limitsuggestions.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace agentrun;

namespace {

const std::string Id(64, 'a');

void write(const QString& path, const QByteArray& text)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(text);
}

class Recorder : public run::RunObserver
{
public:
    void resources(const run::ResourceSample& sample) override { samples.push_back(sample); }
    std::vector<run::ResourceSample> samples;
};

} // namespace

class TestCgroupStats : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsCgroupV1()
    {
        QTemporaryDir root;
        const QString leaf = QStringLiteral("docker/") + QString::fromStdString(Id);
        write(root.filePath(QStringLiteral("memory/") + leaf + QStringLiteral("/memory.usage_in_bytes")),
              "52428800\n");
        write(root.filePath(QStringLiteral("cpuacct/") + leaf + QStringLiteral("/cpuacct.usage")),
              "123456789\n");
        write(root.filePath(QStringLiteral("pids/") + leaf + QStringLiteral("/pids.current")), "3\n");
        const auto stats = run::CgroupStats::find(Id, root.path().toStdString());
        QVERIFY(stats);
        auto reading = stats->read();
        QVERIFY(reading);
        QCOMPARE(reading->memoryBytes, std::int64_t(50) << 20);
        QCOMPARE(reading->cpuNanoseconds, 123456789.0);
        QCOMPARE(reading->pids, std::int64_t(3));
        QCOMPARE(reading->throttledNanoseconds, 0.0); // no cpu controller files: not known, 0
        // The cpu controller's cpu.stat: the time the CPU limit held the container back, in ns.
        write(root.filePath(QStringLiteral("cpu/") + leaf + QStringLiteral("/cpu.stat")),
              "nr_periods 40\nnr_throttled 12\nthrottled_time 412000000\n");
        reading = stats->read();
        QVERIFY(reading);
        QCOMPARE(reading->throttledNanoseconds, 412000000.0);
        // The container is removed: its cgroup goes, and the readings end.
        QVERIFY(QDir(root.filePath(QStringLiteral("memory/") + leaf)).removeRecursively());
        QVERIFY(!stats->read());
    }

    void readsCgroupV2UnderSystemd()
    {
        QTemporaryDir root;
        const QString leaf =
            QStringLiteral("system.slice/docker-") + QString::fromStdString(Id) + QStringLiteral(".scope");
        write(root.filePath(leaf + QStringLiteral("/memory.current")), "1048576\n");
        write(root.filePath(leaf + QStringLiteral("/cpu.stat")),
              "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\nnr_periods 9\nnr_throttled 3\n"
              "throttled_usec 1500\n");
        write(root.filePath(leaf + QStringLiteral("/pids.current")), "7\n");
        const auto reading = run::CgroupStats::find(Id, root.path().toStdString())->read();
        QVERIFY(reading);
        QCOMPARE(reading->memoryBytes, std::int64_t(1) << 20);
        QCOMPARE(reading->cpuNanoseconds, 2500000.0);
        QCOMPARE(reading->pids, std::int64_t(7));
        QCOMPARE(reading->throttledNanoseconds, 1500000.0);
    }

    void onlyTheEnginesIdNamesAPath()
    {
        QTemporaryDir root;
        // A file an id with a path in it would reach: never read.
        write(root.filePath(QStringLiteral("memory/docker/x/memory.usage_in_bytes")), "1\n");
        for (const std::string& id :
             {std::string("../../etc"), std::string(63, 'a') + "/", std::string(64, 'A'), std::string("x"),
              std::string(), std::string(65, 'a')})
            QVERIFY2(!run::CgroupStats::find(id, root.path().toStdString()), id.c_str());
        QVERIFY(!run::CgroupStats::find(Id, root.path().toStdString())); // nothing there: the API is used
    }

    void aShortRunHasACurve()
    {
        auto config = run::configFromEnvironment();
        config.poolSize = 0;
        run::Executor executor(config);
        if (auto ping = executor.ping(); !ping)
            QFAIL(ping.error().message.c_str());
        model::RunSpec request;
        request.code = "import time\nx = bytearray(24 << 20)\ntime.sleep(2)";
        Recorder recorder;
        run::CancelToken cancel;
        const auto result = executor.run(request, recorder, cancel);
        QVERIFY(result.status == model::Status::Ok);
        // Every 200 ms from 150 ms on: about nine in 2 s; the stream gave one or two. A busy machine may
        // stretch the interval, not the run's two seconds.
        qInfo("samples in a 2 s run: %zu", recorder.samples.size());
        QVERIFY2(recorder.samples.size() >= 4, std::to_string(recorder.samples.size()).c_str());
        QVERIFY(std::ranges::any_of(recorder.samples,
                                    [](const auto& s) { return s.memoryBytes > (24ll << 20); }));
        QVERIFY(std::ranges::all_of(recorder.samples, [](const auto& s) { return s.pids >= 1; }));
    }

    /// A busy loop under a fifth of a CPU is held back most of the time: the samples count the throttled
    /// time, the result carries it, and the suggestions raise the CPUs.
    void aBusyLoopUnderACpuLimitIsThrottled()
    {
        auto config = run::configFromEnvironment();
        config.poolSize = 0;
        run::Executor executor(config);
        if (auto ping = executor.ping(); !ping)
            QFAIL(ping.error().message.c_str());
        model::RunSpec request;
        request.code = "import time\nend = time.monotonic() + 2\nwhile time.monotonic() < end:\n    pass\n";
        request.limits.cpus = 0.2;
        Recorder recorder;
        run::CancelToken cancel;
        const auto result = executor.run(request, recorder, cancel);
        QVERIFY2(result.status == model::Status::Ok, result.message.c_str());
        qInfo("busy loop at 0.2 CPUs: throttled %.2f s of %.2f s wall, CPU %.2f s", result.throttledSeconds,
              result.durations.runMs / 1000, result.cpuSeconds);
        QVERIFY(!recorder.samples.empty());
        QVERIFY2(recorder.samples.back().throttledSeconds > 0, "no sample saw throttled time");
        QVERIFY(result.throttledSeconds > 0.2);
        QVERIFY(result.throttledSeconds <= result.durations.runMs / 1000 + 0.5);
        QVERIFY(result.peakPids >= 1);
        const auto suggestions = run::suggestLimits({run::usageOf(result, request.limits)});
        QVERIFY(std::ranges::any_of(suggestions, [](const run::LimitSuggestion& s) {
            return s.field == run::LimitField::Cpus && s.direction == run::LimitSuggestion::Direction::Raise;
        }));
    }

    /// A timeout stops the sandbox before the agent reports its peak: the samples' peak stands in.
    void aTimedOutRunStillHasAPeak()
    {
        auto config = run::configFromEnvironment();
        config.poolSize = 0;
        run::Executor executor(config);
        if (auto ping = executor.ping(); !ping)
            QFAIL(ping.error().message.c_str());
        model::RunSpec request;
        request.code =
            "import time\nx = bytearray(40 << 20)\nx[::4096] = b'x' * len(x[::4096])\ntime.sleep(30)\n";
        request.limits.timeoutSeconds = 1.5;
        Recorder recorder;
        run::CancelToken cancel;
        const auto result = executor.run(request, recorder, cancel);
        QVERIFY2(result.status == model::Status::Timeout, result.message.c_str());
        QVERIFY2(result.peakMemoryBytes > (40ll << 20), std::to_string(result.peakMemoryBytes).c_str());
    }
};

QTEST_GUILESS_MAIN(TestCgroupStats)
#include "tst_cgroupstats.moc"
