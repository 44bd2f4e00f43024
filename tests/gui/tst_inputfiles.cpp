// Input files in the workbench (issue 17): each editor tab has its list of host files (the Files panel:
// add, drop, rename in the sandbox, remove), read from disk at each run and placed in the sandbox's /tmp,
// for fresh runs and for runs in the tab's session. A missing file, a folder or a file over the 32 MiB cap
// is refused with a message naming the file (and the cap), and nothing starts. Against the real engine.
#include "agentrun/run/executor.h"

#include <QApplication>
#include <QDropEvent>
#include <QFile>
#include <QLabel>
#include <QLocale>
#include <QMimeData>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeWidget>
#include <QUrl>

#include "codeeditor.h"
#include "consolepanel.h"
#include "editortabs.h"
#include "inputfilespanel.h"
#include "mainwindow.h"
#include "outputconsole.h"
#include "runcontroller.h"
#include "sessiontabs.h"
#include "settings.h"

using namespace agentrun;

namespace {

constexpr int RunWaitMs = 60000; // a busy two-core machine runs other suites beside this one

bool writeFile(const QString& path, const QByteArray& data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

} // namespace

class TestInputFiles : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void panelKeepsAListPerTab();
    void freshAndSessionRunsReadTheFiles();
    void badFilesAreRefusedAndNothingRuns();
    void aSavedSnippetKeepsItsFiles();

private:
    model::RunResult runAndWait(ui::MainWindow& window);

    QTemporaryDir m_dir;
    std::unique_ptr<run::Executor> m_executor;
};

void TestInputFiles::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(QLocale::c());
    QVERIFY(m_dir.isValid());
    auto config = run::configFromEnvironment();
    config.poolSize = 0;
    m_executor = std::make_unique<run::Executor>(config);
    const auto ping = m_executor->ping();
    QVERIFY2(ping, ping ? "" : ping.error().message.c_str());
}

model::RunResult TestInputFiles::runAndWait(ui::MainWindow& window)
{
    QSignalSpy finished(window.runController(), &ui::RunController::finished);
    if (!window.runCurrent() || !QTest::qWaitFor([&] { return finished.size() == 1; }, RunWaitMs))
        return {};
    window.consolePanel()->console()->flushAll();
    return finished.at(0).at(0).value<model::RunResult>();
}

