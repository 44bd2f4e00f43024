// Sessions and cells in the workbench (issue 17): a tab in session mode runs its `# %%` cells in one
// sandbox whose state survives (three cells: define, transform, print), the Variables panel follows each
// run, a traceback's <cell N> lines are mapped to editor lines, a timeout restarts the session and says
// so, Restart Session (Ctrl+.) starts it afresh, and closing the tab or the window leaves no container.
// The cell shortcuts are pressed in the editor, where QScintilla's own bindings would take them first.
// Against the real engine, with an executor without a warm pool: every container this process owns is a
// session's.
#include "agentrun/engine/client.h"
#include "agentrun/errorcodes.h"
#include "agentrun/engine/endpoint.h"
#include "agentrun/run/executor.h"

#include <QAction>
#include <QApplication>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLocale>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeWidget>

#include "cellcode.h"
#include "codeeditor.h"
#include "consolepanel.h"
#include "editortabs.h"
#include "mainwindow.h"
#include "outputconsole.h"
#include "runcontroller.h"
#include "sessiontabs.h"
#include "settings.h"
#include "variablespanel.h"

using namespace agentrun;

namespace {

constexpr int RunWaitMs = 60000; // a busy two-core machine runs other suites beside this one

const QString ThreeCells = QStringLiteral("# %% load\n"
                                          "rows = [3, 1, 2]\n"
                                          "data = {'n': len(rows)}\n"
                                          "# %% transform\n"
                                          "rows = sorted(rows)\n"
                                          "total = sum(rows)\n"
                                          "# %% show\n"
                                          "print('rows', rows, 'total', total)\n"
                                          "# %% oops\n"
                                          "ratio = total / 0\n");

QMap<QString, QStringList> variablesShown(ui::MainWindow& window)
{
    QMap<QString, QStringList> out;
    QTreeWidget* view = window.variablesPanel()->view();
    for (int i = 0; i < view->topLevelItemCount(); ++i) {
        const QTreeWidgetItem* item = view->topLevelItem(i);
        out.insert(item->text(0), {item->text(1), item->text(2), item->text(3)});
    }
    return out;
}

} // namespace

class TestSessions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cellsAndSelectionsArePieces();
    void shortcutsReachTheWindowFromTheEditor();
    void sessionAcrossThreeCells();
    void closingATabStopsTheRunInItsSession();
    void closingTheWindowClosesItsSessions();
    void anExpiredSessionIsSaidAndReplaced();

private:
    int ownedContainers();
    model::RunResult pressAndWait(ui::MainWindow& window, int key, Qt::KeyboardModifiers modifiers);

    QTemporaryDir m_dir;
    std::unique_ptr<run::Executor> m_executor;
    std::unique_ptr<engine::Client> m_client;
};

void TestSessions::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(QLocale::c());
    QVERIFY(m_dir.isValid());
    auto config = run::configFromEnvironment();
    config.poolSize = 0;
    m_executor = std::make_unique<run::Executor>(config);
    const auto ping = m_executor->ping();
    QVERIFY2(ping, ping ? "" : ping.error().message.c_str());
    auto endpoint = engine::Endpoint::resolve();
    QVERIFY2(endpoint, endpoint ? "" : endpoint.error().message.c_str());
    m_client = std::make_unique<engine::Client>(*endpoint);
    QCOMPARE(ownedContainers(), 0);
}

int TestSessions::ownedContainers()
{
    auto ids = m_client->listContainers(
        "org.agentrun.owner-pid=" + std::to_string(QCoreApplication::applicationPid()), true);
    return ids ? int(ids->size()) : -1;
}

model::RunResult TestSessions::pressAndWait(ui::MainWindow& window, int key, Qt::KeyboardModifiers modifiers)
{
    QSignalSpy finished(window.runController(), &ui::RunController::finished);
    auto* editor = window.editorTabs()->currentEditor();
    editor->setFocus();
    QTest::keyClick(editor, Qt::Key(key), modifiers);
    if (!QTest::qWaitFor([&] { return finished.size() == 1; }, RunWaitMs))
        return {};
    window.consolePanel()->console()->flushAll();
    return finished.at(0).at(0).value<model::RunResult>();
}

