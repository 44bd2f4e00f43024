// The sandbox image picker (issue 17): the toolbar's combo lists the project's images on the engine (a
// missing one as not built, with the command that builds it), the choice takes effect for the next run,
// is remembered in the settings (AGENTRUN_IMAGE, when set, wins at start), is refused while a run is in
// flight, and a session already open keeps its image. Against the real engine; the data-science part is
// skipped when agentrun-sandbox:datascience is not built.
#include "agentrun/engine/client.h"
#include "agentrun/engine/endpoint.h"
#include "agentrun/run/executor.h"

#include <QComboBox>
#include <QLocale>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include "codeeditor.h"
#include "consolepanel.h"
#include "editortabs.h"
#include "imagechoice.h"
#include "limitspanel.h"
#include "mainwindow.h"
#include "outputconsole.h"
#include "runcontroller.h"
#include "sessiontabs.h"
#include "settings.h"

using namespace agentrun;

namespace {
constexpr int RunWaitMs = 60000; // a busy two-core machine runs other suites beside this one
const QString Latest = QStringLiteral("agentrun-sandbox:latest");
const QString DataScience = QStringLiteral("agentrun-sandbox:datascience");
const QString ImportPandas = QStringLiteral("import pandas\nprint('pandas', pandas.__name__)\n");
} // namespace

class TestImagePicker : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void listsTheImagesAndSaysHowToBuildAMissingOne();
    void theChoiceIsUsedAndRemembered();
    void refusedWhileARunIsInFlight();
    void anOpenSessionKeepsItsImage();

private:
    model::RunResult runAndWait(ui::MainWindow& window, const QString& code);
    bool haveDataScience();

    QTemporaryDir m_dir;
    std::unique_ptr<run::Executor> m_executor;
};

void TestImagePicker::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(QLocale::c());
    QVERIFY(m_dir.isValid());
    // The window's start-up choice: the remembered image, unless AGENTRUN_IMAGE names one.
    qunsetenv("AGENTRUN_IMAGE");
    auto config = run::configFromEnvironment();
    config.poolSize = 0;
    config.image = Latest.toStdString();
    m_executor = std::make_unique<run::Executor>(config);
    const auto ping = m_executor->ping();
    QVERIFY2(ping, ping ? "" : ping.error().message.c_str());
}

bool TestImagePicker::haveDataScience()
{
    auto endpoint = engine::Endpoint::resolve();
    if (!endpoint)
        return false;
    engine::Client client(*endpoint);
    auto found = client.findImage(DataScience.toStdString());
    return found && found->has_value();
}

model::RunResult TestImagePicker::runAndWait(ui::MainWindow& window, const QString& code)
{
    window.editorTabs()->currentEditor()->setText(code);
    QSignalSpy finished(window.runController(), &ui::RunController::finished);
    if (!window.runCurrent() || !QTest::qWaitFor([&] { return finished.size() == 1; }, RunWaitMs))
        return {};
    return finished.at(0).at(0).value<model::RunResult>();
}

void TestImagePicker::listsTheImagesAndSaysHowToBuildAMissingOne()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("list.ini")));
    ui::MainWindow window(*m_executor, settings);
    QComboBox* combo = window.imageCombo();
    QVERIFY(combo);
    const int latest = combo->findData(Latest);
    QVERIFY(latest >= 0);
    QVERIFY(combo->itemData(latest, Qt::UserRole + 1).toBool());
    QCOMPARE(combo->currentData().toString(), Latest);
    const int ds = combo->findData(DataScience);
    QVERIFY(ds >= 0);
    QCOMPARE(combo->itemData(ds, Qt::UserRole + 1).toBool(), haveDataScience());

    // An image that is not there is listed as not built, with the command that builds it.
    const QString missing = QStringLiteral("agentrun-sandbox:guifiles-never-built");
    auto listed = ui::listSandboxImages(m_executor->config(), missing);
    QVERIFY2(listed, listed ? "" : listed.error().message.c_str());
    const auto it = std::find_if(listed->cbegin(), listed->cend(),
                                 [&](const ui::SandboxImage& image) { return image.tag == missing; });
    QVERIFY(it != listed->cend());
    QVERIFY(!it->present);
    QVERIFY2(it->buildHint.contains(QStringLiteral("agentrun image build")), qPrintable(it->buildHint));
    if (!haveDataScience()) {
        QVERIFY(!window.chooseImage(DataScience));
        QVERIFY(window.statusBar()->currentMessage().contains(QStringLiteral("--variant datascience")));
    }
}

