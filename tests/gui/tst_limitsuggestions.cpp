// Limit suggestions in the workbench (issue 23): after a run the Resources panel offers memory, CPUs,
// timeout and processes, each with its reason, a one-click Apply and an Undo of its own; applied values
// land in the Limits panel; the throttled time is said in words; the last runs of the same snippet count.
// Synthetic results and history records: no run is started.
#include "agentrun/history/historystore.h"
#include "agentrun/run/executor.h"

#include <optional>

#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "limitspanel.h"
#include "limitsuggestions.h"
#include "mainwindow.h"
#include "resourcepanel.h"
#include "settings.h"

using namespace agentrun;
using run::LimitField;

namespace {

constexpr std::int64_t MiB = 1ll << 20;

model::Limits tightLimits()
{
    model::Limits limits;
    limits.memoryBytes = 256 * MiB;
    limits.memorySwapBytes = 256 * MiB;
    limits.cpus = 0.2;
    limits.timeoutSeconds = 2;
    limits.pids = 32;
    return limits;
}

/// A run that hit or nearly hit every limit: timed out, throttled most of its time, 78 % of its memory,
/// all its processes.
model::RunResult strainedRun()
{
    model::RunResult result;
    result.status = model::Status::Timeout;
    result.durations.runMs = 2000;
    result.durations.totalMs = 2100;
    result.cpuSeconds = 0.4;
    result.throttledSeconds = 1.6;
    result.peakMemoryBytes = 200 * MiB;
    result.peakPids = 32;
    return result;
}

QPushButton* button(QWidget& in, LimitField field, bool undo)
{
    return in.findChild<QPushButton*>(ui::LimitSuggestionsView::buttonName(field, undo));
}

} // namespace

