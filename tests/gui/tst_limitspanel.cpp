// The limits panel: ranges, inline errors from the core's validate(), the live container preview,
// persistence through the settings schema, and the window refusing to start a run with bad limits.
#include "agentrun/run/executor.h"

#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "limitspanel.h"
#include "mainwindow.h"
#include "outputconsole.h"
#include "runcontroller.h"
#include "settings.h"

using namespace agentrun;

class TestLimitsPanel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void defaultsAndPreview();
    void validEditIsStoredAndPreviewed();
    void invalidInputIsRefusedInline_data();
    void invalidInputIsRefusedInline();
    void settingsSchemaRefusesBadValues();
    void windowRefusesToRunWithBadLimits();
    void windowLayoutIsRemembered();

private:
    QString freshSettingsFile();
    QTemporaryDir m_dir;
    int m_files = 0;
};

void TestLimitsPanel::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(QLocale::c());
    QVERIFY(m_dir.isValid());
}

QString TestLimitsPanel::freshSettingsFile()
{
    return m_dir.filePath(QStringLiteral("settings%1.ini").arg(++m_files));
}

void TestLimitsPanel::defaultsAndPreview()
{
    ui::Settings settings(freshSettingsFile());
    ui::LimitsPanel panel(settings, QStringLiteral("agentrun-sandbox:latest"));
    QCOMPARE(panel.findChild<QSpinBox*>(QStringLiteral("memoryLimitSpin"))->value(), 256);
    QCOMPARE(panel.findChild<QSpinBox*>(QStringLiteral("swapLimitSpin"))->value(), 0);
    QCOMPARE(panel.findChild<QLineEdit*>(QStringLiteral("tmpfsLimitEdit"))->text(), QStringLiteral("64m"));
    QCOMPARE(panel.findChild<QLineEdit*>(QStringLiteral("outputLimitEdit"))->text(), QStringLiteral("1m"));
    const QString preview =
        panel.findChild<QPlainTextEdit*>(QStringLiteral("dockerRunPreview"))->toPlainText();
    QVERIFY2(preview.startsWith(QStringLiteral("docker run ")), qPrintable(preview));
    QVERIFY(preview.contains(QStringLiteral("--network none")));
    QVERIFY(preview.contains(QStringLiteral("--memory 268435456")));
    QVERIFY(preview.endsWith(QStringLiteral("agentrun-sandbox:latest")));
    const QString hostConfig =
        panel.findChild<QPlainTextEdit*>(QStringLiteral("hostConfigPreview"))->toPlainText();
    QVERIFY2(hostConfig.contains(QStringLiteral("\"ReadonlyRootfs\": true")), qPrintable(hostConfig));
    QVERIFY(panel.errorText().isEmpty());
}

void TestLimitsPanel::validEditIsStoredAndPreviewed()
{
    const QString file = freshSettingsFile();
    {
        ui::Settings settings(file);
        ui::LimitsPanel panel(settings, QStringLiteral("img"));
        QSignalSpy changed(&settings, &ui::Settings::changed);
        panel.findChild<QSpinBox*>(QStringLiteral("memoryLimitSpin"))->setValue(512);
        panel.findChild<QSpinBox*>(QStringLiteral("swapLimitSpin"))->setValue(128);
        panel.findChild<QLineEdit*>(QStringLiteral("outputLimitEdit"))->setText(QStringLiteral("4m"));
        QVERIFY(changed.size() >= 3);
        QCOMPARE(settings.limits().memoryBytes, 512ll << 20);
        QCOMPARE(settings.limits().memorySwapBytes, 640ll << 20);
        QCOMPARE(settings.limits().outputLimitBytes, 4ll << 20);
        QVERIFY(panel.findChild<QPlainTextEdit*>(QStringLiteral("dockerRunPreview"))
                    ->toPlainText()
                    .contains(QStringLiteral("--memory 536870912 --memory-swap 671088640")));
    }
    // a new session reads the same values back
    ui::Settings settings(file);
    ui::LimitsPanel panel(settings, QStringLiteral("img"));
    QCOMPARE(panel.findChild<QSpinBox*>(QStringLiteral("memoryLimitSpin"))->value(), 512);
    QCOMPARE(panel.findChild<QSpinBox*>(QStringLiteral("swapLimitSpin"))->value(), 128);
    QCOMPARE(panel.findChild<QLineEdit*>(QStringLiteral("outputLimitEdit"))->text(), QStringLiteral("4m"));
}

