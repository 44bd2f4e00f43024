// The Policy panel: presets, the rule table with its severity editor, and the edited policy being what
// the live check and Run use; "Run anyway" offered only when the policy permits it, with a reason.
#include "agentrun/run/executor.h"
#include "agentrun/safety/policy.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QInputDialog>
#include <QLabel>
#include <QLocale>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include "codeeditor.h"
#include "editortabs.h"
#include "labels.h"
#include "livechecker.h"
#include "mainwindow.h"
#include "outputconsole.h"
#include "policypanel.h"
#include "policyrulemodel.h"
#include "runcontroller.h"
#include "settings.h"

using namespace agentrun;

namespace {

const QString BlockedCode = QStringLiteral("import os\nos.system('true')\nprint('ran after all')\n");

bool hasRule(const safety::Report& report, const std::string& rule)
{
    for (const auto& f : report.findings)
        if (f.rule == rule)
            return true;
    return false;
}

// Answers the next QInputDialog with `text` (or cancels it when empty), once it is shown.
void answerNextInputDialog(const QString& text)
{
    QTimer::singleShot(0, qApp, [text] {
        auto* dialog = qobject_cast<QInputDialog*>(QApplication::activeModalWidget());
        QVERIFY(dialog);
        if (text.isEmpty()) {
            dialog->reject();
            return;
        }
        dialog->setTextValue(text);
        dialog->accept();
    });
}

} // namespace

class TestPolicy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void ruleModel();
    void presetsAndSeverityEditor();
    void editedPolicyDrivesLiveCheck();
    void runAnywayWithReason();
    void strictOffersNoOverride();
    void editedPolicyDrivesRun();

private:
    QTemporaryDir m_dir;
    run::Executor m_executor;
};

void TestPolicy::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(QLocale::c());
    QVERIFY(m_dir.isValid());
}

void TestPolicy::ruleModel()
{
    ui::PolicyRuleModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const auto catalogue = safety::ruleCatalogue();
    QCOMPARE(model.rowCount(), int(catalogue.size()));
    QCOMPARE(model.index(0, ui::PolicyRuleModel::IdColumn).data().toString(),
             QString::fromStdString(catalogue.front().id));
    const int row = model.rowOf(QStringLiteral("process-exec"));
    QVERIFY(row >= 0);
    const QModelIndex severity = model.index(row, ui::PolicyRuleModel::SeverityColumn);
    QCOMPARE(severity.data().toString(), QStringLiteral("block"));
    QVERIFY(severity.flags() & Qt::ItemIsEditable);
    QVERIFY(!(model.index(row, ui::PolicyRuleModel::IdColumn).flags() & Qt::ItemIsEditable));
    QSignalSpy edited(&model, &ui::PolicyRuleModel::policyEdited);
    QVERIFY(!model.setData(severity, QStringLiteral("fatal")));
    QCOMPARE(edited.size(), 0);
    QVERIFY(model.setData(severity, QStringLiteral("warn")));
    QCOMPARE(model.policy().ruleLevel("process-exec"), std::optional(safety::Severity::Warn));
    QVERIFY(model.setData(severity, QStringLiteral("off")));
    QCOMPARE(model.policy().ruleLevel("process-exec"), safety::Policy::RuleLevel());
    QCOMPARE(severity.data().toString(), QStringLiteral("off"));
    QCOMPARE(edited.size(), 2);
}

void TestPolicy::presetsAndSeverityEditor()
{
    ui::PolicyPanel panel;
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QCOMPARE(panel.source(), QStringLiteral("standard"));
    QVERIFY(panel.policy()->allowsOverride());
    QSignalSpy changed(&panel, &ui::PolicyPanel::policyChanged);
    QSignalSpy error(&panel, &ui::PolicyPanel::loadError);
    QVERIFY(panel.setSource(QStringLiteral("strict")));
    QCOMPARE(changed.size(), 1);
    QVERIFY(!panel.policy()->allowsOverride());
    QCOMPARE(panel.findChild<QComboBox*>(QStringLiteral("policyPresetCombo"))->currentText(),
             QStringLiteral("strict"));
    QVERIFY(!panel.setSource(m_dir.filePath(QStringLiteral("missing.json"))));
    QCOMPARE(error.size(), 1);
    QCOMPARE(panel.source(), QStringLiteral("strict"));

    // Select a rule: its explanation is shown. Edit its severity with the combo delegate.
    auto* view = panel.findChild<QTableView*>(QStringLiteral("policyRuleView"));
    const int row = panel.ruleModel()->rowOf(QStringLiteral("process-exec"));
    view->setCurrentIndex(panel.ruleModel()->index(row, 0));
    QVERIFY(panel.findChild<QLabel*>(QStringLiteral("policyExplanationLabel"))
                ->text()
                .contains(QStringLiteral("Starting programs or shells")));
    const QModelIndex severity = panel.ruleModel()->index(row, ui::PolicyRuleModel::SeverityColumn);
    view->setCurrentIndex(severity);
    view->edit(severity);
    auto* combo = view->findChild<QComboBox*>(QStringLiteral("severityEditor"));
    QVERIFY(combo);
    QCOMPARE(combo->currentText(), QStringLiteral("block"));
    combo->setCurrentText(QStringLiteral("info"));
    Q_EMIT combo->activated(combo->currentIndex());
    QCOMPARE(panel.policy()->ruleLevel("process-exec"), std::optional(safety::Severity::Info));
    QVERIFY(panel.isEdited());
    QCOMPARE(panel.label(), QStringLiteral("strict (edited)"));
    QCOMPARE(changed.size(), 2);
}

