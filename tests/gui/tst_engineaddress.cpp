// The workbench's image build and dependency cache talk to the engine the runs use (the executor's
// configuration), not to whatever engine the process environment names: with the executor configured
// for a socket that does not exist, both fail with the engine-unreachable message naming that socket,
// while DOCKER_HOST (or the default socket) leads to a running engine.
#include "agentrun/engine/client.h"
#include "agentrun/run/executor.h"

#include <QLocale>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "dependenciespanel.h"
#include "dependencycacheview.h"
#include "enginemonitor.h"
#include "imagebuilddialog.h"
#include "mainwindow.h"
#include "settings.h"

#include <unistd.h>

using namespace agentrun;

class TestEngineAddress : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    // Nothing listens here: a configured address the default engine would never answer for.
    const std::string m_socket = m_dir.filePath(QStringLiteral("no-engine.sock")).toStdString();
    // A tag no one uses: if the build went to the running engine, it must not touch a real image.
    const std::string m_image = "agentrun-test-engineaddress:" + std::to_string(::getpid());

    run::ExecutorConfig config() const
    {
        run::ExecutorConfig config;
        config.image = m_image;
        config.dockerHost = "unix://" + m_socket;
        config.poolSize = 0;
        return config;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        // The environment's engine answers: otherwise failing on the configured address proves nothing.
        auto endpoint = engine::Endpoint::resolve();
        QVERIFY(endpoint.has_value());
        engine::Client client(*endpoint);
        QVERIFY2(client.info().has_value(), "the Docker engine must be running for this test");
    }

    void cleanupTestCase()
    {
        // Only reached with a wrong build (to the environment's engine): leave nothing behind.
        if (auto endpoint = engine::Endpoint::resolve()) {
            engine::Client client(*endpoint);
            client.removeImage(m_image, true);
        }
    }

    void cacheViewUsesTheExecutorsEngine()
    {
        run::Executor executor(config());
        ui::Settings settings(m_dir.filePath(QStringLiteral("cache.ini")));
        ui::MainWindow window(executor, settings);
        window.engineMonitor()->setRetryInterval(60000);
        auto* view = window.dependenciesPanel()->cacheView();
        QSignalSpy refreshed(view, &ui::DependencyCacheView::refreshed);
        view->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() >= 1, 60000);
        const QString error = refreshed.takeFirst().at(0).toString();
        QVERIFY2(error.contains(QString::fromStdString(m_socket)), qPrintable(u"got: \"" + error + u'"'));
        QVERIFY2(error.startsWith(QStringLiteral("Docker is not running")), qPrintable(error));
    }

    void imageBuildUsesTheExecutorsEngine()
    {
        run::Executor executor(config());
        ui::Settings settings(m_dir.filePath(QStringLiteral("image.ini")));
        ui::MainWindow window(executor, settings);
        window.engineMonitor()->setRetryInterval(60000);
        ui::ImageBuildDialog* dialog = window.showImageBuildDialog(QStringLiteral("test"));
        QVERIFY(dialog);
        QSignalSpy finished(dialog, &ui::ImageBuildDialog::buildFinished);
        dialog->startBuild();
        // Unreachable fails at once; a build on the wrong engine would take a while: stop it then.
        if (!finished.wait(60000)) {
            dialog->cancelBuild();
            QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 120000);
            QFAIL(qPrintable(u"the build ran on another engine: " + dialog->log().left(400)));
        }
        QCOMPARE(finished.at(0).at(0).toBool(), false);
        const QString message = finished.at(0).at(1).toString();
        QVERIFY2(message.contains(QString::fromStdString(m_socket)), qPrintable(u"got: \"" + message + u'"'));
    }
};

QTEST_MAIN(TestEngineAddress)
#include "tst_engineaddress.moc"
