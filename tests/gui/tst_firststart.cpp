// First start of the window when the sandbox image is not there (a name no engine has): the real engine
// check finds it missing, and the window offers the guided build at once, naming that image.
#include "agentrun/run/executor.h"

#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "enginemonitor.h"
#include "imagebuilddialog.h"
#include "mainwindow.h"
#include "settings.h"

using namespace agentrun;

class TestFirstStart : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void missingImageOffersTheBuildAtStart();

private:
    QTemporaryDir m_dir;
};

void TestFirstStart::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(QLocale::c());
    QVERIFY(m_dir.isValid());
}

void TestFirstStart::missingImageOffersTheBuildAtStart()
{
    run::ExecutorConfig config;
    config.image = "agentrun-test-never-built:missing";
    config.poolSize = 0;
    run::Executor executor(config);
    // The engine must answer: an unreachable engine is another state (tst_engine covers it).
    if (const auto ping = executor.ping(); ping || ping.error().code != "image.missing")
        QFAIL(qPrintable(
            QStringLiteral("expected image.missing from the engine, got: ") +
            (ping ? QString::fromStdString(*ping) : QString::fromStdString(ping.error().message))));
    ui::Settings settings(m_dir.filePath(QStringLiteral("first.ini")));
    ui::MainWindow window(executor, settings);
    window.show();
    QTRY_COMPARE_WITH_TIMEOUT(window.engineMonitor()->state(), ui::EngineMonitor::State::ImageMissing, 15000);
    auto* dialog = window.findChild<ui::ImageBuildDialog*>();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QVERIFY(!dialog->isBuilding()); // offered, not started behind the user's back
    bool namesImage = false;
    for (auto* label : dialog->findChildren<QLabel*>())
        namesImage =
            namesImage || label->text().contains(QStringLiteral("agentrun-test-never-built:missing"));
    QVERIFY(namesImage);
    QVERIFY(dialog->findChild<QPushButton*>(QStringLiteral("imageBuildButton"))->isEnabled());
    QCOMPARE(window.findChild<QLabel*>(QStringLiteral("engineStatusLabel"))->text(),
             QStringLiteral("Sandbox image missing — build it (Run ▸ Build Sandbox Image…)"));
    // The toolbar names the image the runs (and the build) use.
    QCOMPARE(window.findChild<QLabel*>(QStringLiteral("runtimeIndicator"))->text().trimmed(),
             QStringLiteral("runc · agentrun-test-never-built:missing"));
    // Cancel closes it without building.
    QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("imageBuildCancelButton")),
                      Qt::LeftButton);
    QTRY_VERIFY(!dialog->isVisible());
}

QTEST_MAIN(TestFirstStart)
#include "tst_firststart.moc"
