// A workbench run that needs a package installs it from the wheelhouse set in the Dependencies panel,
// as docs/dependencies.md says (the panel's sources never reached the run request: deps.no_source).
// Real engine, a wheel built at test time, no package index.
#include "agentrun/deps/installer.h"
#include "agentrun/engine/client.h"
#include "agentrun/run/executor.h"

#include <QComboBox>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "codeeditor.h"
#include "dependenciespanel.h"
#include "helper_wheel.h"
#include "labels.h"
#include "mainwindow.h"
#include "runcontroller.h"
#include "settings.h"

using namespace agentrun;

class TestWorkbenchDeps : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        const auto ping = m_executor.ping();
        if (!ping)
            QFAIL(qPrintable(QStringLiteral("The Docker engine or the sandbox image is not available: %1 — "
                                            "./packaging/quickstart.sh sets it up.")
                                 .arg(QString::fromStdString(ping.error().message))));
    }

    void cleanupTestCase()
    {
        // The temporary wheelhouse made a cache volume of its own: it must not outlive the test (issue 22,
        // bug 11: the suite left one behind on every run).
        auto endpoint = engine::Endpoint::resolve();
        QVERIFY(endpoint);
        engine::Client client(*endpoint);
        auto image = client.inspectImage(m_executor.config().image);
        QVERIFY(image);
        const std::string volume =
            deps::cacheVolumeName({{"agentrun-gui-wheel-probe", ""}}, image->value("Id", ""),
                                  {"", wheelhouse().toStdString(), true});
        // The run's container is removed in the background: until then the engine refuses (in use).
        const auto removed = [&] {
            client.request("DELETE", "/volumes/" + volume);
            auto left = client.request("GET", "/volumes/" + volume);
            return left && left->status == 404;
        };
        QTRY_VERIFY2_WITH_TIMEOUT(removed(), volume.c_str(), 30000);
    }

    void runInstallsFromThePanelsWheelhouse()
    {
        const QString wheels = wheelhouse();
        QVERIFY(QDir().mkpath(wheels));
        // A distribution name no real index has: the run can only get it from this folder.
        testing::makeWheel(wheels.toStdString(), "agentrun-gui-wheel-probe", "agentrun_gui_wheel_probe",
                           "1.0");

        ui::Settings settings(m_dir.filePath(QStringLiteral("deps.ini")));
        ui::MainWindow window(m_executor, settings);
        auto* editor = window.findChild<ui::CodeEditor*>(QStringLiteral("codeEditor"));
        auto* panel = window.findChild<ui::DependenciesPanel*>(QStringLiteral("dependenciesPanel"));
        auto* controller = window.findChild<ui::RunController*>(QStringLiteral("runController"));
        QVERIFY(editor && panel && controller);

        panel->setAllow({"agentrun-gui-wheel-probe"});
        panel->setSources(QString(), wheels);
        QCOMPARE(panel->errorText(), QString());
        editor->setText(QStringLiteral("import agentrun_gui_wheel_probe\nprint('imported', "
                                       "agentrun_gui_wheel_probe.__name__)\n"));

        QSignalSpy finished(controller, &ui::RunController::finished);
        QVERIFY(window.runCurrent());
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 180000); // an install on a busy machine
        const auto result = finished.at(0).at(0).value<model::RunResult>();
        QVERIFY2(result.status == model::Status::Ok,
                 qPrintable(ui::statusName(result.status) + u": " + QString::fromStdString(result.message) +
                            u"\n" + QString::fromStdString(result.stderrData)));
        QCOMPARE(QString::fromStdString(result.stdoutData),
                 QStringLiteral("imported agentrun_gui_wheel_probe\n"));
    }

private:
    QString wheelhouse() const { return m_dir.filePath(QStringLiteral("wheels")); }

    QTemporaryDir m_dir;
    run::Executor m_executor;
};

QTEST_MAIN(TestWorkbenchDeps)
#include "tst_workbenchdeps.moc"
