// How a run ended, at a glance (issue 23): the words and tone of each status, the limit that ended a run
// named with its value and marked in the Limits panel, every finding that blocked, hints for a missing
// package and for no network, the colours' contrast, and through the real window and engine: an
// out-of-memory run's red line in the console, the memory field marked, the tab's dot.
#include "agentrun/run/executor.h"

#include <QApplication>
#include <QLabel>
#include <QLocale>
#include <QSignalSpy>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>

#include "codeeditor.h"
#include "consolepanel.h"
#include "editortabs.h"
#include "limitspanel.h"
#include "mainwindow.h"
#include "outcome.h"
#include "outputconsole.h"
#include "runcontroller.h"
#include "settings.h"

using namespace agentrun;
using Tone = ui::Outcome::Tone;

namespace {

constexpr int RunWaitMs = 120000; // a busy two-core machine runs other suites beside this one

double luminance(const QColor& color)
{
    const auto channel = [](double c) {
        return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) +
           0.0722 * channel(color.blueF());
}

double contrastOnWhite(const QColor& color)
{
    return 1.05 / (luminance(color) + 0.05);
}

model::RunResult result(model::Status status)
{
    model::RunResult r;
    r.status = status;
    r.exitCode = status == model::Status::Ok ? 0 : 1;
    return r;
}

} // namespace