void TestPolicy::editedPolicyDrivesLiveCheck()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("live.ini")));
    ui::MainWindow window(m_executor, settings);
    QSignalSpy reports(window.liveChecker(), &ui::LiveChecker::reportReady);
    window.editorTabs()->currentEditor()->setText(BlockedCode);
    QTRY_VERIFY(!reports.isEmpty());
    QVERIFY(hasRule(reports.last().at(0).value<safety::Report>(), "process-exec"));
    QVERIFY(!reports.last().at(0).value<safety::Report>().allowed);

    auto* model = window.policyPanel()->ruleModel();
    reports.clear();
    QVERIFY(model->setData(
        model->index(model->rowOf(QStringLiteral("process-exec")), ui::PolicyRuleModel::SeverityColumn),
        QStringLiteral("off")));
    QCOMPARE(window.liveChecker()->policyName(), QStringLiteral("standard (edited)"));
    QTRY_VERIFY(!reports.isEmpty());
    QVERIFY(!hasRule(reports.last().at(0).value<safety::Report>(), "process-exec"));
}

void TestPolicy::runAnywayWithReason()
{
    if (const auto ping = m_executor.ping(); !ping)
        QFAIL(qPrintable(QStringLiteral("The Docker engine or the sandbox image is not available: ") +
                         QString::fromStdString(ping.error().message)));
    ui::Settings settings(m_dir.filePath(QStringLiteral("anyway.ini")));
    ui::MainWindow window(m_executor, settings);
    auto* controller = window.runController();
    auto* console = window.findChild<ui::OutputConsole*>(QStringLiteral("outputConsole"));
    auto* anyway = window.findChild<QAction*>(QStringLiteral("runAnywayAction"));
    QVERIFY(console && anyway);
    QVERIFY(!anyway->isEnabled());
    QSignalSpy finished(controller, &ui::RunController::finished);
    window.editorTabs()->currentEditor()->setText(BlockedCode);
    QVERIFY(window.runCurrent());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
    QCOMPARE(ui::statusName(finished.at(0).at(0).value<model::RunResult>().status),
             QStringLiteral("blocked"));
    QVERIFY(anyway->isEnabled());
    QTRY_VERIFY(console->toPlainText().contains(QStringLiteral("lets you run it anyway")));

    // Cancelling the reason dialog runs nothing.
    answerNextInputDialog({});
    QVERIFY(!window.runAnyway());
    QVERIFY(!controller->isRunning());

    answerNextInputDialog(QStringLiteral("reviewed: it only runs true"));
    QVERIFY(window.runAnyway());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 30000);
    const auto result = finished.at(1).at(0).value<model::RunResult>();
    QVERIFY2(result.status == model::Status::Ok, qPrintable(QString::fromStdString(result.message)));
    QCOMPARE(QString::fromStdString(result.stdoutData), QStringLiteral("ran after all\n"));
    QTRY_VERIFY2(console->toPlainText().contains(QStringLiteral(
                     "— check overridden (standard policy), reason: reviewed: it only runs true")),
                 qPrintable(console->toPlainText()));
    QVERIFY(!anyway->isEnabled());
}

void TestPolicy::strictOffersNoOverride()
{
    if (const auto ping = m_executor.ping(); !ping)
        QFAIL(qPrintable(QStringLiteral("The Docker engine or the sandbox image is not available: ") +
                         QString::fromStdString(ping.error().message)));
    ui::Settings settings(m_dir.filePath(QStringLiteral("strict.ini")));
    ui::MainWindow window(m_executor, settings);
    QVERIFY(window.policyPanel()->setSource(QStringLiteral("strict")));
    QSignalSpy finished(window.runController(), &ui::RunController::finished);
    window.editorTabs()->currentEditor()->setText(BlockedCode);
    QVERIFY(window.runCurrent());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
    QCOMPARE(ui::statusName(finished.at(0).at(0).value<model::RunResult>().status),
             QStringLiteral("blocked"));
    QVERIFY(!window.findChild<QAction*>(QStringLiteral("runAnywayAction"))->isEnabled());
    QVERIFY(!window.runAnyway());
    QTRY_VERIFY(window.findChild<ui::OutputConsole*>(QStringLiteral("outputConsole"))
                    ->toPlainText()
                    .contains(QStringLiteral("the strict policy does not allow running blocked code")));
}

void TestPolicy::editedPolicyDrivesRun()
{
    if (const auto ping = m_executor.ping(); !ping)
        QFAIL(qPrintable(QStringLiteral("The Docker engine or the sandbox image is not available: ") +
                         QString::fromStdString(ping.error().message)));
    ui::Settings settings(m_dir.filePath(QStringLiteral("edited.ini")));
    ui::MainWindow window(m_executor, settings);
    auto* model = window.policyPanel()->ruleModel();
    QVERIFY(model->setData(
        model->index(model->rowOf(QStringLiteral("process-exec")), ui::PolicyRuleModel::SeverityColumn),
        QStringLiteral("info")));
    QSignalSpy finished(window.runController(), &ui::RunController::finished);
    window.editorTabs()->currentEditor()->setText(BlockedCode);
    QVERIFY(window.runCurrent());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
    const auto result = finished.at(0).at(0).value<model::RunResult>();
    // The rule now only informs: the executor ran the code with the edited policy, not the preset.
    QVERIFY2(result.status == model::Status::Ok, qPrintable(QString::fromStdString(result.message)));
    QCOMPARE(QString::fromStdString(result.stdoutData), QStringLiteral("ran after all\n"));
    QVERIFY(!result.findings.empty());
    QVERIFY(result.findings.front().severity == safety::Severity::Info);
}

QTEST_MAIN(TestPolicy)
#include "tst_policy.moc"
