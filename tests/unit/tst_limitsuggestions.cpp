// Limit suggestions (issue 23, "Tuning limits is not yet tuning"): raise a limit that was hit, never one
// that passed with 30 % headroom, lower one far above use, one reason per suggestion; the last few runs of
// a snippet together; nothing without data.
#include "agentrun/errorcodes.h"
#include "agentrun/run/limitsuggestions.h"

#include <QTest>

#include <optional>

using namespace agentrun;
using run::LimitField;
using run::LimitSuggestion;
using run::RunUsage;
using Direction = LimitSuggestion::Direction;

namespace {

constexpr std::int64_t MiB = 1ll << 20;

/// A run that passed comfortably: every figure between a quarter and 70 % of its limit.
RunUsage comfortable()
{
    RunUsage run;
    run.status = model::Status::Ok;
    run.limits.memoryBytes = 256 * MiB;
    run.limits.memorySwapBytes = 256 * MiB;
    run.limits.cpus = 1.0;
    run.limits.timeoutSeconds = 10;
    run.limits.pids = 128;
    run.peakMemoryBytes = 128 * MiB; // 50 %
    run.wallSeconds = 5;             // 50 %
    run.cpuSeconds = 2.5;            // 0.5 CPUs
    run.throttledSeconds = 0;
    run.peakPids = 64; // 50 %
    return run;
}

std::optional<LimitSuggestion> find(const std::vector<LimitSuggestion>& all, LimitField field)
{
    for (const auto& s : all)
        if (s.field == field)
            return s;
    return std::nullopt;
}

QString describe(const std::vector<LimitSuggestion>& all)
{
    QStringList lines;
    for (const auto& s : all)
        lines << QStringLiteral("%1 %2 -> %3: %4")
                     .arg(QString::fromUtf8(run::toString(s.field)))
                     .arg(s.current)
                     .arg(s.suggested)
                     .arg(QString::fromStdString(s.reason));
    return lines.join(u'\n');
}

} // namespace

