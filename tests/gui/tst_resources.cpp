// The resource chart and the session's run history: fed by samples and results, and by a real run.
#include "agentrun/run/executor.h"

#include <QLocale>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
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
    QVERIFY(samples.size() >= 1);
    QCOMPARE(window.resourcePanel()->sampleCount(), int(samples.size()));
}

QTEST_MAIN(TestResources)
#include "tst_resources.moc"