class TestOutcomes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
    }

    void eachStatusHasItsTone()
    {
        const model::Limits limits;
        QVERIFY(ui::describeOutcome(result(model::Status::Ok), limits).tone == Tone::Good);
        QVERIFY(ui::describeOutcome(result(model::Status::Blocked), limits).tone == Tone::Warning);
        QVERIFY(ui::describeOutcome(result(model::Status::Cancelled), limits).tone == Tone::Warning);
        for (auto status : {model::Status::Exception, model::Status::Timeout, model::Status::OutOfMemory,
                            model::Status::OutputLimit, model::Status::Killed, model::Status::EngineError,
                            model::Status::InstallFailed, model::Status::DependencyRejected})
            QVERIFY(ui::describeOutcome(result(status), limits).tone == Tone::Bad);
    }

    void theLimitReachedIsNamedWithItsValue()
    {
        model::Limits limits;
        limits.memoryBytes = 64ll << 20;
        limits.timeoutSeconds = 5;
        limits.outputLimitBytes = 4096;
        auto oom = ui::describeOutcome(result(model::Status::OutOfMemory), limits);
        QCOMPARE(oom.limitField, QStringLiteral("memory"));
        QVERIFY2(oom.line.contains(QStringLiteral("memory limit of 64.0 MiB reached")), qPrintable(oom.line));
        auto timeout = ui::describeOutcome(result(model::Status::Timeout), limits);
        QCOMPARE(timeout.limitField, QStringLiteral("timeout"));
        QVERIFY2(timeout.line.contains(QStringLiteral("timeout of 5.00 s reached")),
                 qPrintable(timeout.line));
        auto output = ui::describeOutcome(result(model::Status::OutputLimit), limits);
        QCOMPARE(output.limitField, QStringLiteral("output_limit"));
        QVERIFY(ui::describeOutcome(result(model::Status::Exception), limits).limitField.isEmpty());
    }

    void everyBlockingFindingIsListed()
    {
        auto blocked = result(model::Status::Blocked);
        blocked.findings = {{"process-exec", safety::Severity::Block, 2, 1, 2, 10, "os.system", ""},
                            {"dynamic-code", safety::Severity::Block, 5, 1, 5, 8, "eval", ""},
                            {"network", safety::Severity::Warn, 7, 1, 7, 4, "socket", ""}};
        const auto outcome = ui::describeOutcome(blocked, {});
        QVERIFY2(
            outcome.line.contains(QStringLiteral("blocked by process-exec (line 2), dynamic-code (line 5)")),
            qPrintable(outcome.line));
        QVERIFY(!outcome.line.contains(QStringLiteral("network")));
    }

    void hintsPointAtThePanelThatChangesIt()
    {
        auto missing = result(model::Status::Exception);
        missing.stderrData = "Traceback (most recent call last):\n  File \"<run>\", line 1\n"
                             "ModuleNotFoundError: No module named 'requests.adapters'\n";
        auto hints = ui::describeOutcome(missing, {}).hints;
        QCOMPARE(hints.size(), 1);
        QVERIFY2(hints.front().contains(QStringLiteral("“requests”")) &&
                     hints.front().contains(QStringLiteral("Dependencies panel")),
                 qPrintable(hints.front()));

        auto offline = result(model::Status::Exception);
        offline.stderrData = "socket.gaierror: [Errno -3] Temporary failure in name resolution\n";
        hints = ui::describeOutcome(offline, {}).hints;
        QCOMPARE(hints.size(), 1);
        QVERIFY(hints.front().contains(QStringLiteral("no network")));
        model::Limits bridged;
        bridged.network = "bridge";
        QVERIFY(ui::describeOutcome(offline, bridged).hints.isEmpty()); // not the cause there
        QVERIFY(ui::describeOutcome(result(model::Status::Ok), {}).hints.isEmpty());
    }

    void tonesAndRunnerLinesReachWcagAA()
    {
        for (Tone tone : {Tone::Good, Tone::Warning, Tone::Bad})
            QVERIFY2(contrastOnWhite(ui::toneColor(tone)) >= 4.5,
                     qPrintable(ui::toneColor(tone).name() + u" " +
                                QString::number(contrastOnWhite(ui::toneColor(tone)))));
        // The console's runner lines (its own grey): read from a rendered line's format.
        ui::OutputConsole console;
        console.appendStage(QStringLiteral("— running"));
        console.appendOutcome(QStringLiteral("— finished: out_of_memory"), Tone::Bad);
        QTRY_COMPARE(console.document()->blockCount() >= 2, true);
        const QColor stage = console.document()->begin().begin().fragment().charFormat().foreground().color();
        QVERIFY2(contrastOnWhite(stage) >= 4.5, qPrintable(stage.name()));
        const QColor bad =
            console.document()->begin().next().begin().fragment().charFormat().foreground().color();
        QCOMPARE(bad, ui::toneColor(Tone::Bad));
    }

    void anOutOfMemoryRunIsRedAndMarksTheMemoryField()
    {
        auto config = run::configFromEnvironment();
        config.poolSize = 0;
        run::Executor executor(config);
        if (auto ping = executor.ping(); !ping)
            QSKIP("no engine");
        ui::Settings settings(m_dir.filePath(QStringLiteral("oom.ini")));
        model::Limits limits;
        limits.memoryBytes = 64ll << 20;
        limits.memorySwapBytes = 64ll << 20;
        limits.tmpfsBytes = 16ll << 20;
        settings.setLimits(limits);
        ui::MainWindow window(executor, settings);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ui::CodeEditor* editor = window.editorTabs()->currentEditor();
        editor->setText(QStringLiteral("blocks = []\nwhile True:\n    blocks.append(bytearray(8 << 20))\n"));
        QSignalSpy finished(window.runController(), &ui::RunController::finished);
        QVERIFY(window.runCurrent());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, RunWaitMs);
        QVERIFY(finished.front().front().value<model::RunResult>().status == model::Status::OutOfMemory);

        auto* status = window.findChild<QLabel*>(QStringLiteral("runStatusLabel"));
        QVERIFY2(status->text().contains(QStringLiteral("memory limit of 64.0 MiB reached")),
                 qPrintable(status->text()));
        QVERIFY(status->styleSheet().contains(ui::toneColor(Tone::Bad).name()));
        auto* limitsPanel = window.findChild<ui::LimitsPanel*>();
        QVERIFY(limitsPanel);
        QVERIFY(limitsPanel->reachedField());
        QVERIFY(qobject_cast<QSpinBox*>(limitsPanel->reachedField())); // the memory field (MiB)
        QVERIFY(!window.editorTabs()->tabIcon(window.editorTabs()->indexOf(editor)).isNull());

        ui::OutputConsole* console = window.findChild<ui::OutputConsole*>();
        QTRY_VERIFY_WITH_TIMEOUT(
            console->toPlainText().contains(QStringLiteral("memory limit of 64.0 MiB reached")), 10000);
        QTextBlock last = console->document()->lastBlock();
        while (last.isValid() && !last.text().contains(QStringLiteral("finished:")))
            last = last.previous();
        QVERIFY(last.isValid());
        QCOMPARE(last.begin().fragment().charFormat().foreground().color(), ui::toneColor(Tone::Bad));

        // The Resources panel offers a limit that fits; Apply sets it in the Limits panel for the next run.
        auto* apply = window.findChild<QPushButton*>(QStringLiteral("applySuggestionButton"));
        QVERIFY(apply && !apply->isHidden());
        apply->click();
        QCOMPARE(limitsPanel->limits()->memoryBytes, 128ll << 20);

        // The next run clears the mark.
        editor->setText(QStringLiteral("print('fine')\n"));
        QVERIFY(window.runCurrent());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, RunWaitMs);
        QVERIFY(!limitsPanel->reachedField());
        QVERIFY(status->styleSheet().contains(ui::toneColor(Tone::Good).name()));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestOutcomes)
#include "tst_outcomes.moc"
