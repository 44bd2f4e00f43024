// The workbench over a fleet of engines (issue 24): `agentrun-workbench --engine A --engine B` gives the
// window a run::Fleet. Runs from the window go to both engines, the status line reports each engine (one
// not answering is named while the other runs), the banner names the engines, a new image keeps the
// fleet, and a hostile --engine is refused before any window opens. The two engines here are the
// machine's engine under two names (each its own executor and pool); engine.fleet proves the fleet over
// separate engines over TLS.
#include "agentrun/engine/endpoint.h"
#include "agentrun/run/fleet.h"

#include <QLocale>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "codeeditor.h"
#include "editortabs.h"
#include "mainwindow.h"
#include "runcontroller.h"
#include "settings.h"

using namespace agentrun;

namespace {
constexpr int RunWaitMs = 120000; // a busy two-core machine runs other suites beside this one

/// The machine's engine written as an address ("unix:///var/run/docker.sock"): a second name for it.
std::string machineEngineAddress()
{
    auto endpoint = engine::Endpoint::resolve("default");
    return endpoint ? endpoint->display() : std::string();
}
} // namespace

class TestFleetWindow : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    run::ExecutorConfig base() const
    {
        auto config = run::configFromEnvironment();
        config.poolSize = 0;
        return config;
    }

    model::RunResult runAndWait(ui::MainWindow& window, const QString& code)
    {
        window.editorTabs()->currentEditor()->setText(code);
        QSignalSpy finished(window.runController(), &ui::RunController::finished);
        if (!window.runCurrent() || !QTest::qWaitFor([&] { return finished.size() == 1; }, RunWaitMs))
            return {};
        return finished.at(0).at(0).value<model::RunResult>();
    }

    QString engineStatus(ui::MainWindow& window, bool& ok)
    {
        QSignalSpy status(window.runController(), &ui::RunController::engineStatus);
        window.runController()->checkEngine();
        if (!QTest::qWaitFor([&] { return status.size() >= 1; }, RunWaitMs))
            return {};
        ok = status.last().at(0).toBool();
        return status.last().at(1).toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        QVERIFY2(!machineEngineAddress().empty(), "no engine address resolves");
    }

    void runsFromTheWindowGoToEveryEngine()
    {
        const auto engines = run::parseFleetEngines({"default", machineEngineAddress()});
        QVERIFY2(engines, engines ? "" : engines.error().message.c_str());
        run::Fleet fleet(base(), *engines);
        ui::Settings settings(m_dir.filePath(QStringLiteral("fleet.ini")));
        ui::MainWindow window(fleet, settings);

        QVERIFY2(
            window.runController()->engineDescription().startsWith(QStringLiteral("2 engines (default, ")),
            qPrintable(window.runController()->engineDescription()));
        bool ok = false;
        const QString status = engineStatus(window, ok);
        QVERIFY2(ok && status.startsWith(QStringLiteral("2 of 2 engines answer.")), qPrintable(status));

        for (int i = 0; i < 2; ++i) {
            const auto result = runAndWait(window, QStringLiteral("print(6 * 7)\n"));
            QVERIFY2(result.status == model::Status::Ok, (result.message + result.stderrData).c_str());
            QCOMPARE(result.stdoutData, std::string("42\n"));
        }
        const auto counts = fleet.status();
        QCOMPARE(counts.size(), std::size_t(2));
        QCOMPARE(counts[0].runs, std::uint64_t(1)); // one run each: ties go in turn
        QCOMPARE(counts[1].runs, std::uint64_t(1));

        // Another image keeps the fleet: the same engines, the new image.
        QVERIFY(window.runController()->setImage("agentrun-sandbox:fleet-other").isEmpty());
        const auto* other = dynamic_cast<const run::Fleet*>(&window.runController()->runner());
        QVERIFY(other != nullptr);
        QCOMPARE(other->size(), std::size_t(2));
        QCOMPARE(other->config().image, std::string("agentrun-sandbox:fleet-other"));
    }

    // One engine not answering: the status line names it and says the other answers; runs from the
    // window all go to the one that answers (the silent one is pinged before its first run and drained),
    // none is lost on it.
    void anEngineDownIsNamed()
    {
        const std::string nowhere =
            "unix://" + m_dir.filePath(QStringLiteral("no-engine.sock")).toStdString();
        const auto engines = run::parseFleetEngines({"default", nowhere});
        QVERIFY2(engines, engines ? "" : engines.error().message.c_str());
        run::Fleet fleet(base(), *engines);
        ui::Settings settings(m_dir.filePath(QStringLiteral("down.ini")));
        ui::MainWindow window(fleet, settings);
        bool ok = false;
        const QString status = engineStatus(window, ok);
        QVERIFY2(ok, qPrintable(status));
        QVERIFY2(status.startsWith(QStringLiteral("1 of 2 engines answer.")), qPrintable(status));
        QVERIFY2(status.contains(QString::fromStdString(nowhere) + QStringLiteral(": not answering")),
                 qPrintable(status));

        for (int i = 0; i < 3; ++i) {
            const auto result = runAndWait(window, QStringLiteral("print('on the engine that answers')\n"));
            QVERIFY2(result.status == model::Status::Ok, (result.message + result.stderrData).c_str());
        }
        const auto counts = fleet.status();
        QCOMPARE(counts[0].runs, std::uint64_t(3));
        QCOMPARE(counts[1].runs, std::uint64_t(0));
        QVERIFY(!counts[1].ready);
        QVERIFY2(!counts[1].lastError.empty(), "the drained engine's reason is kept");
    }

    // A hostile --engine is refused before any window opens, naming the option.
    void hostileEngineOptionIsRefused()
    {
        const QStringList hostile = {QStringLiteral("tcp://192.0.2.1:2375"),
                                     QStringLiteral("no-such-context-x"),
                                     QStringLiteral("default,runs=0"),
                                     QStringLiteral("default,runs=many"),
                                     QString(3000, u'a'),
                                     QStringLiteral("de\tfault")};
        for (const QString& value : hostile) {
            QProcess workbench;
            workbench.setProcessChannelMode(QProcess::SeparateChannels);
            workbench.start(QStringLiteral(AGENTRUN_WORKBENCH),
                            {QStringLiteral("-platform"), QStringLiteral("offscreen"),
                             QStringLiteral("--engine"), value});
            QVERIFY(workbench.waitForFinished(60000));
            const QString said = QString::fromUtf8(workbench.readAllStandardError());
            QVERIFY2(workbench.exitCode() == 2, qPrintable(value.left(40) + u": " + said));
            QVERIFY2(said.contains(QStringLiteral("--engine")), qPrintable(said));
        }
        // Twice the same engine, and more than sixteen.
        QProcess twice;
        twice.start(QStringLiteral(AGENTRUN_WORKBENCH),
                    {QStringLiteral("-platform"), QStringLiteral("offscreen"), QStringLiteral("--engine"),
                     QStringLiteral("default"), QStringLiteral("--engine"), QStringLiteral("default")});
        QVERIFY(twice.waitForFinished(60000));
        QCOMPARE(twice.exitCode(), 2);
        QVERIFY(QString::fromUtf8(twice.readAllStandardError()).contains(QStringLiteral("given twice")));
    }
};

QTEST_MAIN(TestFleetWindow)
#include "tst_fleetwindow.moc"