void TestImagePicker::theChoiceIsUsedAndRemembered()
{
    if (!haveDataScience())
        QSKIP("agentrun-sandbox:datascience is not built (packaging/sandbox/build-base.sh --variant "
              "datascience, then agentrun image build --variant datascience)");
    const QString ini = m_dir.filePath(QStringLiteral("choice.ini"));
    {
        ui::Settings settings(ini);
        ui::MainWindow window(*m_executor, settings);
        auto without = runAndWait(window, ImportPandas);
        QVERIFY(without.status != model::Status::Ok);
        QVERIFY2(without.stderrData.find("No module named 'pandas'") != std::string::npos,
                 without.stderrData.c_str());
        QVERIFY(window.chooseImage(DataScience));
        QCOMPARE(window.imageCombo()->currentData().toString(), DataScience);
        // The Limits panel's preview names the image the next run gets.
        bool previewed = false;
        for (auto* preview : window.limitsPanel()->findChildren<QPlainTextEdit*>())
            previewed |= preview->toPlainText().contains(u"docker run") &&
                         preview->toPlainText().contains(DataScience);
        QVERIFY(previewed);
        auto with = runAndWait(window, ImportPandas);
        QVERIFY2(with.status == model::Status::Ok, (with.message + with.stderrData).c_str());
        QCOMPARE(with.stdoutData, std::string("pandas pandas\n"));
        QCOMPARE(settings.value(ui::Settings::Key::SandboxImage).toString(), DataScience);
    }
    // A new window (the next start) uses the remembered image.
    ui::Settings settings(ini);
    ui::MainWindow window(*m_executor, settings);
    QCOMPARE(window.imageCombo()->currentData().toString(), DataScience);
    auto again = runAndWait(window, ImportPandas);
    QVERIFY2(again.status == model::Status::Ok, (again.message + again.stderrData).c_str());
    // Back to the default image: pandas is gone again.
    QVERIFY(window.chooseImage(Latest));
    auto back = runAndWait(window, ImportPandas);
    QVERIFY(back.status != model::Status::Ok);
}

void TestImagePicker::refusedWhileARunIsInFlight()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("busy.ini")));
    ui::MainWindow window(*m_executor, settings);
    window.editorTabs()->currentEditor()->setText(QStringLiteral("import time\ntime.sleep(3)\n"));
    QSignalSpy finished(window.runController(), &ui::RunController::finished);
    QVERIFY(window.runCurrent());
    QVERIFY(!window.chooseImage(DataScience));
    QVERIFY2(window.statusBar()->currentMessage().contains(QStringLiteral("in flight")) ||
                 window.statusBar()->currentMessage().contains(QStringLiteral("not built")),
             qPrintable(window.statusBar()->currentMessage()));
    QCOMPARE(window.imageCombo()->currentData().toString(), Latest);
    QCOMPARE(QString::fromStdString(window.runController()->runner().config().image), Latest);
    QVERIFY(QTest::qWaitFor([&] { return finished.size() == 1; }, RunWaitMs));
    QVERIFY(settings.value(ui::Settings::Key::SandboxImage).toString().isEmpty());
}

void TestImagePicker::anOpenSessionKeepsItsImage()
{
    if (!haveDataScience())
        QSKIP("agentrun-sandbox:datascience is not built");
    ui::Settings settings(m_dir.filePath(QStringLiteral("session.ini")));
    ui::MainWindow window(*m_executor, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTest::mouseClick(window.findChild<QToolButton*>(QStringLiteral("sessionModeButton")), Qt::LeftButton);
    auto opened = runAndWait(window, QStringLiteral("x = 1\n"));
    QVERIFY2(opened.status == model::Status::Ok && opened.session, opened.message.c_str());
    QVERIFY(window.chooseImage(DataScience));
    QVERIFY2(window.statusBar()->currentMessage().contains(QStringLiteral("sessions already open keep")),
             qPrintable(window.statusBar()->currentMessage()));
    // The session still runs on the default image, with its state.
    auto inSession = runAndWait(window, QStringLiteral("print(x)\n") + ImportPandas);
    QVERIFY(inSession.session);
    QCOMPARE(inSession.session->id, opened.session->id);
    QVERIFY2(inSession.stderrData.find("No module named 'pandas'") != std::string::npos,
             inSession.stderrData.c_str());
    // A fresh run uses the chosen one.
    QTest::mouseClick(window.findChild<QToolButton*>(QStringLiteral("sessionModeButton")), Qt::LeftButton);
    QVERIFY(!window.sessionTabs()->inSession(window.editorTabs()->currentEditor()));
    auto fresh = runAndWait(window, ImportPandas);
    QVERIFY2(fresh.status == model::Status::Ok, (fresh.message + fresh.stderrData).c_str());
}

QTEST_MAIN(TestImagePicker)
#include "tst_imagepicker.moc"
