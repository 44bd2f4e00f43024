// Bringing a past run back from the History panel: its exact limits into the Limits panel (announced,
// undoable, by button, menu and shortcut), its input into the Input panel; and the reason given for
// Run Anyway kept with the run, shown in the History dock and offered again the next time.
#include "agentrun/history/historystore.h"
#include "agentrun/run/executor.h"

#include <optional>

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QInputDialog>
#include <QLineEdit>
#include <QLocale>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include "codeeditor.h"
#include "editortabs.h"
#include "historypanel.h"
#include "limitspanel.h"
#include "mainwindow.h"
#include "runcontroller.h"
#include "runhistorymodel.h"
#include "settings.h"
#include "stdinpanel.h"

using namespace agentrun;

namespace {

const QString BlockedCode = QStringLiteral("import os\nos.system('true')\nprint('ran after all')\n");

model::Limits pastLimits()
{
    model::Limits l;
    l.timeoutSeconds = 12.5;
    l.memoryBytes = 192ll << 20;
    l.memorySwapBytes = 320ll << 20;
    l.cpus = 0.5;
    l.pids = 77;
    l.outputLimitBytes = 64ll << 10;
    l.tmpfsBytes = 32ll << 20;
    l.network = "none";
    l.runtime = "runc";
    return l;
}

void addRun(history::HistoryStore& store, const std::string& id, const model::Limits& limits,
            const std::string& input)
{
    model::RunSpec request;
    request.code = "print(input())\n";
    request.limits = limits;
    request.stdinData = input;
    model::RunResult result;
    result.runId = id;
    result.status = model::Status::Ok;
    result.exitCode = 0;
    history::RecordContext context;
    context.policy = "standard";
    context.source = "cli";
    request.profile = "tight";
    QVERIFY(store.record(request, result, context).has_value());
}

/// What the Run Anyway dialog showed when it was answered.
struct DialogSeen
{
    bool shown = false;
    QString name;
    QStringList offered;
    QString initialText;
    bool okWhenEmpty = true;
    bool okWhenTyped = false;
};

/// Answers the next Run Anyway dialog once it is shown with `reason`, noting what it offered. It never
/// fails inside the dialog (a failed check there would leave the modal dialog open); the test compares
/// afterwards.
void answerReasonDialog(const QString& reason, DialogSeen* seen)
{
    QTimer::singleShot(0, qApp, [reason, seen] {
        auto* dialog = qobject_cast<QInputDialog*>(QApplication::activeModalWidget());
        if (!dialog)
            return;
        seen->shown = true;
        seen->name = dialog->objectName();
        seen->offered = dialog->comboBoxItems();
        seen->initialText = dialog->textValue();
        QPushButton* ok = dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
        seen->okWhenEmpty = ok->isEnabled();
        dialog->setTextValue(reason);
        seen->okWhenTyped = ok->isEnabled();
        dialog->accept();
    });
}

} // namespace

class TestHistoryRestore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void restoreLimitsFromRow();
    void restoredLimitsAreRoundedOnlyWhenTheyMustBe();
    void restoreInputFromRow();
    void runAnywayReasonIsRecordedAndShown();

private:
    QTemporaryDir m_dir;
    run::Executor m_executor;
};

void TestHistoryRestore::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(QLocale::c());
    QVERIFY(m_dir.isValid());
    // The profile directory must not be the user's.
    qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toUtf8());
}

