// The resource chart and the session's run history: fed by samples and results, and by a real run.
#include "agentrun/run/executor.h"

#include <QLocale>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QPushButton>
#include <QTest>

#include "codeeditor.h"
#include "editortabs.h"
#include "historypanel.h"
#include "labels.h"
#include "mainwindow.h"
#include "resourcepanel.h"
#include "runcontroller.h"
#include "settings.h"

using namespace agentrun;

class TestResources : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void chartSummary();
    void suggestedLimit_data();
    void suggestedLimit();
    void realRunFeedsChart();
    void shortRunsAreSummedUpInWords();
    void eachLimitHasItsLine();
    void aFittingLimitIsLeftAlone();
};

void TestResources::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(QLocale::c());
}

void TestResources::chartSummary()
{
    ui::ResourcePanel panel;
    panel.startRun(100ll << 20);
    for (int i = 1; i <= 5; ++i) {
        run::ResourceSample s;
        s.elapsedSeconds = i * 0.2;
        s.memoryBytes = qint64(i) * (83ll << 20) / 5;
        s.memoryLimitBytes = 100ll << 20;
        s.cpuPercent = 50;
        panel.addSample(s);
    }
    QCOMPARE(panel.sampleCount(), 5);
    model::RunResult result;
    result.status = model::Status::Ok;
    result.peakMemoryBytes = 83ll << 20;
    panel.finishRun(result);
    QVERIFY2(panel.summary().startsWith(QStringLiteral("Peaked at 83.0 MiB of 100.0 MiB (83%)")),
             qPrintable(panel.summary()));
    QVERIFY2(panel.summary().contains(QStringLiteral("suggested limit: 128.0 MiB")),
             qPrintable(panel.summary()));
}

void TestResources::suggestedLimit_data()
{
    QTest::addColumn<qint64>("peak");
    QTest::addColumn<qint64>("expected");
    QTest::newRow("tiny") << qint64(1) << (16ll << 20);
    QTest::newRow("10 MiB") << (10ll << 20) << (16ll << 20);
    QTest::newRow("83 MiB") << (83ll << 20) << (128ll << 20);
    QTest::newRow("200 MiB") << (200ll << 20) << (304ll << 20);
}

void TestResources::suggestedLimit()
{
    QFETCH(qint64, peak);
    QFETCH(qint64, expected);
    QCOMPARE(ui::ResourcePanel::suggestedLimit(peak), expected);
}

