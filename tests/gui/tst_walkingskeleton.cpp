// The thin path through every layer: type code in the window, press Run, see the sandbox's output.
// Needs the real engine and the sandbox image; without them it fails and says what is missing.
#include "agentrun/run/executor.h"

#include <QLocale>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include "codeeditor.h"
#include "editortabs.h"
#include "labels.h"
#include "mainwindow.h"
#include "outputconsole.h"
#include "runcontroller.h"
#include "settings.h"

using namespace agentrun;

class TestWalkingSkeleton : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void typeRunAndSeeOutput();
    void stopCancelsRun();

private:
    QTemporaryDir m_dir;
    run::Executor m_executor;
};

void TestWalkingSkeleton::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(QLocale::c());
    QVERIFY(m_dir.isValid());
    const auto ping = m_executor.ping();
    if (!ping)
        QFAIL(qPrintable(
            QStringLiteral("The Docker engine or the sandbox image (%1) is not available: %2 — the GUI "
                           "tests run against the real engine; ./packaging/quickstart.sh sets it up.")
                .arg(QString::fromStdString(m_executor.config().image),
                     QString::fromStdString(ping.error().message))));
}

void TestWalkingSkeleton::typeRunAndSeeOutput()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("run.ini")));
    ui::MainWindow window(m_executor, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    auto* editor = window.findChild<ui::CodeEditor*>(QStringLiteral("codeEditor"));
    auto* runButton = window.findChild<QToolButton*>(QStringLiteral("runButton"));
    auto* console = window.findChild<ui::OutputConsole*>(QStringLiteral("outputConsole"));
    auto* controller = window.findChild<ui::RunController*>(QStringLiteral("runController"));
    QVERIFY(editor && runButton && console && controller);

    editor->setFocus();
    QTest::keyClicks(editor, QStringLiteral("print('Hello, World!')"));
    QCOMPARE(editor->text(), QStringLiteral("print('Hello, World!')"));

    QSignalSpy finished(controller, &ui::RunController::finished);
    QSignalSpy output(controller, &ui::RunController::outputArrived);
    QVERIFY(runButton->isEnabled());
    QTest::mouseClick(runButton, Qt::LeftButton);
    QVERIFY(controller->isRunning());
    QVERIFY(!runButton->isEnabled());

    QTRY_VERIFY_WITH_TIMEOUT(console->toPlainText().contains(QStringLiteral("Hello, World!")), 30000);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
    const auto result = finished.at(0).at(0).value<model::RunResult>();
    QVERIFY2(result.status == model::Status::Ok,
             qPrintable(ui::statusName(result.status) + u": " + QString::fromStdString(result.message)));
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(QString::fromStdString(result.stdoutData), QStringLiteral("Hello, World!\n"));
    QVERIFY(output.size() >= 1);

    // The runner's summary is set apart from the program's output, after it.
    QTRY_VERIFY(console->toPlainText().contains(QStringLiteral("— finished: ok, exit 0")));
    const QString text = console->toPlainText();
    QVERIFY(text.indexOf(QStringLiteral("Hello, World!")) < text.indexOf(QStringLiteral("— finished: ok")));
    QVERIFY(runButton->isEnabled());
}

void TestWalkingSkeleton::stopCancelsRun()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("stop.ini")));
    ui::MainWindow window(m_executor, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* editor = window.findChild<ui::CodeEditor*>(QStringLiteral("codeEditor"));
    auto* stopButton = window.findChild<QToolButton*>(QStringLiteral("stopButton"));
    auto* controller = window.findChild<ui::RunController*>(QStringLiteral("runController"));
    QVERIFY(editor && stopButton && controller);

    editor->setText(QStringLiteral("import time\nprint('sleeping', flush=True)\ntime.sleep(60)\n"));
    QSignalSpy output(controller, &ui::RunController::outputArrived);
    QSignalSpy finished(controller, &ui::RunController::finished);
    QVERIFY(window.runCurrent());
    QTRY_VERIFY_WITH_TIMEOUT(output.size() >= 1, 30000); // the program is really running
    QVERIFY(stopButton->isEnabled());
    QTest::mouseClick(stopButton, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 15000);
    const auto result = finished.at(0).at(0).value<model::RunResult>();
    QCOMPARE(ui::statusName(result.status), QStringLiteral("cancelled"));
}

QTEST_MAIN(TestWalkingSkeleton)
#include "tst_walkingskeleton.moc"