void TestSessions::cellsAndSelectionsArePieces()
{
    // The cell at the caret: a marker line belongs to the cell it opens; the next cell's first line.
    auto first = ui::cellAt(ThreeCells, 0);
    QVERIFY(first);
    QCOMPARE(first->firstLine, 2);
    QCOMPARE(first->nextLine, 5);
    QCOMPARE(first->code, QStringLiteral("rows = [3, 1, 2]\ndata = {'n': len(rows)}\n"));
    auto third = ui::cellAt(ThreeCells, 7);
    QVERIFY(third);
    QCOMPARE(third->firstLine, 8);
    QCOMPARE(third->nextLine, 10);
    QCOMPARE(ui::cellAt(ThreeCells, 9)->nextLine, 0);
    QVERIFY(!ui::cellAt(QStringLiteral("x = 1\n# %%\n\n# %%\ny = 2\n"), 2)); // a blank cell
    auto whole = ui::cellAt(QStringLiteral("print(1)\nprint(2)"), 1);
    QCOMPARE(whole->code, QStringLiteral("print(1)\nprint(2)"));
    QCOMPARE(whole->firstLine, 1);
    // A selected method body runs as written, without its indentation.
    QCOMPARE(ui::selectionPiece(QStringLiteral("    x = 1\n    if x:\n        y = 2"), 4).code,
             QStringLiteral("x = 1\nif x:\n    y = 2"));
    // Traceback frames: cells this tab ran map to editor lines; others are left out.
    const QString traceback = QStringLiteral("Traceback (most recent call last):\n"
                                             "  File \"<cell 4>\", line 2, in <module>\n"
                                             "  File \"<cell 1>\", line 3, in f\n"
                                             "  File \"<cell 9>\", line 1, in g\n"
                                             "ZeroDivisionError: division by zero\n");
    const auto frames = ui::mapTraceback(traceback, {{1, 2}, {4, 10}}, 0);
    QCOMPARE(frames.size(), std::size_t(2));
    QCOMPARE(frames[0].location, QStringLiteral("<cell 4>, line 2"));
    QCOMPARE(frames[0].editorLine, 11);
    QCOMPARE(frames[1].editorLine, 4);
    const auto fresh =
        ui::mapTraceback(QStringLiteral("  File \"/tmp/main.py\", line 3, in <module>\n"), {}, 8);
    QCOMPARE(fresh.size(), std::size_t(1));
    QCOMPARE(fresh[0].editorLine, 10);
}