void TestResources::realRunFeedsChart()
{
    run::Executor executor;
    if (const auto ping = executor.ping(); !ping)
        QFAIL(qPrintable(QStringLiteral("The Docker engine or the sandbox image is not available: ") +
                         QString::fromStdString(ping.error().message)));
    QTemporaryDir dir;
    ui::Settings settings(dir.filePath(QStringLiteral("s.ini")));
    ui::MainWindow window(executor, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* controller = window.runController();
    QSignalSpy samples(controller, &ui::RunController::resourceSample);
    QSignalSpy finished(controller, &ui::RunController::finished);
    window.editorTabs()->currentEditor()->setText(QStringLiteral(
        "import time\nblock = bytearray(48 * 1024 * 1024)\nblock[::4096] = b'x' * len(block[::4096])\n"
        "time.sleep(2)\nprint(len(block))\n"));
    QVERIFY(window.runCurrent());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
    const auto result = finished.at(0).at(0).value<model::RunResult>();
    QVERIFY2(result.status == model::Status::Ok, qPrintable(QString::fromStdString(result.message)));
    QVERIFY2(result.peakMemoryBytes > (40ll << 20), qPrintable(ui::sizeLabel(result.peakMemoryBytes)));

    QVERIFY2(window.resourcePanel()->summary().startsWith(QStringLiteral("Peaked at")),
             qPrintable(window.resourcePanel()->summary()));
    qInfo("resource samples during a 2 s run: %lld, peak %s", qint64(samples.size()),
          qPrintable(ui::sizeLabel(result.peakMemoryBytes)));
    // One-shot answers every 200 ms (the engine's stream answered once a second): a 2 s run has a curve.
    QVERIFY2(samples.size() >= ui::ResourcePanel::CurveSamples, qPrintable(QString::number(samples.size())));
    QCOMPARE(window.resourcePanel()->sampleCount(), int(samples.size()));
}

namespace {

QLineSeries* seriesNamed(ui::ResourcePanel& panel, const QString& name)
{
    for (QAbstractSeries* series : panel.findChild<QChartView*>()->chart()->series())
        if (series->name() == name)
            return qobject_cast<QLineSeries*>(series);
    return nullptr;
}

} // namespace

void TestResources::shortRunsAreSummedUpInWords()
{
    ui::ResourcePanel panel;
    model::Limits limits;
    limits.memoryBytes = 256ll << 20;
    panel.startRun(limits);
    run::ResourceSample s;
    s.elapsedSeconds = 0.35;
    s.memoryBytes = 120ll << 20;
    s.memoryLimitBytes = limits.memoryBytes;
    panel.addSample(s);
    model::RunResult result;
    result.status = model::Status::OutOfMemory;
    result.peakMemoryBytes = 256ll << 20;
    result.durations.runMs = 816;
    result.cpuSeconds = 0.408;
    panel.finishRun(result);
    const QString summary = panel.summary();
    QVERIFY2(summary.startsWith(
                 QStringLiteral("Too short for a curve (816 ms): peaked at 256.0 MiB of 256.0 MiB (100%)")),
             qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("CPU time 408 ms in 816 ms wall (50% of one CPU)")),
             qPrintable(summary));
    // The final peak is on the chart even though no sample saw it.
    QLineSeries* memory = seriesNamed(panel, QStringLiteral("Memory (MiB)"));
    QVERIFY(memory);
    QCOMPARE(memory->count(), 2);
    QCOMPARE(memory->at(1), QPointF(0.816, 256.0));
    // Out of memory: the suggestion doubles the limit, one click applies it, one undoes it.
    QCOMPARE(panel.suggestion(), 512ll << 20);
    QSignalSpy chosen(&panel, &ui::ResourcePanel::memoryLimitChosen);
    auto* apply = panel.findChild<QPushButton*>(QStringLiteral("applySuggestionButton"));
    QVERIFY(apply && !apply->isHidden());
    QCOMPARE(apply->text(), QStringLiteral("Apply 512.0 MiB"));
    apply->click();
    auto* undo = panel.findChild<QPushButton*>(QStringLiteral("undoSuggestionButton"));
    QVERIFY(undo && !undo->isHidden());
    undo->click();
    QCOMPARE(chosen.size(), 2);
    QCOMPARE(chosen.at(0).at(0).toLongLong(), 512ll << 20);
    QCOMPARE(chosen.at(1).at(0).toLongLong(), 256ll << 20);
}

void TestResources::eachLimitHasItsLine()
{
    ui::ResourcePanel panel;
    model::Limits limits;
    limits.cpus = 0.5;
    limits.timeoutSeconds = 2;
    panel.startRun(limits);
    for (int i = 1; i <= 8; ++i) {
        run::ResourceSample s;
        s.elapsedSeconds = i * 0.25;
        s.memoryBytes = 20ll << 20;
        s.memoryLimitBytes = limits.memoryBytes;
        s.cpuPercent = 50;
        panel.addSample(s);
    }
    QLineSeries* cpuLimit = seriesNamed(panel, QStringLiteral("CPU limit"));
    QVERIFY(cpuLimit);
    QCOMPARE(cpuLimit->at(0).y(), 50.0);
    QCOMPARE(cpuLimit->at(1), QPointF(2.0, 50.0));
    model::RunResult result;
    result.status = model::Status::Timeout;
    result.peakMemoryBytes = 20ll << 20;
    result.durations.runMs = 2000;
    result.cpuSeconds = 1.0;
    panel.finishRun(result);
    QLineSeries* timeout = seriesNamed(panel, QStringLiteral("Timeout"));
    QVERIFY(timeout);
    QCOMPARE(timeout->count(), 2);
    QCOMPARE(timeout->at(0).x(), 2.0);
    QVERIFY2(panel.summary().contains(QStringLiteral("held at its CPU limit of 0.5")),
             qPrintable(panel.summary()));
}

void TestResources::aFittingLimitIsLeftAlone()
{
    ui::ResourcePanel panel;
    panel.startRun(100ll << 20);
    model::RunResult result;
    result.status = model::Status::Ok;
    result.peakMemoryBytes = 60ll << 20; // 60 %: neither close to the limit nor far below it
    result.durations.runMs = 300;
    panel.finishRun(result);
    QCOMPARE(panel.suggestion(), 0);
    QVERIFY(panel.summary().contains(QStringLiteral("the limit fits")));
    // No memory suggestion, no memory button (each suggestion brings its own Apply and Undo).
    const auto* apply = panel.findChild<QPushButton*>(QStringLiteral("applySuggestionButton"));
    QVERIFY(!apply || apply->isHidden());
}

QTEST_MAIN(TestResources)
#include "tst_resources.moc"