class TestLimitSuggestions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void noDataNoSuggestion()
    {
        QVERIFY(run::suggestLimits({}).empty());
        // Blocked: nothing ran, nothing was measured, though its figures are all zero.
        RunUsage blocked;
        blocked.status = model::Status::Blocked;
        QVERIFY(run::suggestLimits({blocked}).empty());
        // Ran, but too short to be sampled: no peak, no CPU, no throttling known.
        RunUsage unmeasured;
        unmeasured.status = model::Status::Ok;
        QVERIFY2(run::suggestLimits({unmeasured}).empty(),
                 qPrintable(describe(run::suggestLimits({unmeasured}))));
    }

    void comfortableRunKeepsItsLimits()
    {
        const auto all = run::suggestLimits({comfortable()});
        QVERIFY2(all.empty(), qPrintable(describe(all)));
    }

    void thirtyPercentHeadroomIsNeverRaised_data()
    {
        QTest::addColumn<double>("share");
        QTest::addColumn<bool>("raised");
        QTest::newRow("70 %: 30 % headroom") << 0.70 << false;
        QTest::newRow("69 %") << 0.69 << false;
        QTest::newRow("50 %") << 0.50 << false;
        QTest::newRow("71 %: 29 % headroom") << 0.71 << true;
        QTest::newRow("95 %") << 0.95 << true;
    }

    void thirtyPercentHeadroomIsNeverRaised()
    {
        QFETCH(double, share);
        QFETCH(bool, raised);
        RunUsage run = comfortable();
        run.peakMemoryBytes = std::int64_t(share * double(run.limits.memoryBytes));
        run.wallSeconds = share * run.limits.timeoutSeconds;
        run.cpuSeconds = share * run.limits.cpus * run.wallSeconds;
        run.throttledSeconds = 0; // known: never held back
        run.peakPids = std::int64_t(share * double(run.limits.pids));
        const auto all = run::suggestLimits({run});
        for (LimitField field :
             {LimitField::Memory, LimitField::Cpus, LimitField::Timeout, LimitField::Pids}) {
            const auto s = find(all, field);
            QVERIFY2(s.has_value() == raised,
                     qPrintable(QString::fromUtf8(run::toString(field)) + u": " + describe(all)));
            if (s) {
                QVERIFY(s->direction == Direction::Raise);
                QVERIFY(s->suggested > s->current);
                QVERIFY(!s->reason.empty());
            }
        }
    }

    void outOfMemoryRaisesMemory()
    {
        RunUsage run = comfortable();
        run.status = model::Status::OutOfMemory;
        run.limits.memoryBytes = 64 * MiB;
        run.peakMemoryBytes = 64 * MiB;
        const auto all = run::suggestLimits({run});
        const auto memory = find(all, LimitField::Memory);
        QVERIFY2(memory, qPrintable(describe(all)));
        QVERIFY(memory->direction == Direction::Raise);
        QCOMPARE(memory->current, double(64 * MiB));
        QCOMPARE(memory->suggested, double(128 * MiB)); // twice the limit it died at
        QVERIFY2(QString::fromStdString(memory->reason).contains(u"Ran out of memory at the limit of 64"),
                 memory->reason.c_str());
    }

    void outOfMemoryWithoutAPeakStillRaises()
    {
        RunUsage run;
        run.status = model::Status::OutOfMemory;
        run.limits.memoryBytes = 100 * MiB;
        const auto memory = find(run::suggestLimits({run}), LimitField::Memory);
        QVERIFY(memory);
        QCOMPARE(memory->suggested, double(208 * MiB)); // 200 MiB rounded up to 16 MiB
    }

    void timeoutRaisesTimeout()
    {
        RunUsage run = comfortable();
        run.status = model::Status::Timeout;
        run.limits.timeoutSeconds = 5;
        run.wallSeconds = 5.02;
        const auto all = run::suggestLimits({run});
        const auto timeout = find(all, LimitField::Timeout);
        QVERIFY2(timeout, qPrintable(describe(all)));
        QVERIFY(timeout->direction == Direction::Raise);
        QCOMPARE(timeout->suggested, 10.0);
        QVERIFY2(QString::fromStdString(timeout->reason).startsWith(u"Timed out after 5.0 s"),
                 timeout->reason.c_str());
        QVERIFY(!find(all, LimitField::Memory)); // only what was hit, and memory had headroom
    }

    void throttledRaisesCpus()
    {
        RunUsage run = comfortable();
        run.limits.cpus = 0.5;
        run.wallSeconds = 2;
        run.cpuSeconds = 0.4; // 0.2 CPUs on average: below the limit, but throttled much of the time
        run.throttledSeconds = 1.6;
        const auto all = run::suggestLimits({run});
        const auto cpus = find(all, LimitField::Cpus);
        QVERIFY2(cpus, qPrintable(describe(all)));
        QVERIFY(cpus->direction == Direction::Raise);
        QCOMPARE(cpus->suggested, 1.0);
        QVERIFY2(QString::fromStdString(cpus->reason)
                     .startsWith(u"Throttled for 1.6 s of 2.0 s wall (CPU limit 0.5)"),
                 cpus->reason.c_str());
    }

    void heldAtTheCpuLimitWithoutThrottlingFigures()
    {
        RunUsage run = comfortable();
        run.limits.cpus = 0.5;
        run.wallSeconds = 4;
        run.cpuSeconds = 1.95; // 0.49 CPUs of 0.5
        run.throttledSeconds = -1;
        const auto cpus = find(run::suggestLimits({run}), LimitField::Cpus);
        QVERIFY(cpus);
        QVERIFY(cpus->direction == Direction::Raise);
        QVERIFY2(QString::fromStdString(cpus->reason).startsWith(u"Held at its CPU limit of 0.5"),
                 cpus->reason.c_str());
        // A run too short to tell (the interpreter's start is all of it) says nothing about CPUs.
        run.wallSeconds = 0.04;
        run.cpuSeconds = 0.04;
        QVERIFY(!find(run::suggestLimits({run}), LimitField::Cpus));
    }

    void pidsLimitHitRaisesPids()
    {
        RunUsage run = comfortable();
        run.status = model::Status::Exception;
        run.pidsLimitHit = true;
        run.limits.pids = 32;
        run.peakPids = 32;
        const auto all = run::suggestLimits({run});
        const auto pids = find(all, LimitField::Pids);
        QVERIFY2(pids, qPrintable(describe(all)));
        QVERIFY(pids->direction == Direction::Raise);
        QCOMPARE(pids->suggested, 64.0);
        QVERIFY(QString::fromStdString(pids->reason).startsWith(u"Reached the process limit of 32"));
    }

    void farAboveUseIsLowered()
    {
        RunUsage run = comfortable();
        run.limits.memoryBytes = 1024 * MiB;
        run.peakMemoryBytes = 20 * MiB;
        run.limits.timeoutSeconds = 60;
        run.wallSeconds = 1.2;
        run.limits.cpus = 4;
        run.cpuSeconds = 1.0; // 0.83 CPUs
        run.limits.pids = 1024;
        run.peakPids = 3;
        const auto all = run::suggestLimits({run});
        QCOMPARE(int(all.size()), 4);
        for (const auto& s : all) {
            QVERIFY(s.direction == Direction::Lower);
            QVERIFY2(s.suggested < s.current, qPrintable(describe(all)));
        }
        QCOMPARE(find(all, LimitField::Memory)->suggested, double(32 * MiB)); // 30 MiB, rounded up
        QCOMPARE(find(all, LimitField::Timeout)->suggested, 5.0);             // at least 5 s
        QCOMPARE(find(all, LimitField::Cpus)->suggested, 1.25);               // 0.83 × 1.5 → 1.25
        QCOMPARE(find(all, LimitField::Pids)->suggested, 32.0);
        // A lowered limit still leaves the headroom a raise would ask for.
        QVERIFY(find(all, LimitField::Memory)->suggested * (1 - run::HeadroomToKeep) >= 20.0 * MiB);
    }

    void aSmallLoweringIsNotWorthIt()
    {
        RunUsage run = comfortable();
        run.limits.memoryBytes = 32 * MiB;
        run.peakMemoryBytes = 7 * MiB; // 22 %, but the floor of 16 MiB is half the limit: still lowered
        QVERIFY(find(run::suggestLimits({run}), LimitField::Memory));
        run.limits.memoryBytes = 20 * MiB;
        run.peakMemoryBytes = 4 * MiB; // 20 %, yet 16 MiB is 80 % of 20: not worth a change
        QVERIFY(!find(run::suggestLimits({run}), LimitField::Memory));
    }

    void lastRunsOfTheSnippetTogether()
    {
        // The newest run passed comfortably; an older one at the same limits peaked near the limit.
        RunUsage newest = comfortable();
        RunUsage older = comfortable();
        older.peakMemoryBytes = 240 * MiB;
        const auto all = run::suggestLimits({newest, older});
        const auto memory = find(all, LimitField::Memory);
        QVERIFY2(memory, qPrintable(describe(all)));
        QVERIFY(memory->direction == Direction::Raise);
        QCOMPARE(memory->suggested, double(368 * MiB)); // 360 MiB rounded up
        // An older run that ran out of memory at a lower limit says nothing against the current one...
        RunUsage died = comfortable();
        died.status = model::Status::OutOfMemory;
        died.limits.memoryBytes = 64 * MiB;
        died.peakMemoryBytes = 64 * MiB;
        QVERIFY(!find(run::suggestLimits({newest, died}), LimitField::Memory));
        // ...but it keeps a lowering above what it needed: more than 64 MiB.
        newest.limits.memoryBytes = 1024 * MiB;
        newest.peakMemoryBytes = 30 * MiB;
        const auto lowered = find(run::suggestLimits({newest, died}), LimitField::Memory);
        QVERIFY(lowered);
        QCOMPARE(lowered->suggested, double(96 * MiB));
        // An older timeout at a lower limit is not a timeout of the current one.
        RunUsage slow = comfortable();
        slow.status = model::Status::Timeout;
        slow.limits.timeoutSeconds = 2;
        QVERIFY(!find(run::suggestLimits({comfortable(), slow}), LimitField::Timeout));
    }

    void usageOfAResult()
    {
        model::RunResult result;
        result.status = model::Status::Exception;
        result.errorCode = errc::RunPidsLimit;
        result.peakMemoryBytes = 10 * MiB;
        result.cpuSeconds = 0.3;
        result.durations.runMs = 1500;
        result.throttledSeconds = 0;
        result.peakPids = 32;
        model::Limits limits;
        limits.pids = 32;
        const RunUsage usage = run::usageOf(result, limits);
        QVERIFY(usage.pidsLimitHit);
        QCOMPARE(usage.wallSeconds, 1.5);
        QCOMPARE(usage.throttledSeconds, 0.0); // sampled: known to be zero
        QCOMPARE(usage.limits.pids, std::int64_t(32));
        result.peakPids = 0; // not sampled: throttling unknown
        QVERIFY(run::usageOf(result, limits).throttledSeconds < 0);
    }

    void throttlingInWords()
    {
        QCOMPARE(QString::fromStdString(run::describeThrottling(1.6, 2.0, 0.5)),
                 QStringLiteral("throttled for 1.6 s of 2.0 s wall (CPU limit 0.5)"));
        QCOMPARE(QString::fromStdString(run::describeThrottling(0.25, 0.8, 0.2)),
                 QStringLiteral("throttled for 0.25 s of 0.80 s wall (CPU limit 0.2)"));
        QVERIFY(run::describeThrottling(0, 2.0, 0.5).empty());
        QVERIFY(run::describeThrottling(1, 0, 0.5).empty());
    }

    void suggestionsAreValidLimits()
    {
        // Whatever is suggested can be applied: the limits with it pass model::validate().
        RunUsage huge = comfortable();
        huge.status = model::Status::OutOfMemory;
        huge.limits.memoryBytes = 48ll << 30;
        huge.limits.memorySwapBytes = 48ll << 30;
        huge.limits.tmpfsBytes = 64 * MiB;
        RunUsage slow = comfortable();
        slow.status = model::Status::Timeout;
        slow.limits.timeoutSeconds = 3000;
        for (const RunUsage& run : {huge, slow}) {
            for (const auto& s : run::suggestLimits({run})) {
                model::Limits limits = run.limits;
                switch (s.field) {
                case LimitField::Memory:
                    limits.memoryBytes = limits.memorySwapBytes = std::int64_t(s.suggested);
                    break;
                case LimitField::Cpus:
                    limits.cpus = s.suggested;
                    break;
                case LimitField::Timeout:
                    limits.timeoutSeconds = s.suggested;
                    break;
                case LimitField::Pids:
                    limits.pids = std::int64_t(s.suggested);
                    break;
                }
                const auto valid = model::validate(limits);
                QVERIFY2(valid, valid ? "" : valid.error().message.c_str());
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestLimitSuggestions)
#include "tst_limitsuggestions.moc"
