// Engine and image status: an unreachable engine is said plainly in the status bar and retried; a
// missing image opens the build dialog, whose progress, success and Cancel are driven by a fake build.
#include "agentrun/run/executor.h"

#include <atomic>
#include <chrono>
#include <thread>

#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

#include "enginemonitor.h"
#include "imagebuilddialog.h"
#include "mainwindow.h"
#include "runcontroller.h"
#include "settings.h"

using namespace agentrun;

class TestEngine : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void unreachableEngineIsShownAndRetried();
    void missingImageOffersTheBuild();
    void buildShowsProgressAndSucceeds();
    void cancelStopsTheBuild();
    void failedBuildSaysWhy();

private:
    QTemporaryDir m_dir;
    QByteArray m_oldDockerHost;
};

void TestEngine::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(QLocale::c());
    QVERIFY(m_dir.isValid());
    m_oldDockerHost = qgetenv("DOCKER_HOST");
    // Before any Executor exists: every window here talks to a socket that is not there.
    qputenv("DOCKER_HOST", "unix:///nonexistent");
}

void TestEngine::cleanupTestCase()
{
    if (m_oldDockerHost.isEmpty())
        qunsetenv("DOCKER_HOST");
    else
        qputenv("DOCKER_HOST", m_oldDockerHost);
}

void TestEngine::unreachableEngineIsShownAndRetried()
{
    run::Executor executor;
    ui::Settings settings(m_dir.filePath(QStringLiteral("down.ini")));
    ui::MainWindow window(executor, settings);
    window.show();
    QSignalSpy status(window.runController(), &ui::RunController::engineStatus);
    auto* label = window.findChild<QLabel*>(QStringLiteral("engineStatusLabel"));
    QVERIFY(label);
    QTRY_VERIFY_WITH_TIMEOUT(
        label->text().startsWith(QStringLiteral("Engine unreachable (retrying every 5 s): ")), 10000);
    QCOMPARE(window.statusBar()->currentMessage(), label->text());
    QVERIFY2(label->text().contains(QStringLiteral("/nonexistent")), qPrintable(label->text()));
    QCOMPARE(window.engineMonitor()->state(), ui::EngineMonitor::State::Unreachable);
    QCOMPARE(status.size(), 1);
    QCOMPARE(status.at(0).at(2).toString(), QStringLiteral("engine.unreachable"));

    // It keeps asking while the engine is down (interval shortened so the test stays quick).
    window.engineMonitor()->setRetryInterval(50);
    window.engineMonitor()->checkNow();
    QTRY_VERIFY_WITH_TIMEOUT(status.size() >= 4, 10000);
    QVERIFY(!label->property("ok").toBool());

    // The toolbar says which runtime and image the next run uses.
    auto* runtime = window.findChild<QLabel*>(QStringLiteral("runtimeIndicator"));
    QVERIFY(runtime);
    QCOMPARE(runtime->text().trimmed(), QStringLiteral("runc · agentrun-sandbox:latest"));
    settings.setValue(ui::Settings::Key::Runtime, QStringLiteral("runsc"));
    QCOMPARE(runtime->text().trimmed(), QStringLiteral("gVisor · agentrun-sandbox:latest"));
}

void TestEngine::missingImageOffersTheBuild()
{
    run::Executor executor;
    ui::Settings settings(m_dir.filePath(QStringLiteral("image.ini")));
    ui::MainWindow window(executor, settings);
    window.engineMonitor()->setRetryInterval(60000);
    QTRY_COMPARE(window.engineMonitor()->state(), ui::EngineMonitor::State::Unreachable);
    QVERIFY(!window.findChild<ui::ImageBuildDialog*>());
    // The engine answers, but the image is not there: the dialog opens once, the status bar says so.
    Q_EMIT window.runController()->engineStatus(
        false, QStringLiteral("No such image: agentrun-sandbox:latest"), QStringLiteral("image.missing"));
    auto* dialog = window.findChild<ui::ImageBuildDialog*>();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QCOMPARE(window.findChild<QLabel*>(QStringLiteral("engineStatusLabel"))->text(),
             QStringLiteral("Sandbox image missing — build it (Run ▸ Build Sandbox Image…)"));
    Q_EMIT window.runController()->engineStatus(false, QStringLiteral("No such image"),
                                                QStringLiteral("image.missing"));
    QCOMPARE(window.findChildren<ui::ImageBuildDialog*>().size(), 1);
}

