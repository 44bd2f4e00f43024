// A workbench run that needs a package installs it from the wheelhouse set in the Dependencies panel,
// as docs/dependencies.md says (the panel's sources never reached the run request: deps.no_source).
// Real engine, a wheel built at test time, no package index. Also (issue 23): an install shows its
// progress in the Output console as it happens, with each package's time and a summary; a bad or missing
// source is named by the panel's field, not by a CLI flag; the index URL reaches the run.
#include "agentrun/deps/installer.h"
#include "agentrun/engine/client.h"
#include "agentrun/errorcodes.h"
#include "agentrun/run/executor.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QRegularExpression>
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
#include "outputconsole.h"
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
        removeCacheVolume("agentrun-gui-wheel-probe", wheelhouse());
        removeCacheVolume("agentrun-gui-progress-a", progressWheelhouse());
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

    void anInstallShowsItsProgressAndTimes()
    {
        // Two small wheels, one needing the other: pip reports each, the console times each (issue 23).
        const QString wheels = progressWheelhouse();
        QVERIFY(QDir().mkpath(wheels));
        testing::makeWheel(wheels.toStdString(), "agentrun-gui-progress-b", "agentrun_gui_progress_b", "2.0");
        testing::makeWheel(wheels.toStdString(), "agentrun-gui-progress-a", "agentrun_gui_progress_a", "1.0",
                           {"agentrun-gui-progress-b"});

        ui::Settings settings(m_dir.filePath(QStringLiteral("progress.ini")));
        ui::MainWindow window(m_executor, settings);
        auto* editor = window.findChild<ui::CodeEditor*>(QStringLiteral("codeEditor"));
        auto* panel = window.dependenciesPanel();
        auto* controller = window.runController();
        auto* console = window.findChild<ui::OutputConsole*>(QStringLiteral("outputConsole"));
        QVERIFY(editor && panel && controller && console);
        panel->setAllow({"agentrun-gui-progress-a"});
        panel->setSources(QString(), wheels);
        editor->setText(QStringLiteral("import agentrun_gui_progress_a\nprint('ok')\n"));

        // What reached the window, in order: install lines as they came, stages, the end of the run.
        QStringList events;
        QElapsedTimer clock;
        clock.start();
        qint64 lastInstallLineMs = -1;
        connect(controller, &ui::RunController::installProgress, this, [&](const QString& line) {
            events << u"install: " + line;
            lastInstallLineMs = clock.elapsed();
        });
        connect(controller, &ui::RunController::stageChanged, this,
                [&](run::Stage stage) { events << u"stage: " + ui::stageLabel(stage); });
        qint64 finishedMs = -1;
        QSignalSpy finished(controller, &ui::RunController::finished);
        connect(controller, &ui::RunController::finished, this, [&] {
            events << QStringLiteral("finished");
            finishedMs = clock.elapsed();
        });
        QVERIFY(window.runCurrent());
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 180000);
        const auto result = finished.at(0).at(0).value<model::RunResult>();
        QVERIFY2(result.status == model::Status::Ok,
                 qPrintable(QString::fromStdString(result.message + "\n" + result.stderrData) + u"\n" +
                            events.join(u'\n')));

        const auto indexOf = [&](const QRegularExpression& re) {
            for (int i = 0; i < events.size(); ++i)
                if (re.match(events.at(i)).hasMatch())
                    return i;
            return -1;
        };
        const QString all = events.join(u'\n');
        // The time of each package, as pip went from one to the next.
        const int a = indexOf(
            QRegularExpression(QStringLiteral(R"(^install: agentrun_gui_progress_a 1\.0: \d+\.\d+ s$)")));
        const int b = indexOf(
            QRegularExpression(QStringLiteral(R"(^install: agentrun_gui_progress_b 2\.0: \d+\.\d+ s$)")));
        QVERIFY2(a >= 0 && b >= 0, qPrintable(all));
        // The summary: both packages (the dependency too), in a time no longer than the run took.
        const QRegularExpression summary(
            QStringLiteral(R"(^install: installed 2 packages in (\d+\.\d+) s$)"));
        const int done = indexOf(summary);
        QVERIFY2(done > a && done > b, qPrintable(all));
        const double seconds = summary.match(events.at(done)).captured(1).toDouble();
        QVERIFY2(seconds > 0 && seconds * 1000 <= double(finishedMs) + 50, qPrintable(all));
        // As they happened: before the program started, not with the result.
        const int installing = events.indexOf(u"stage: " + ui::stageLabel(run::Stage::Installing));
        const int running = events.indexOf(u"stage: " + ui::stageLabel(run::Stage::Running));
        QVERIFY2(installing >= 0 && installing < a && done < running, qPrintable(all));
        QVERIFY(lastInstallLineMs >= 0 && lastInstallLineMs <= finishedMs);
        // And the console shows them, under the installing stage.
        console->flushAll(); // the console renders in slices, after the event that brought the lines
        const QString text = console->toPlainText();
        const qsizetype shown = text.indexOf(QStringLiteral("\n  installed 2 packages in "));
        QVERIFY2(shown > text.indexOf(QStringLiteral("— installing")) &&
                     shown < text.indexOf(QStringLiteral("— running")) &&
                     text.contains(QStringLiteral("\n  agentrun_gui_progress_b 2.0: ")),
                 qPrintable(text));
    }

    void aBadWheelhouseNamesThePanelsField()
    {
        ui::Settings settings(m_dir.filePath(QStringLiteral("badwheels.ini")));
        ui::MainWindow window(m_executor, settings);
        const QString gone = m_dir.filePath(QStringLiteral("no-such-wheelhouse"));
        window.dependenciesPanel()->setAllow({"agentrun-gui-wheel-probe"});
        window.dependenciesPanel()->setSources(QString(), gone);
        window.findChild<ui::CodeEditor*>(QStringLiteral("codeEditor"))
            ->setText(QStringLiteral("import agentrun_gui_wheel_probe\n"));
        const model::RunResult result = runAndWait(window);
        QVERIFY(result.errorCode == errc::DepsSource);
        const QString message = QString::fromStdString(result.message);
        QVERIFY2(
            message.startsWith(QStringLiteral("Check the Wheelhouse field in the Dependencies panel: ")) &&
                message.contains(gone) && !message.contains(QStringLiteral("--wheelhouse")),
            qPrintable(message));
        auto* console = window.findChild<ui::OutputConsole*>(QStringLiteral("outputConsole"));
        console->flushAll(); // the console renders in slices, after the event that brought the lines
        const QString text = console->toPlainText();
        QVERIFY2(text.contains(QStringLiteral("Check the Wheelhouse field in the Dependencies panel")),
                 qPrintable(text));
    }

    void withoutASourceTheMessageNamesBothFields()
    {
        ui::Settings settings(m_dir.filePath(QStringLiteral("nosource.ini")));
        ui::MainWindow window(m_executor, settings);
        window.dependenciesPanel()->setAllow({"agentrun-gui-nosource-probe"});
        window.findChild<ui::CodeEditor*>(QStringLiteral("codeEditor"))
            ->setText(QStringLiteral("import agentrun_gui_nosource_probe\n"));
        const model::RunResult result = runAndWait(window);
        QVERIFY(result.errorCode == errc::DepsNoSource);
        const QString message = QString::fromStdString(result.message);
        QVERIFY2(message.contains(QStringLiteral("agentrun-gui-nosource-probe")) &&
                     message.contains(QStringLiteral("the Wheelhouse field")) &&
                     message.contains(QStringLiteral("the Index URL field in the Dependencies panel")) &&
                     !message.contains(QStringLiteral("--")),
                 qPrintable(message));
    }

    void theIndexUrlReachesTheRun()
    {
        // The panel's index URL goes into the run's RunSpec and so to the installer: the run does not end
        // with deps.no_source. This engine has no route to the index (test mode starts it without a bridge
        // network), and the message says so in the window's words.
        ui::Settings settings(m_dir.filePath(QStringLiteral("index.ini")));
        ui::MainWindow window(m_executor, settings);
        window.dependenciesPanel()->setAllow({"agentrun-gui-index-probe"});
        window.dependenciesPanel()->setSources(QStringLiteral("http://index.invalid/simple"), QString());
        window.findChild<ui::CodeEditor*>(QStringLiteral("codeEditor"))
            ->setText(QStringLiteral("import agentrun_gui_index_probe\n"));
        const auto spec = window.runSpec();
        QVERIFY(spec.spec && spec.spec->indexUrl == "http://index.invalid/simple" &&
                spec.spec->wheelhouse.empty());
        const model::RunResult result = runAndWait(window);
        const QString message = QString::fromStdString(result.message);
        QVERIFY2(result.status != model::Status::Ok && result.errorCode != errc::DepsNoSource,
                 qPrintable(QString::fromStdString(result.errorCode) + u": " + message));
        qInfo("the index run ended with %s: %s", result.errorCode.c_str(), result.message.c_str());
        QVERIFY2(!message.contains(QStringLiteral("--index-url")), qPrintable(message));
        if (result.errorCode == errc::EngineNoBridge)
            QVERIFY2(message.startsWith(
                         QStringLiteral("The Index URL field in the Dependencies panel needs a network")),
                     qPrintable(message));
    }