class TestLimitSuggestionsGui : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toUtf8());
    }

    void eachLimitHasItsApplyAndUndo()
    {
        ui::ResourcePanel panel;
        panel.startRun(tightLimits());
        panel.finishRun(strainedRun());
        QCOMPARE(int(panel.suggestions().size()), 4);
        QSignalSpy chosen(&panel, &ui::ResourcePanel::limitChosen);
        QSignalSpy memoryChosen(&panel, &ui::ResourcePanel::memoryLimitChosen);
        const struct
        {
            LimitField field;
            const char* name;
            double suggested;
            double before;
            const char* applyText;
        } expected[] = {
            {LimitField::Memory, "memory", double(304 * MiB), double(256 * MiB), "Apply 304.0 MiB"},
            {LimitField::Cpus, "cpus", 0.4, 0.2, "Apply 0.4 CPUs"},
            {LimitField::Timeout, "timeout", 4, 2, "Apply 4 s"},
            {LimitField::Pids, "pids", 48, 32, "Apply 48 processes"},
        };
        for (const auto& e : expected) {
            QPushButton* apply = button(panel, e.field, false);
            QPushButton* undo = button(panel, e.field, true);
            QVERIFY2(apply && undo, e.name);
            QVERIFY(!apply->isHidden());
            QVERIFY(undo->isHidden());
            QCOMPARE(apply->text(), QString::fromUtf8(e.applyText));
            apply->click();
            QVERIFY(apply->isHidden());
            QVERIFY(!undo->isHidden());
            QCOMPARE(chosen.last().at(0).toString(), QString::fromUtf8(e.name));
            QCOMPARE(chosen.last().at(1).toDouble(), e.suggested);
            undo->click();
            QCOMPARE(chosen.last().at(1).toDouble(), e.before);
            QVERIFY(!apply->isHidden());
        }
        QCOMPARE(chosen.size(), 8);
        QCOMPARE(memoryChosen.size(), 2); // the memory-only signal, as before
        // Each suggestion says why.
        const auto* cpus = panel.findChild<QLabel*>(QStringLiteral("applyCpusSuggestionReason"));
        QVERIFY(cpus);
        QVERIFY2(cpus->text().startsWith(u"Throttled for 1.6 s of 2.0 s wall (CPU limit 0.2)"),
                 qPrintable(cpus->text()));
        QVERIFY(panel.findChild<QLabel*>(QStringLiteral("applyTimeoutSuggestionReason"))
                    ->text()
                    .startsWith(u"Timed out after 2.0 s"));
    }

    void throttlingIsSaidInWords()
    {
        ui::ResourcePanel panel;
        panel.startRun(tightLimits());
        panel.finishRun(strainedRun());
        QVERIFY2(panel.summary().contains(u"throttled for 1.6 s of 2.0 s wall (CPU limit 0.2)"),
                 qPrintable(panel.summary()));
        // Not throttled (or not known): not a word about it.
        model::RunResult calm = strainedRun();
        calm.throttledSeconds = 0;
        panel.startRun(tightLimits());
        panel.finishRun(calm);
        QVERIFY2(!panel.summary().contains(u"throttled"), qPrintable(panel.summary()));
        // The samples' throttled time stands in when the result has none (the last sample saw 0.9 s).
        panel.startRun(tightLimits());
        run::ResourceSample sample;
        sample.elapsedSeconds = 1.0;
        sample.memoryBytes = 20 * MiB;
        sample.memoryLimitBytes = 256 * MiB;
        sample.throttledSeconds = 0.9;
        panel.addSample(sample);
        panel.finishRun(calm);
        QVERIFY2(panel.summary().contains(u"throttled for 0.90 s of 2.0 s wall"),
                 qPrintable(panel.summary()));
    }

    void aComfortableRunGetsNoSuggestion()
    {
        ui::ResourcePanel panel;
        model::Limits limits;
        panel.startRun(limits);
        model::RunResult result;
        result.status = model::Status::Ok;
        result.durations.runMs = 12000; // 40 % of 30 s
        result.cpuSeconds = 6;          // half a CPU
        result.throttledSeconds = 0;
        result.peakMemoryBytes = 128 * MiB; // half of 256 MiB
        result.peakPids = 50;
        panel.finishRun(result);
        QVERIFY(panel.suggestions().empty());
        QVERIFY(panel.findChild<ui::LimitSuggestionsView*>()->isHidden());
        QVERIFY(panel.summary().contains(u"the limit fits"));
    }

    /// The suggestions read the snippet's earlier runs too: this run passed with headroom, an earlier one
    /// of the same code came near the memory limit.
    void earlierRunsOfTheSnippetCount()
    {
        auto store = history::HistoryStore::open(m_dir.filePath(QStringLiteral("h.sqlite3")).toStdString());
        QVERIFY(store.has_value());
        const auto record = [&](const std::string& id, const std::string& code, std::int64_t peak) {
            model::RunSpec request;
            request.code = code;
            request.limits = model::Limits{};
            model::RunResult result;
            result.runId = id;
            result.status = model::Status::Ok;
            result.durations.runMs = 12000;
            result.cpuSeconds = 6;
            result.peakMemoryBytes = peak;
            QVERIFY(store->record(request, result, "standard", "workbench").has_value());
        };
        record("aaaa0001", "x = bytearray(240 << 20)", 240 * MiB);
        record("aaaa0002", "print('other code')", 250 * MiB);
        record("aaaa0003", "x = bytearray(240 << 20)", 100 * MiB);
        model::RunResult result;
        result.runId = "aaaa0003";
        result.status = model::Status::Ok;
        result.durations.runMs = 12000;
        result.cpuSeconds = 6;
        result.peakMemoryBytes = 100 * MiB;

        ui::ResourcePanel alone;
        alone.startRun(model::Limits{});
        alone.finishRun(result);
        QCOMPARE(alone.suggestion(), 0); // 39 %: this run alone fits

        ui::ResourcePanel panel;
        panel.setHistory(&*store);
        panel.startRun(model::Limits{});
        panel.finishRun(result);
        QCOMPARE(panel.suggestion(), qint64(368 * MiB)); // 240 MiB × 1.5, rounded up to 16 MiB
        const auto* reason = panel.findChild<QLabel*>(QStringLiteral("applySuggestionReason"));
        QVERIFY(reason && reason->text().startsWith(u"Peaked at 240 MiB of 256 MiB"));
    }

    void appliedValuesReachTheLimitsPanel()
    {
        run::Executor executor;
        ui::Settings settings(m_dir.filePath(QStringLiteral("s.ini")));
        ui::MainWindow window(executor, settings);
        auto* limits = window.limitsPanel();
        limits->setLimits(tightLimits());
        QVERIFY(*limits->limits() == tightLimits());
        auto* panel = window.resourcePanel();
        panel->startRun(tightLimits());
        panel->finishRun(strainedRun());
        button(window, LimitField::Cpus, false)->click();
        QCOMPARE(limits->limits()->cpus, 0.4);
        button(window, LimitField::Timeout, false)->click();
        QCOMPARE(limits->limits()->timeoutSeconds, 4.0);
        button(window, LimitField::Pids, false)->click();
        QCOMPARE(limits->limits()->pids, std::int64_t(48));
        button(window, LimitField::Memory, false)->click();
        QCOMPARE(limits->limits()->memoryBytes, 304 * MiB);
        QVERIFY(settings.limits() == *limits->limits()); // stored for the next run
        // Undo one field: only that field goes back.
        button(window, LimitField::Cpus, true)->click();
        QCOMPARE(limits->limits()->cpus, 0.2);
        QCOMPARE(limits->limits()->timeoutSeconds, 4.0);
        QCOMPARE(limits->limits()->memoryBytes, 304 * MiB);
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestLimitSuggestionsGui)
#include "tst_limitsuggestions.moc"