void TestHistoryRestore::restoreLimitsFromRow()
{
    auto store = history::HistoryStore::open(m_dir.filePath(QStringLiteral("restore.sqlite3")).toStdString());
    QVERIFY(store.has_value());
    addRun(*store, "feed0001", pastLimits(), "alpha\nbeta\n");
    ui::Settings settings(m_dir.filePath(QStringLiteral("restore.ini")));
    ui::MainWindow window(m_executor, settings, &*store);
    window.show();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    auto* panel = window.historyPanel();
    QAbstractItemModelTester tester(panel->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto* limits = window.limitsPanel();
    QVERIFY(*limits->limits() == model::Limits{});
    auto* button = panel->findChild<QPushButton*>(QStringLiteral("historyRestoreLimitsButton"));
    auto* undo = window.findChild<QAction*>(QStringLiteral("undoRestoreLimitsAction"));
    QVERIFY(button && undo);
    QVERIFY(!button->isEnabled());
    QVERIFY(!undo->isEnabled());

    panel->selectRow(0);
    QVERIFY(button->isEnabled());
    const QString details =
        panel->findChild<QPlainTextEdit*>(QStringLiteral("historyRunView"))->toPlainText();
    QVERIFY2(details.contains(QStringLiteral("Profile:  tight")), qPrintable(details));
    QVERIFY2(details.contains(QStringLiteral("timeout 12.5 s, memory 192 MiB")), qPrintable(details));
    QTest::mouseClick(button, Qt::LeftButton);

    // The fields say exactly the run's limits, and so do the settings the next run reads.
    QCOMPARE(limits->findChild<QDoubleSpinBox*>(QStringLiteral("timeoutLimitSpin"))->value(), 12.5);
    QCOMPARE(limits->findChild<QSpinBox*>(QStringLiteral("memoryLimitSpin"))->value(), 192);
    QCOMPARE(limits->findChild<QSpinBox*>(QStringLiteral("swapLimitSpin"))->value(), 128);
    QCOMPARE(limits->findChild<QDoubleSpinBox*>(QStringLiteral("cpusLimitSpin"))->value(), 0.5);
    QCOMPARE(limits->findChild<QSpinBox*>(QStringLiteral("pidsLimitSpin"))->value(), 77);
    QCOMPARE(limits->findChild<QLineEdit*>(QStringLiteral("outputLimitEdit"))->text(), QStringLiteral("64k"));
    QCOMPARE(limits->findChild<QLineEdit*>(QStringLiteral("tmpfsLimitEdit"))->text(), QStringLiteral("32m"));
    QVERIFY(*limits->limits() == pastLimits());
    QVERIFY(settings.limits() == pastLimits());
    const QString said = window.statusBar()->currentMessage();
    QVERIFY2(said.startsWith(QStringLiteral("Limits of run feed0001 restored: 12.5 s, 192 MiB, 0.5 CPUs")),
             qPrintable(said));
    QVERIFY2(said.contains(QStringLiteral("Undo Restore Limits")), qPrintable(said));
    QVERIFY(!said.contains(QStringLiteral("Rounded")));

    // Undo puts back what the panel showed before.
    QVERIFY(undo->isEnabled());
    undo->trigger();
    QVERIFY(*limits->limits() == model::Limits{});
    QVERIFY(settings.limits() == model::Limits{});
    QVERIFY(!undo->isEnabled());
    QCOMPARE(window.statusBar()->currentMessage(),
             QStringLiteral("Limits from before restoring run feed0001 are back."));

    // The same from the keyboard (History ▸ Restore Limits, Ctrl+Shift+R), wherever the focus is.
    window.editorTabs()->currentEditor()->setFocus();
    QCOMPARE(panel->restoreLimitsAction()->shortcut(), QKeySequence(QStringLiteral("Ctrl+Shift+R")));
    QTest::keyClick(&window, Qt::Key_R, Qt::ControlModifier | Qt::ShiftModifier);
    QVERIFY(*limits->limits() == pastLimits());
    QTest::keyClick(&window, Qt::Key_Z, Qt::ControlModifier | Qt::AltModifier);
    QVERIFY(*limits->limits() == model::Limits{});

    // Every row action is in the History menu.
    QMenu* menu = window.findChild<QMenu*>(QStringLiteral("historyMenu"));
    QVERIFY(menu);
    QVERIFY(window.menuBar()->actions().contains(menu->menuAction()));
    for (QAction* action : {panel->openAction(), panel->restoreLimitsAction(), panel->restoreInputAction(),
                            panel->runAgainAction(), panel->exportAction(), undo})
        QVERIFY2(menu->actions().contains(action), qPrintable(action->objectName()));
}

void TestHistoryRestore::restoredLimitsAreRoundedOnlyWhenTheyMustBe()
{
    auto store = history::HistoryStore::open(m_dir.filePath(QStringLiteral("round.sqlite3")).toStdString());
    QVERIFY(store.has_value());
    model::Limits odd = pastLimits();
    odd.timeoutSeconds = 2.25;         // the field shows tenths
    odd.memoryBytes = 200000ll * 1024; // not a whole MiB (agentrun run --memory 200000k)
    odd.memorySwapBytes = odd.memoryBytes;
    addRun(*store, "feed0002", odd, {});
    ui::Settings settings(m_dir.filePath(QStringLiteral("round.ini")));
    ui::MainWindow window(m_executor, settings, &*store);
    window.historyPanel()->selectRow(0);
    window.historyPanel()->restoreLimitsAction()->trigger();
    const QString said = window.statusBar()->currentMessage();
    QVERIFY2(said.contains(QStringLiteral("Rounded to what the panel can show: timeout, memory, swap.")),
             qPrintable(said));
    const auto shown = window.limitsPanel()->limits();
    QVERIFY(shown.has_value());
    QCOMPARE(shown->pids, odd.pids);
    QCOMPARE(shown->memoryBytes, 195ll << 20);
}

void TestHistoryRestore::restoreInputFromRow()
{
    auto store = history::HistoryStore::open(m_dir.filePath(QStringLiteral("input.sqlite3")).toStdString());
    QVERIFY(store.has_value());
    addRun(*store, "feed0003", pastLimits(), {});
    addRun(*store, "feed0004", pastLimits(), "alpha\nbeta\n");
    ui::Settings settings(m_dir.filePath(QStringLiteral("input.ini")));
    ui::MainWindow window(m_executor, settings, &*store);
    auto* panel = window.historyPanel();
    panel->selectRow(1); // feed0003 read nothing
    QVERIFY(!panel->restoreInputAction()->isEnabled());
    panel->selectRow(0);
    QVERIFY(panel->restoreInputAction()->isEnabled());
    panel->restoreInputAction()->trigger();
    QCOMPARE(window.stdinPanel()->text(), QStringLiteral("alpha\nbeta\n"));
    QCOMPARE(*window.stdinPanel()->data(), std::string("alpha\nbeta\n"));
    QVERIFY2(
        window.statusBar()->currentMessage().startsWith(QStringLiteral("Input of run feed0004 restored")),
        qPrintable(window.statusBar()->currentMessage()));
}

void TestHistoryRestore::runAnywayReasonIsRecordedAndShown()
{
    if (const auto ping = m_executor.ping(); !ping)
        QFAIL(qPrintable(QStringLiteral("The Docker engine or the sandbox image is not available: ") +
                         QString::fromStdString(ping.error().message)));
    auto store = history::HistoryStore::open(m_dir.filePath(QStringLiteral("anyway.sqlite3")).toStdString());
    QVERIFY(store.has_value());
    ui::Settings settings(m_dir.filePath(QStringLiteral("anyway.ini")));
    ui::MainWindow window(m_executor, settings, &*store);
    QSignalSpy finished(window.runController(), &ui::RunController::finished);
    window.editorTabs()->currentEditor()->setText(BlockedCode);
    QVERIFY(window.runCurrent());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
    QVERIFY(finished.at(0).at(0).value<model::RunResult>().status == model::Status::Blocked);

    const QString reason = QStringLiteral("reviewed: it only runs true");
    DialogSeen seen;
    answerReasonDialog(reason, &seen);
    QVERIFY(window.runAnyway());
    QVERIFY(seen.shown);
    QCOMPARE(seen.name, QStringLiteral("overrideReasonDialog"));
    QCOMPARE(seen.offered, QStringList()); // nothing given before: a plain field
    QCOMPARE(seen.initialText, QString());
    QVERIFY(!seen.okWhenEmpty); // no reason, no run
    QVERIFY(seen.okWhenTyped);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 30000);
    const auto result = finished.at(1).at(0).value<model::RunResult>();
    QVERIFY2(result.status == model::Status::Ok, result.message.c_str());

    // Kept with the run.
    auto record = store->get(result.runId);
    QVERIFY(record.has_value());
    QVERIFY(record->checkSkipped);
    QCOMPARE(QString::fromStdString(record->overrideReason), reason);
    QCOMPARE(record->source, std::string("workbench"));
    QCOMPARE(record->profile, std::string("default"));
    QVERIFY(!record->findings.empty()); // what the check said is kept for the review

    // Shown in the History dock: a column, the details, and the Check overridden filter.
    auto* panel = window.historyPanel();
    auto* model = panel->model();
    QCOMPARE(model->rowCount(), 2);
    QCOMPARE(model->index(0, ui::RunHistoryModel::OverrideColumn).data().toString(), reason);
    QVERIFY(model->index(0, 0).data(ui::RunHistoryModel::OverriddenRole).toBool());
    QCOMPARE(model->index(1, ui::RunHistoryModel::OverrideColumn).data().toString(), QString());
    panel->selectRow(0);
    const QString details =
        panel->findChild<QPlainTextEdit*>(QStringLiteral("historyRunView"))->toPlainText();
    QVERIFY2(details.contains(u"Check:    overridden (Run Anyway), reason: " + reason), qPrintable(details));
    const QString findings =
        panel->findChild<QPlainTextEdit*>(QStringLiteral("historyFindingsView"))->toPlainText();
    QVERIFY2(findings.startsWith(u"Check overridden, reason: " + reason + u"\n"), qPrintable(findings));
    QVERIFY2(findings.contains(QStringLiteral("process-exec")), qPrintable(findings));
    auto* filter = panel->findChild<QComboBox*>(QStringLiteral("historyFilterCombo"));
    filter->setCurrentIndex(filter->findData(int(ui::RunHistoryModel::Filter::Overridden)));
    QCOMPARE(model->rowCount(), 1);
    QCOMPARE(model->index(0, 0).data(ui::RunHistoryModel::RunIdRole).toString(),
             QString::fromStdString(result.runId));
    filter->setCurrentIndex(filter->findData(int(ui::RunHistoryModel::Filter::Blocked)));
    QCOMPARE(model->rowCount(), 1);

    // The next override offers the reason given before, and an empty answer runs nothing.
    QVERIFY(window.runCurrent());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 3, 30000);
    seen = {};
    answerReasonDialog(reason, &seen);
    QVERIFY(window.runAnyway());
    QVERIFY(seen.shown);
    QCOMPARE(seen.offered, QStringList{reason});
    QCOMPARE(seen.initialText, QString()); // starts empty: each override is a choice
    QVERIFY(!seen.okWhenEmpty);
    QVERIFY(seen.okWhenTyped);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 4, 30000);
    auto reasons = store->recentOverrideReasons();
    QVERIFY(reasons.has_value());
    QCOMPARE(reasons->size(), std::size_t{1});
}

QTEST_MAIN(TestHistoryRestore)
#include "tst_historyrestore.moc"