void TestSessions::shortcutsReachTheWindowFromTheEditor()
{
    ui::Settings settings(m_dir.filePath(QStringLiteral("keys.ini")));
    ui::MainWindow window(*m_executor, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* editor = window.editorTabs()->currentEditor();
    // No key of the cell and session actions is one of QScintilla's own (as Ctrl+T is: issue 23).
    for (const char* name : {"runAction", "runCellAction", "runCellAdvanceAction", "runSelectionAction",
                             "restartSessionAction"}) {
        auto* action = window.findChild<QAction*>(QString::fromLatin1(name));
        QVERIFY2(action, name);
        QVERIFY2(!action->shortcuts().isEmpty(), name);
        for (const QKeySequence& key : action->shortcuts())
            QVERIFY2(!editor->standardCommands()->boundTo(key[0].toCombined()),
                     qPrintable(key.toString() + u" is bound by the editor"));
    }

    // Pressed in the editor, fresh mode: each reaches its action, and the editor's text is untouched.
    const QString text = QStringLiteral("print('one')\n# %%\nprint('two')\n");
    editor->setText(text);
    editor->setCursorPosition(0, 3);
    auto result = pressAndWait(window, Qt::Key_Return, Qt::ShiftModifier);
    QCOMPARE(result.stdoutData, std::string("one\n"));
    QVERIFY(!result.session); // fresh mode: a fresh run
    QCOMPARE(editor->text(), text);
    int line = -1, index = -1;
    editor->getCursorPosition(&line, &index);
    QCOMPARE(line, 2); // moved to the next cell
    result = pressAndWait(window, Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(result.stdoutData, std::string("two\n"));
    editor->getCursorPosition(&line, &index);
    QCOMPARE(line, 2); // Ctrl+Return stays
    result = pressAndWait(window, Qt::Key_Enter, Qt::ShiftModifier | Qt::KeypadModifier);
    QCOMPARE(result.stdoutData, std::string("two\n"));
    QCOMPARE(editor->text(), text);
    result = pressAndWait(window, Qt::Key_F5, Qt::NoModifier);
    QCOMPARE(result.stdoutData, std::string("one\ntwo\n"));
    editor->setSelection(2, 0, 2, 12);
    result = pressAndWait(window, Qt::Key_F9, Qt::NoModifier);
    QCOMPARE(result.stdoutData, std::string("two\n"));
    QCOMPARE(editor->text(), text);

    // A fresh run of a cell: its traceback's lines are the cell's, said as the editor's.
    editor->setText(QStringLiteral("x = 1\n# %%\nprint('a')\n1 / 0\n"));
    editor->setCursorPosition(3, 0);
    result = pressAndWait(window, Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(model::toString(result.status), std::string_view("exception"));
    QVERIFY2(window.consolePanel()->console()->toPlainText().contains(
                 QStringLiteral("— line 2 is line 4 in the editor")),
             qPrintable(window.consolePanel()->console()->toPlainText()));
}

void TestSessions::sessionAcrossThreeCells()
{
    // The fresh runs before this test remove their sandboxes in the background.
    QTRY_COMPARE_WITH_TIMEOUT(ownedContainers(), 0, RunWaitMs);
    ui::Settings settings(m_dir.filePath(QStringLiteral("session.ini")));
    ui::MainWindow window(*m_executor, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* editor = window.editorTabs()->currentEditor();
    auto* console = window.consolePanel()->console();
    auto* label = window.findChild<QLabel*>(QStringLiteral("sessionStateLabel"));
    auto* restart = window.findChild<QAction*>(QStringLiteral("restartSessionAction"));
    QVERIFY(label && restart);
    editor->setText(ThreeCells);
    editor->setCursorPosition(0, 0);

    // Session mode is per tab and off by default; the toolbar's toggle turns it on for this tab.
    QVERIFY(!window.sessionTabs()->inSession(editor));
    QCOMPARE(label->text().trimmed(), QStringLiteral("Fresh runs"));
    QTest::mouseClick(window.findChild<QToolButton*>(QStringLiteral("sessionModeButton")), Qt::LeftButton);
    QVERIFY(window.sessionTabs()->inSession(editor));
    QCOMPARE(ownedContainers(), 0); // lazily: nothing until the first run
    QVERIFY(!restart->isEnabled());

    // Three cells, Shift+Return each: define, transform, print.
    auto load = pressAndWait(window, Qt::Key_Return, Qt::ShiftModifier);
    QVERIFY2(load.status == model::Status::Ok, load.message.c_str());
    QVERIFY(load.session);
    QCOMPARE(load.session->cell, 1);
    const QString id = QString::fromStdString(load.session->id);
    QCOMPARE(window.sessionTabs()->state(editor).id, id);
    QCOMPARE(ownedContainers(), 1);
    auto transform = pressAndWait(window, Qt::Key_Return, Qt::ShiftModifier);
    QCOMPARE(transform.session->cell, 2);
    auto show = pressAndWait(window, Qt::Key_Return, Qt::ShiftModifier);
    QCOMPARE(show.session->cell, 3);
    QCOMPARE(show.stdoutData, std::string("rows [1, 2, 3] total 6\n")); // the state survived
    QVERIFY(console->toPlainText().contains(QStringLiteral("rows [1, 2, 3] total 6")));
    QCOMPARE(label->text().trimmed(), QStringLiteral("Session %1 · 3 cells run").arg(id.left(8)));
    QVERIFY(restart->isEnabled());

    // The Variables panel: name, type, short repr, size; modules and _names left out.
    auto shown = variablesShown(window);
    QCOMPARE(shown.value(QStringLiteral("rows")),
             QStringList({QStringLiteral("list"), QStringLiteral("[1, 2, 3]"), QStringLiteral("3 items")}));
    QCOMPARE(shown.value(QStringLiteral("total")),
             QStringList({QStringLiteral("int"), QStringLiteral("6"), QString()}));
    QCOMPARE(shown.value(QStringLiteral("data")).value(0), QStringLiteral("dict"));

    // A traceback names <cell 4>: the console says which editor line that is.
    auto oops = pressAndWait(window, Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(model::toString(oops.status), std::string_view("exception"));
    QVERIFY(oops.stderrData.find("File \"<cell 4>\", line 1") != std::string::npos);
    QVERIFY2(console->toPlainText().contains(QStringLiteral("— <cell 4>, line 1 is line 10 in the editor")),
             qPrintable(console->toPlainText()));
    QVERIFY(!oops.session->restarted); // an exception keeps the state

    // A timeout ends the state: the session restarts and says so; the variables are gone.
    window.findChild<QDoubleSpinBox*>(QStringLiteral("timeoutLimitSpin"))->setValue(2);
    editor->append(QStringLiteral("# %% stuck\nwhile True:\n    pass\n"));
    editor->setCursorPosition(11, 0);
    auto stuck = pressAndWait(window, Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(model::toString(stuck.status), std::string_view("timeout"));
    QVERIFY(stuck.session && stuck.session->restarted);
    QVERIFY2(console->toPlainText().contains(QStringLiteral("— session restarted: state lost (timeout)")),
             qPrintable(console->toPlainText()));
    QVERIFY(label->text().contains(QStringLiteral("restarted: state lost")));
    QVERIFY(variablesShown(window).isEmpty());
    QVERIFY(window.findChild<QLabel*>(QStringLiteral("variablesEmptyLabel"))
                ->text()
                .contains(QStringLiteral("state was lost")));
    editor->setCursorPosition(7, 0); // the print cell again: its names are gone
    auto after = pressAndWait(window, Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(after.session->cell, 1);
    QVERIFY(after.stderrData.find("NameError") != std::string::npos);
    QCOMPARE(ownedContainers(), 1);

    // The run's own timeout applied (above) without a word; a sandbox limit is the session's: said.
    QVERIFY(!console->toPlainText().contains(QStringLiteral("the session keeps")));
    auto* pids = window.findChild<QSpinBox*>(QStringLiteral("pidsLimitSpin"));
    QVERIFY(pids);
    pids->setValue(pids->value() + 16);
    // Restart on demand, pressed in the editor (Ctrl+.): the state is gone, the session is the same.
    editor->setCursorPosition(1, 0);
    QVERIFY(pressAndWait(window, Qt::Key_Return, Qt::ControlModifier).status == model::Status::Ok);
    QVERIFY2(console->toPlainText().contains(QStringLiteral(
                 "— the session keeps the processes it opened with; turn Run in Session off and on")),
             qPrintable(console->toPlainText()));
    QVERIFY(variablesShown(window).contains(QStringLiteral("rows")));
    QSignalSpy restarted(window.runController(), &ui::RunController::sessionRestarted);
    editor->setFocus();
    QTest::keyClick(editor, Qt::Key_Period, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(restarted.size(), 1, RunWaitMs);
    QCOMPARE(restarted.at(0).at(0).toString(), id);
    QVERIFY(restarted.at(0).at(1).toString().isEmpty());
    QTRY_VERIFY(
        console->toPlainText().contains(QStringLiteral("— session restarted: state lost (on demand)")));
    QVERIFY(variablesShown(window).isEmpty());
    QVERIFY(m_executor->session(id.toStdString()));

    // Another tab runs fresh; closing the session's tab closes the session: no container left.
    window.editorTabs()->newTab();
    QVERIFY(!window.sessionTabs()->inSession(window.editorTabs()->currentEditor()));
    QCOMPARE(label->text().trimmed(), QStringLiteral("Fresh runs"));
    window.editorTabs()->closeTab(window.editorTabs()->indexOf(editor));
    QTRY_VERIFY_WITH_TIMEOUT(!m_executor->session(id.toStdString()), RunWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(ownedContainers(), 0, RunWaitMs);
}

void TestSessions::closingATabStopsTheRunInItsSession()
{
    QTRY_COMPARE_WITH_TIMEOUT(ownedContainers(), 0, RunWaitMs);
    ui::Settings settings(m_dir.filePath(QStringLiteral("closetab.ini")));
    ui::MainWindow window(*m_executor, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* editor = window.editorTabs()->currentEditor();
    editor->setText(QStringLiteral("import time\nprint('started', flush=True)\ntime.sleep(120)\n"));
    window.sessionTabs()->setInSession(editor, true);
    QSignalSpy output(window.runController(), &ui::RunController::outputArrived);
    QSignalSpy finished(window.runController(), &ui::RunController::finished);
    QVERIFY(window.runCell());
    QTRY_VERIFY_WITH_TIMEOUT(output.size() >= 1, RunWaitMs); // the cell is running in its session
    QCOMPARE(m_executor->sessions().size(), std::size_t(1));
    window.editorTabs()->closeTab(window.editorTabs()->indexOf(editor));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, RunWaitMs); // well before the 120 s sleep ends
    const auto result = finished.at(0).at(0).value<model::RunResult>();
    QCOMPARE(model::toString(result.status), std::string_view("killed"));
    QVERIFY(m_executor->sessions().empty());
    QTRY_COMPARE_WITH_TIMEOUT(ownedContainers(), 0, RunWaitMs);
    // The window goes on: the new tab runs fresh.
    QVERIFY(!window.sessionTabs()->inSession(window.editorTabs()->currentEditor()));
}

void TestSessions::closingTheWindowClosesItsSessions()
{
    QTRY_COMPARE_WITH_TIMEOUT(ownedContainers(), 0, RunWaitMs);
    // Closed (Ctrl+Q), or only destroyed (as main's window is when the application ends otherwise).
    for (const bool closeFirst : {true, false}) {
        {
            ui::Settings settings(m_dir.filePath(QStringLiteral("quit.ini")));
            ui::MainWindow window(*m_executor, settings);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            auto* editor = window.editorTabs()->currentEditor();
            editor->setText(QStringLiteral("kept = 1\n"));
            window.sessionTabs()->setInSession(editor, true);
            QVERIFY(pressAndWait(window, Qt::Key_Return, Qt::ControlModifier).session);
            QCOMPARE(ownedContainers(), 1);
            QCOMPARE(m_executor->sessions().size(), std::size_t(1));
            if (closeFirst) {
                // The snippet is unsaved: the window asks first (issue 23); the answer here is Discard.
                window.editorTabs()->askBeforeClose = [](const QStringList&) {
                    return ui::EditorTabs::CloseAnswer::Discard;
                };
                QVERIFY(window.close());
            }
        }
        // The window's controller waited for the close: gone when the window is.
        QVERIFY(m_executor->sessions().empty());
        QTRY_COMPARE_WITH_TIMEOUT(ownedContainers(), 0, RunWaitMs);
    }
}

void TestSessions::anExpiredSessionIsSaidAndReplaced()
{
    QTRY_COMPARE_WITH_TIMEOUT(ownedContainers(), 0, RunWaitMs);
    auto config = run::configFromEnvironment();
    config.poolSize = 0;
    config.sessions.idleSeconds = 2;
    run::Executor executor(config);
    ui::Settings settings(m_dir.filePath(QStringLiteral("idle.ini")));
    ui::MainWindow window(executor, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* editor = window.editorTabs()->currentEditor();
    editor->setText(QStringLiteral("kept = 1\nprint('ran')\n"));
    window.sessionTabs()->setInSession(editor, true);
    const auto first = pressAndWait(window, Qt::Key_Return, Qt::ControlModifier);
    QVERIFY(first.session);
    const std::string id = first.session->id;
    QTRY_VERIFY_WITH_TIMEOUT(!executor.session(id), RunWaitMs); // idled out
    const auto refused = pressAndWait(window, Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(refused.errorCode, std::string(errc::SessionNotFound));
    QVERIFY2(window.consolePanel()->console()->toPlainText().contains(QStringLiteral(
                 "— the session had ended (idle too long, or its lifetime reached): state lost")),
             qPrintable(window.consolePanel()->console()->toPlainText()));
    QVERIFY(window.sessionTabs()->state(editor).id.isEmpty());
    const auto next = pressAndWait(window, Qt::Key_Return, Qt::ControlModifier);
    QVERIFY2(next.status == model::Status::Ok, next.message.c_str());
    QVERIFY(next.session && next.session->id != id);
    QCOMPARE(next.session->cell, 1);
}

QTEST_MAIN(TestSessions)
#include "tst_sessions.moc"