void TestInputFiles::panelKeepsAListPerTab()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("panel.ini")));
    ui::MainWindow window(*m_executor, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* panel = window.inputFilesPanel();
    auto* view = panel->view();
    const QString a = m_dir.filePath(QStringLiteral("a.csv"));
    const QString b = m_dir.filePath(QStringLiteral("b.json"));
    QVERIFY(writeFile(a, "x,y\n1,2\n"));
    QVERIFY(writeFile(b, "{}"));

    // Dropped files are added with their own names and sizes.
    auto* first = window.editorTabs()->currentEditor();
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(a), QUrl::fromLocalFile(b)});
    // As a drag does it: entering the list (the application routes the drop to the widget entered).
    QDragEnterEvent enter(QPoint(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(view->viewport(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(view->viewport(), &drop);
    QCOMPARE(view->topLevelItemCount(), 2);
    QCOMPARE(view->topLevelItem(0)->text(0), QStringLiteral("a.csv"));
    QCOMPARE(view->topLevelItem(0)->text(1), QStringLiteral("8 bytes"));
    QCOMPARE(view->topLevelItem(1)->text(2), b);

    // A folder and a file already listed are refused, saying why.
    QCOMPARE(panel->addPaths({m_dir.path(), a}), 0);
    QVERIFY2(panel->message().contains(QStringLiteral("is a folder")), qPrintable(panel->message()));
    QVERIFY(panel->message().contains(QStringLiteral("already listed")));

    // Renaming in the sandbox edits the name column; the host path stays.
    view->topLevelItem(1)->setText(0, QStringLiteral("inputs/config.json"));
    QCOMPARE(panel->entries(first).at(1).name, QStringLiteral("inputs/config.json"));
    QCOMPARE(panel->entries(first).at(1).path, b);

    // Another tab has its own (empty) list; coming back shows the first one again.
    window.editorTabs()->newTab();
    QCOMPARE(view->topLevelItemCount(), 0);
    window.editorTabs()->setCurrentWidget(first);
    QCOMPARE(view->topLevelItemCount(), 2);

    // Delete removes the selected file.
    view->setFocus();
    view->setCurrentItem(view->topLevelItem(0));
    QTest::keyClick(view, Qt::Key_Delete);
    QCOMPARE(panel->entries(first).size(), 1);
    QCOMPARE(ui::sandboxName(panel->entries(first).at(0)), QStringLiteral("inputs/config.json"));
}

void TestInputFiles::freshAndSessionRunsReadTheFiles()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("runs.ini")));
    ui::MainWindow window(*m_executor, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const QString data = m_dir.filePath(QStringLiteral("data.txt"));
    const QString other = m_dir.filePath(QStringLiteral("other.txt"));
    QVERIFY(writeFile(data, "first version"));
    QVERIFY(writeFile(other, "renamed one"));
    auto* editor = window.editorTabs()->currentEditor();
    window.inputFilesPanel()->setEntries(editor, {{data, {}}, {other, QStringLiteral("inputs/o.txt")}});
    editor->setText(
        QStringLiteral("import os\n"
                       "print(os.getcwd(), open('data.txt').read(), open('inputs/o.txt').read())\n"));

    auto fresh = runAndWait(window);
    QVERIFY2(fresh.status == model::Status::Ok, (fresh.message + fresh.stderrData).c_str());
    QCOMPARE(fresh.stdoutData, std::string("/tmp first version renamed one\n"));

    // The file changed on disk: the next run, in the tab's session this time, reads it again.
    QVERIFY(writeFile(data, "second version"));
    QTest::mouseClick(window.findChild<QToolButton*>(QStringLiteral("sessionModeButton")), Qt::LeftButton);
    QVERIFY(window.sessionTabs()->inSession(editor));
    auto inSession = runAndWait(window);
    QVERIFY2(inSession.status == model::Status::Ok, (inSession.message + inSession.stderrData).c_str());
    QVERIFY(inSession.session);
    QCOMPARE(inSession.stdoutData, std::string("/tmp second version renamed one\n"));
    QVERIFY(writeFile(data, "third"));
    auto again = runAndWait(window);
    QVERIFY(again.session);
    QCOMPARE(again.session->cell, 2);
    QCOMPARE(again.stdoutData, std::string("/tmp third renamed one\n"));
}

void TestInputFiles::badFilesAreRefusedAndNothingRuns()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("bad.ini")));
    ui::MainWindow window(*m_executor, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* editor = window.editorTabs()->currentEditor();
    editor->setText(QStringLiteral("print('ran')\n"));
    auto* status = window.findChild<QLabel*>(QStringLiteral("runStatusLabel"));
    QVERIFY(status);
    QSignalSpy started(window.runController(), &ui::RunController::started);

    // Missing: listed while it existed, gone by the run.
    const QString gone = m_dir.filePath(QStringLiteral("gone.txt"));
    QVERIFY(writeFile(gone, "x"));
    window.inputFilesPanel()->setEntries(editor, {{gone, {}}});
    QVERIFY(QFile::remove(gone));
    QVERIFY(!window.runCurrent());
    QVERIFY2(status->text().contains(gone), qPrintable(status->text()));
    QVERIFY(status->text().startsWith(QStringLiteral("Not started")));
    QVERIFY(window.inputFilesPanel()->view()->topLevelItem(0)->text(1) == QStringLiteral("missing"));

    // Over the cap: 33 MiB (a sparse file) is refused unread, naming the file and the cap.
    const QString big = m_dir.filePath(QStringLiteral("big.bin"));
    {
        QFile file(big);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QVERIFY(file.resize(33 << 20));
    }
    window.inputFilesPanel()->setEntries(editor, {{big, {}}});
    QVERIFY(!window.runCurrent());
    QVERIFY2(status->text().contains(big) && status->text().contains(QStringLiteral("32 MiB")),
             qPrintable(status->text()));

    // A bad name in the sandbox (the run checks it, model::validateInputFiles).
    const QString small = m_dir.filePath(QStringLiteral("small.txt"));
    QVERIFY(writeFile(small, "s"));
    window.inputFilesPanel()->setEntries(editor, {{small, QStringLiteral("../escape.txt")}});
    QVERIFY(!window.runCurrent());
    QVERIFY2(status->text().contains(QStringLiteral("../escape.txt")), qPrintable(status->text()));

    QTest::qWait(200);
    QCOMPARE(started.size(), 0);
    QVERIFY(!window.runController()->isRunning());
    QVERIFY(!window.consolePanel()->console()->toPlainText().contains(QStringLiteral("ran")));
}

void TestInputFiles::aSavedSnippetKeepsItsFiles()
{
    const QString ini = m_dir.filePath(QStringLiteral("saved.ini"));
    const QString snippet = m_dir.filePath(QStringLiteral("reader.py"));
    const QString data = m_dir.filePath(QStringLiteral("kept.csv"));
    QVERIFY(writeFile(data, "a,b\n"));
    {
        ui::Settings settings(ini);
        ui::MainWindow window(*m_executor, settings);
        window.editorTabs()->currentEditor()->setText(QStringLiteral("print(open('in/k.csv').read())\n"));
        QVERIFY(window.editorTabs()->saveCurrent(snippet));
        window.inputFilesPanel()->setEntries(window.editorTabs()->currentEditor(),
                                             {{data, QStringLiteral("in/k.csv")}});
    }
    // The next start: opening the snippet gives its tab the files again.
    ui::Settings settings(ini);
    ui::MainWindow window(*m_executor, settings);
    window.openPath(snippet);
    auto* editor = window.editorTabs()->currentEditor();
    QCOMPARE(window.editorTabs()->filePath(window.editorTabs()->currentIndex()), snippet);
    const QList<ui::InputFileEntry> expected{{data, QStringLiteral("in/k.csv")}};
    QCOMPARE(window.inputFilesPanel()->entries(editor), expected);
    QCOMPARE(window.inputFilesPanel()->view()->topLevelItemCount(), 1);
    auto result = runAndWait(window);
    QCOMPARE(result.stdoutData, std::string("a,b\n\n"));
}

QTEST_MAIN(TestInputFiles)
#include "tst_inputfiles.moc"