void TestEngine::buildShowsProgressAndSucceeds()
{
    ui::ImageBuildDialog dialog(
        [](const ui::ImageBuildDialog::Progress& progress, const std::atomic<bool>&) -> Result<std::string> {
            progress("Step 1/3 : FROM python:3.11-slim");
            progress("Step 2/3 : COPY agent /opt/agent\n");
            progress("Step 3/3 : USER 65534");
            return std::string("sha256:0123456789abcdef0123456789");
        },
        QStringLiteral("missing"));
    dialog.show();
    QSignalSpy finished(&dialog, &ui::ImageBuildDialog::buildFinished);
    QTest::mouseClick(dialog.findChild<QPushButton*>(QStringLiteral("imageBuildButton")), Qt::LeftButton);
    QVERIFY(dialog.isBuilding());
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(finished.at(0).at(0).toBool(), true);
    QCOMPARE(dialog.log(),
             QStringLiteral("Step 1/3 : FROM python:3.11-slim\nStep 2/3 : COPY agent /opt/agent\n"
                            "Step 3/3 : USER 65534"));
    QCOMPARE(dialog.findChild<QLabel*>(QStringLiteral("imageBuildStatusLabel"))->text(),
             QStringLiteral("Built sha256:0123456789ab."));
    QVERIFY(!dialog.isBuilding());
    QVERIFY(dialog.isVisible());
}

void TestEngine::cancelStopsTheBuild()
{
    std::atomic<bool> sawCancel{false};
    ui::ImageBuildDialog dialog(
        [&sawCancel](const ui::ImageBuildDialog::Progress& progress,
                     const std::atomic<bool>& cancel) -> Result<std::string> {
            progress("Step 1/9 : FROM python:3.11-slim");
            // A long build: it ends only when cancelled (or after 20 s, so a broken Cancel fails the test).
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
            while (!cancel.load() && std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            sawCancel = cancel.load();
            return fail("image.cancelled", "The image build was cancelled.");
        },
        QStringLiteral("missing"));
    dialog.show();
    QSignalSpy finished(&dialog, &ui::ImageBuildDialog::buildFinished);
    dialog.startBuild();
    QTRY_VERIFY(dialog.log().contains(QStringLiteral("Step 1/9")));
    QTest::mouseClick(dialog.findChild<QPushButton*>(QStringLiteral("imageBuildCancelButton")),
                      Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
    QVERIFY(sawCancel.load());
    QCOMPARE(finished.at(0).at(0).toBool(), false);
    QCOMPARE(finished.at(0).at(1).toString(), QStringLiteral("The image build was cancelled."));
    QVERIFY(!dialog.isVisible()); // Cancel closes the dialog once the build has stopped
}

void TestEngine::failedBuildSaysWhy()
{
    ui::ImageBuildDialog dialog(
        [](const ui::ImageBuildDialog::Progress&, const std::atomic<bool>&) -> Result<std::string> {
            return fail("image.base_missing", "The base image python:3.11-slim is not present.");
        },
        QStringLiteral("missing"));
    dialog.show();
    QSignalSpy finished(&dialog, &ui::ImageBuildDialog::buildFinished);
    dialog.startBuild();
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(dialog.findChild<QLabel*>(QStringLiteral("imageBuildStatusLabel"))->text(),
             QStringLiteral("Not built: The base image python:3.11-slim is not present."));
    QVERIFY(dialog.findChild<QPushButton*>(QStringLiteral("imageBuildButton"))->isEnabled());
}

QTEST_MAIN(TestEngine)
#include "tst_engine.moc"