private:
    QString wheelhouse() const { return m_dir.filePath(QStringLiteral("wheels")); }
    QString progressWheelhouse() const { return m_dir.filePath(QStringLiteral("progress-wheels")); }

    model::RunResult runAndWait(ui::MainWindow& window)
    {
        QSignalSpy finished(window.runController(), &ui::RunController::finished);
        if (!window.runCurrent())
            return {};
        if (!finished.wait(180000) && finished.isEmpty())
            return {};
        return finished.at(0).at(0).value<model::RunResult>();
    }

    /// A temporary wheelhouse makes a cache volume of its own: it must not outlive the test.
    void removeCacheVolume(const std::string& requirement, const QString& wheels)
    {
        auto endpoint = engine::Endpoint::resolve();
        QVERIFY(endpoint);
        engine::Client client(*endpoint);
        auto image = client.inspectImage(m_executor.config().image);
        QVERIFY(image);
        const std::string volume = deps::cacheVolumeName({{requirement, ""}}, image->value("Id", ""),
                                                         {"", wheels.toStdString(), true});
        // The run's container is removed in the background: until then the engine refuses (in use).
        const auto removed = [&] {
            client.request("DELETE", "/volumes/" + volume);
            auto left = client.request("GET", "/volumes/" + volume);
            return left && left->status == 404;
        };
        QTRY_VERIFY2_WITH_TIMEOUT(removed(), volume.c_str(), 30000);
    }

    QTemporaryDir m_dir;
    run::Executor m_executor;
};

QTEST_MAIN(TestWorkbenchDeps)
#include "tst_workbenchdeps.moc"