void TestLimitsPanel::invalidInputIsRefusedInline_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("message");
    QTest::newRow("swap above memory")
        << QStringLiteral("swapLimitSpin") << QStringLiteral("300") << QStringLiteral("swap");
    QTest::newRow("tmpfs not a size")
        << QStringLiteral("tmpfsLimitEdit") << QStringLiteral("lots") << QStringLiteral("lots");
    QTest::newRow("tmpfs 5 bytes") << QStringLiteral("tmpfsLimitEdit") << QStringLiteral("5")
                                   << QStringLiteral("/tmp");
    QTest::newRow("tmpfs not below memory")
        << QStringLiteral("tmpfsLimitEdit") << QStringLiteral("1g") << QStringLiteral("/tmp");
    QTest::newRow("output cap too small")
        << QStringLiteral("outputLimitEdit") << QStringLiteral("10") << QStringLiteral("output");
    QTest::newRow("output cap negative")
        << QStringLiteral("outputLimitEdit") << QStringLiteral("-1m") << QStringLiteral("-1m");
}

void TestLimitsPanel::invalidInputIsRefusedInline()
{
    QFETCH(QString, field);
    QFETCH(QString, value);
    QFETCH(QString, message);
    ui::Settings settings(freshSettingsFile());
    ui::LimitsPanel panel(settings, QStringLiteral("img"));
    const model::Limits before = settings.limits();
    QSignalSpy changed(&panel, &ui::LimitsPanel::changed);

    QWidget* widget = panel.findChild<QWidget*>(field);
    QVERIFY(widget);
    if (auto* spin = qobject_cast<QSpinBox*>(widget))
        spin->setValue(value.toInt());
    else
        qobject_cast<QLineEdit*>(widget)->setText(value);

    QVERIFY(!panel.limits().has_value());
    QVERIFY2(panel.errorText().contains(message, Qt::CaseInsensitive), qPrintable(panel.errorText()));
    QVERIFY(panel.findChild<QLabel*>(QStringLiteral("limitsErrorLabel"))->isVisibleTo(&panel));
    QCOMPARE(widget->property("invalid").toBool(), true);
    QCOMPARE(changed.size(), 0);
    QVERIFY(settings.limits() == before); // nothing stored
    QVERIFY(!panel.apply());

    panel.restoreDefaults();
    QVERIFY(panel.errorText().isEmpty());
    QCOMPARE(widget->property("invalid").toBool(), false);
}

void TestLimitsPanel::settingsSchemaRefusesBadValues()
{
    ui::Settings settings(freshSettingsFile());
    QVERIFY(!settings.setValue(ui::Settings::Key::Network, QStringLiteral("host")));
    QVERIFY(!settings.setValue(ui::Settings::Key::MemoryBytes, -5));
    QVERIFY(!settings.setValue(ui::Settings::Key::ConsoleMaxLines, 3));
    QCOMPARE(settings.value(ui::Settings::Key::Network).toString(), QStringLiteral("none"));
    QVERIFY(settings.setValue(ui::Settings::Key::Network, QStringLiteral("bridge")));
    QCOMPARE(settings.limits().network, std::string("bridge"));
    settings.reset(ui::Settings::Key::Network);
    QCOMPARE(settings.limits().network, std::string("none"));
    for (int i = 0; i < 15; ++i)
        settings.addRecentFile(QStringLiteral("/tmp/f%1.py").arg(i));
    QCOMPARE(settings.recentFiles().size(), ui::Settings::MaxRecentFiles);
    QCOMPARE(settings.recentFiles().first(), QStringLiteral("/tmp/f14.py"));
}

void TestLimitsPanel::windowRefusesToRunWithBadLimits()
{
    run::Executor executor;
    ui::Settings settings(freshSettingsFile());
    ui::MainWindow window(executor, settings);
    auto* tmpfs = window.findChild<QLineEdit*>(QStringLiteral("tmpfsLimitEdit"));
    auto* controller = window.findChild<ui::RunController*>(QStringLiteral("runController"));
    auto* console = window.findChild<ui::OutputConsole*>(QStringLiteral("outputConsole"));
    QVERIFY(tmpfs && controller && console);
    tmpfs->setText(QStringLiteral("nonsense"));
    QSignalSpy started(controller, &ui::RunController::started);
    QVERIFY(!window.runCurrent());
    QCOMPARE(started.size(), 0);
    QVERIFY(!controller->isRunning());
    console->flushAll();
    QVERIFY2(console->toPlainText().contains(QStringLiteral("not started")),
             qPrintable(console->toPlainText()));
}

void TestLimitsPanel::windowLayoutIsRemembered()
{
    run::Executor executor;
    const QString file = freshSettingsFile();
    {
        ui::Settings settings(file);
        ui::MainWindow window(executor, settings);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* dock = window.findChild<QDockWidget*>(QStringLiteral("limitsDock"));
        QVERIFY(dock && dock->isVisible());
        dock->hide();
        window.close();
    }
    ui::Settings settings(file);
    ui::MainWindow window(executor, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(!window.findChild<QDockWidget*>(QStringLiteral("limitsDock"))->isVisible());
    QVERIFY(window.findChild<QDockWidget*>(QStringLiteral("outputDock"))->isVisible());
}

QTEST_MAIN(TestLimitsPanel)
#include "tst_limitspanel.moc"
