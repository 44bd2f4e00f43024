// Nothing outlives its owner, for the workbench (issue 25): a workbench process is SIGKILLed during a run
// and while its warm pool waits; without anything else started, every container it owned stops on its
// own (the agent sees its stdin close), within the run's timeout + slack (idle pool: the slack), and the
// next start removes them. The workbench is a child process of this test (the same executable, with
// AGENTRUN_WORKBENCH_CHILD set): a real MainWindow with its Executor and pool, driven offscreen.
#include "agentrun/engine/client.h"
#include "agentrun/engine/endpoint.h"
#include "agentrun/run/executor.h"

#include <QApplication>
#include <QComboBox>
#include <QProcess>
#include <QDoubleSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "codeeditor.h"
#include "mainwindow.h"
#include "runcontroller.h"
#include "settings.h"

using namespace agentrun;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

/// The generous part of every bound: a busy two-core machine runs other suites at the same time.
constexpr double SlackSeconds = 10;
constexpr int RunTimeoutSeconds = 5;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// How many containers `pid` owns, and how many of them run.
std::pair<int, int> census(engine::Client& client, qint64 pid)
{
    auto ids = client.listContainers("org.agentrun.owner-pid=" + std::to_string(pid), true);
    if (!ids)
        return {-1, -1};
    int running = 0;
    for (const auto& id : *ids) {
        auto state = client.inspectContainer(id);
        if (state && (*state)["State"].value("Running", false))
            ++running;
    }
    return {static_cast<int>(ids->size()), running};
}

/// The workbench side: "run" starts a run of a 40 s sleep (timeout 5 s) and says RUNNING once the
/// program printed; "idle" runs a quick print and says FINISHED, then keeps its refilled pool waiting.
int workbenchChild(int argc, char** argv, const QString& mode)
{
    QApplication app(argc, argv);
    QTemporaryDir scratch;
    ui::Settings settings(scratch.filePath(QStringLiteral("settings.ini")));
    run::Executor executor;
    ui::MainWindow window(executor, settings);
    window.show();
    auto* editor = window.findChild<ui::CodeEditor*>(QStringLiteral("codeEditor"));
    auto* timeout = window.findChild<QDoubleSpinBox*>(QStringLiteral("timeoutLimitSpin"));
    auto* controller = window.findChild<ui::RunController*>(QStringLiteral("runController"));
    if (!editor || !controller || !timeout)
        return 3;
    timeout->setValue(RunTimeoutSeconds);
    // gui.ownerkill.runsc: the same under gVisor, chosen in the Limits panel as a person would.
    if (const QByteArray runtime = qgetenv("AGENTRUN_TEST_RUNTIME"); !runtime.isEmpty()) {
        auto* combo = window.findChild<QComboBox*>(QStringLiteral("runtimeCombo"));
        const int index = combo ? combo->findData(QString::fromUtf8(runtime)) : -1;
        if (index < 0)
            return 5;
        combo->setCurrentIndex(index);
    }
    const bool idle = mode == QStringLiteral("idle");
    editor->setText(idle ? QStringLiteral("print('done')\n")
                         : QStringLiteral("import time\nprint('started', flush=True)\ntime.sleep(40)\n"));
    QObject::connect(controller, &ui::RunController::outputArrived, &app, [idle] {
        if (!idle) {
            std::puts("RUNNING");
            std::fflush(stdout);
        }
    });
    QObject::connect(controller, &ui::RunController::finished, &app, [idle] {
        std::puts(idle ? "FINISHED" : "ENDED");
        std::fflush(stdout);
    });
    if (!window.runCurrent())
        return 4;
    return app.exec();
}

} // namespace

class TestOwnerKill : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        auto endpoint = engine::Endpoint::resolve();
        QVERIFY2(endpoint, endpoint ? "" : endpoint.error().message.c_str());
        m_client = std::make_unique<engine::Client>(*endpoint);
        const auto ping = run::Executor().ping();
        QVERIFY2(ping, ping ? "" : ping.error().message.c_str());
    }

    void workbenchKilledDuringARun()
    {
        killAndWatch(QStringLiteral("run"), "RUNNING", RunTimeoutSeconds + SlackSeconds);
    }

    void workbenchKilledWithAnIdlePool() { killAndWatch(QStringLiteral("idle"), "FINISHED", SlackSeconds); }

private:
    void killAndWatch(const QString& mode, const QByteArray& signal, double bound)
    {
        QTemporaryDir data;
        QProcess child;
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("AGENTRUN_WORKBENCH_CHILD"), mode);
        env.insert(QStringLiteral("XDG_DATA_HOME"), data.path());
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), data.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        child.setProcessEnvironment(env);
        child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        child.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(child.waitForStarted(10000));
        const qint64 pid = child.processId();
        QByteArray said;
        const auto started = Clock::now();
        while (!said.contains(signal) && secondsSince(started) < 120) {
            child.waitForReadyRead(1000);
            said += child.readAllStandardOutput();
            QVERIFY2(child.state() == QProcess::Running, said.constData());
        }
        QVERIFY2(said.contains(signal), QByteArray("the workbench never got there: " + said).constData());
        // The idle case: the pool refills after the run; wait until a warm container waits.
        const auto waited = Clock::now();
        while (census(*m_client, pid).second < 1 && secondsSince(waited) < 60)
            std::this_thread::sleep_for(100ms);
        QVERIFY2(census(*m_client, pid).second >= 1,
                 "the workbench had no running container to leave behind");

        ::kill(static_cast<pid_t>(pid), SIGKILL);
        const auto killed = Clock::now();
        QVERIFY(child.waitForFinished(10000));
        while (census(*m_client, pid).second != 0 && secondsSince(killed) < bound)
            std::this_thread::sleep_for(100ms);
        const double seconds = secondsSince(killed);
        QVERIFY2(census(*m_client, pid).second == 0,
                 "a container of the killed workbench still runs past the bound");
        std::printf("OWNER workbench (%s): stopped %.0f ms after the owner's SIGKILL (bound %.0f s)\n",
                    qPrintable(mode), seconds * 1000, bound);
        std::fflush(stdout);

        // What a later start does on its own: an executor's first run removes the dead owner's containers.
        run::ExecutorConfig config;
        config.poolSize = 0;
        run::Executor next(config);
        model::RunSpec request;
        request.code = "print('next')\n";
        if (const QByteArray runtime = qgetenv("AGENTRUN_TEST_RUNTIME"); !runtime.isEmpty())
            request.limits.runtime = runtime.toStdString();
        run::RunObserver observer;
        run::CancelToken cancel;
        const auto result = next.run(request, observer, cancel);
        QCOMPARE(result.stdoutData, std::string("next\n"));
        QCOMPARE(census(*m_client, pid).first, 0);
    }

    std::unique_ptr<engine::Client> m_client;
};

int main(int argc, char** argv)
{
    if (const QByteArray mode = qgetenv("AGENTRUN_WORKBENCH_CHILD"); !mode.isEmpty())
        return workbenchChild(argc, argv, QString::fromUtf8(mode));
    QCoreApplication app(argc, argv);
    TestOwnerKill test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_ownerkill.moc"
