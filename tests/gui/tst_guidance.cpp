// Code never lost and a window that says what to do (issue 23): the editor tabs are autosaved and come
// back at the next start (a session file that cannot be read is moved aside, never overwritten), the
// banner when the engine does not answer, the empty panels' hints, and traceback lines that lead back
// into the editor (a click puts the caret on the line, the raising line gets a marker) — offscreen, and
// through a real run when an engine answers.
#include "agentrun/run/executor.h"

#include <QApplication>
#include <QFile>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>

#include "cellcode.h"
#include "codeeditor.h"
#include "consolepanel.h"
#include "editortabs.h"
#include "emptyhints.h"
#include "enginebanner.h"
#include "enginemonitor.h"
#include "mainwindow.h"
#include "outputconsole.h"
#include "runcontroller.h"
#include "sessionrestore.h"
#include "settings.h"
#include "tracebacklinks.h"

using namespace agentrun;

namespace {

constexpr int RunWaitMs = 120000; // a busy two-core machine runs other suites beside this one

// An engine nobody runs: the window works, runs cannot start, and no test depends on the machine's engine.
run::ExecutorConfig noEngine()
{
    auto config = run::configFromEnvironment();
    config.dockerHost = "unix:///nonexistent/agentrun-test/docker.sock";
    config.poolSize = 0;
    return config;
}

struct Link
{
    QString href;
    int position = -1; // in the console's document
    QString text;
};

// The traceback links in the console, in document order.
QList<Link> linksIn(ui::OutputConsole& console)
{
    QList<Link> links;
    for (QTextBlock block = console.document()->begin(); block.isValid(); block = block.next())
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            const QTextCharFormat format = it.fragment().charFormat();
            if (format.isAnchor() && !format.anchorHref().isEmpty())
                links.push_back({format.anchorHref(), it.fragment().position(), it.fragment().text()});
        }
    return links;
}

} // namespace

class TestGuidance : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
    }

    // Tabs typed in one window are there in the next one, with their text and the current tab.
    void tabsComeBackAfterARestart()
    {
        const QString sessionPath = m_dir.filePath(QStringLiteral("restart/session.json"));
        const QString filePath = m_dir.filePath(QStringLiteral("restart/saved.py"));
        QVERIFY(QDir().mkpath(m_dir.filePath(QStringLiteral("restart"))));
        {
            QFile file(filePath);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("print('on disk')\n");
        }
        run::Executor executor(noEngine());
        {
            ui::Settings settings(m_dir.filePath(QStringLiteral("restart.ini")));
            ui::MainWindow window(executor, settings);
            QVERIFY(!window.restoreSession(sessionPath)); // nothing to restore the first time
            QVERIFY(window.sessionAutosave() && window.sessionAutosave()->isArmed());
            window.sessionAutosave()->setDelay(10);
            window.editorTabs()->currentEditor()->setText(QStringLiteral("x = 1\nprint(x)\n"));
            window.openPath(filePath);
            window.editorTabs()->currentEditor()->setText(QStringLiteral("print('not saved yet')\n"));
            ui::CodeEditor* third = window.editorTabs()->newTab(QStringLiteral("scratch"));
            third->setText(QStringLiteral("import math\n"));
            window.editorTabs()->setCurrentIndex(1);
            // Written shortly after the edits, without closing the window (a crash loses nothing).
            QTRY_VERIFY_WITH_TIMEOUT(window.sessionAutosave()->writes() > 0, 10000);
            QVERIFY(window.sessionAutosave()->saveNow());
        }
        QVERIFY(QFile::exists(sessionPath));
        {
            ui::Settings settings(m_dir.filePath(QStringLiteral("restart2.ini")));
            ui::MainWindow window(executor, settings);
            QVERIFY(window.restoreSession(sessionPath));
            ui::EditorTabs* tabs = window.editorTabs();
            QCOMPARE(tabs->count(), 3); // the start's empty tab made room
            QCOMPARE(tabs->editorAt(0)->text(), QStringLiteral("x = 1\nprint(x)\n"));
            QCOMPARE(tabs->filePath(1), filePath);
            QCOMPARE(tabs->editorAt(1)->text(), QStringLiteral("print('not saved yet')\n"));
            QVERIFY(tabs->editorAt(1)->isModified()); // still unsaved: closing it asks
            QCOMPARE(tabs->editorAt(2)->text(), QStringLiteral("import math\n"));
            QCOMPARE(tabs->currentIndex(), 1);
            QVERIFY(window.sessionAutosave()->note().contains(QStringLiteral("Restored 3 tabs")));
        }
    }

    // A session file that is not a session (garbage, huge, a folder) is reported and kept aside; the
    // next write does not destroy it.
    void anUnreadableSessionIsMovedAsideNotOverwritten_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<bool>("folder");
        QTest::newRow("not json") << QByteArray("{\"tabs\": [ {\"title\": ") << false;
        QTest::newRow("wrong shape") << QByteArray("[1, 2, 3]") << false;
        QTest::newRow("deep nesting") << QByteArray(200000, '[') << false;
        QTest::newRow("a folder") << QByteArray() << true;
    }

    void anUnreadableSessionIsMovedAsideNotOverwritten()
    {
        QFETCH(QByteArray, content);
        QFETCH(bool, folder);
        const QString dir =
            m_dir.filePath(QStringLiteral("bad-%1").arg(QTest::currentDataTag()).replace(u' ', u'-'));
        QVERIFY(QDir().mkpath(dir));
        const QString sessionPath = dir + QStringLiteral("/session.json");
        if (folder) {
            QVERIFY(QDir().mkpath(sessionPath));
        } else {
            QFile file(sessionPath);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(content);
        }
        run::Executor executor(noEngine());
        ui::Settings settings(dir + QStringLiteral("/w.ini"));
        ui::MainWindow window(executor, settings);
        QVERIFY(!window.restoreSession(sessionPath));
        QVERIFY2(window.sessionAutosave()->note().startsWith(QStringLiteral("Last session not restored")),
                 qPrintable(window.sessionAutosave()->note()));
        QCOMPARE(window.editorTabs()->count(), 1);
        if (!folder) {
            // The old bytes are kept, and the session is saved anew beside them.
            QFile aside(sessionPath + QStringLiteral(".bad"));
            QVERIFY2(aside.open(QIODevice::ReadOnly), qPrintable(window.sessionAutosave()->note()));
            QCOMPARE(aside.readAll(), content);
            window.editorTabs()->currentEditor()->setText(QStringLiteral("y = 2\n"));
            QVERIFY(window.sessionAutosave()->saveNow());
            auto loaded = ui::SessionFile(sessionPath).read();
            QVERIFY(loaded.session.has_value());
            QCOMPARE(loaded.session->tabs.front().text, QStringLiteral("y = 2\n"));
        }
    }

    // The engine does not answer: a banner above the editor says where it looked and what to do, in full
    // (the status bar cut it at the window's edge).
    void theEngineBannerSaysWhatToDo()
    {
        run::Executor executor(noEngine());
        ui::Settings settings(m_dir.filePath(QStringLiteral("banner.ini")));
        ui::MainWindow window(executor, settings);
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ui::EngineBanner* banner = window.engineBanner();
        QVERIFY(banner);
        QTRY_VERIFY_WITH_TIMEOUT(window.engineMonitor()->state() == ui::EngineMonitor::State::Unreachable,
                                 30000);
        QTRY_VERIFY(banner->isVisible());
        const QString message = banner->message();
        QVERIFY2(message.contains(QStringLiteral("unix:///nonexistent/agentrun-test/docker.sock")),
                 qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("quickstart.sh")) &&
                     message.contains(QStringLiteral("DOCKER_HOST")),
                 qPrintable(message));
        QVERIFY(banner->retryButton() && banner->retryButton()->isVisible());
        // It wraps within the window instead of being cut.
        QVERIFY(banner->geometry().right() <= window.centralWidget()->width());
    }

    void theBannerStaysAwayWhenTheEngineAnswers()
    {
        auto config = run::configFromEnvironment();
        config.poolSize = 0;
        run::Executor executor(config);
        if (auto ping = executor.ping(); !ping)
            QSKIP("no engine");
        ui::Settings settings(m_dir.filePath(QStringLiteral("ready.ini")));
        ui::MainWindow window(executor, settings);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_VERIFY_WITH_TIMEOUT(window.engineMonitor()->state() != ui::EngineMonitor::State::Checking,
                                 60000);
        QVERIFY(window.engineMonitor()->state() != ui::EngineMonitor::State::Unreachable);
        QVERIFY(!window.engineBanner()->isVisible());
    }

    // First start: the empty panels say where to begin; the hints go when there is something to show.
    void emptyPanelsSayWhereToBegin()
    {
        run::Executor executor(noEngine());
        ui::Settings settings(m_dir.filePath(QStringLiteral("hints.ini")));
        ui::MainWindow window(executor, settings);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ui::OutputConsole* console = window.consolePanel()->console();
        QCOMPARE(console->placeholderText(), ui::emptyhint::output());
        QVERIFY(console->placeholderText().contains(QStringLiteral("Ctrl+Return")));
        QVERIFY(console->placeholderText().contains(QStringLiteral("Examples")));
        QVERIFY(ui::hintColor(console->palette()) != QColor());

        const auto hints = window.findChildren<ui::EmptyViewHint*>();
        ui::EmptyViewHint* problems = nullptr;
        for (auto* hint : hints)
            if (hint->text() == ui::emptyhint::problems())
                problems = hint;
        QVERIFY2(problems, qPrintable(QString::number(hints.size())));
        QTRY_VERIFY(problems->isShowing());
        // A finding fills the Problems panel: its hint goes.
        window.editorTabs()->currentEditor()->setText(QStringLiteral("import os\nos.system('ls')\n"));
        QTRY_VERIFY_WITH_TIMEOUT(!problems->isShowing(), 10000);
        // Cleared again: it comes back.
        window.editorTabs()->currentEditor()->setText(QString());
        QTRY_VERIFY_WITH_TIMEOUT(problems->isShowing(), 10000);
    }

    // A traceback into the submitted code, without an engine: the frames' lines become links, a click
    // puts the caret on the line, the raising line is marked until the tab is edited.
    void tracebackLinesLeadToTheEditor()
    {
        run::Executor executor(noEngine());
        ui::Settings settings(m_dir.filePath(QStringLiteral("links.ini")));
        ui::MainWindow window(executor, settings);
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ui::CodeEditor* editor = window.editorTabs()->currentEditor();
        editor->setText(QStringLiteral("def f(x):\n    return 1 / x\n\nprint('start')\nf(0)\n"));
        ui::OutputConsole* console = window.consolePanel()->console();
        const QByteArray traceback = "Traceback (most recent call last):\n"
                                     "  File \"/tmp/main.py\", line 5, in <module>\n"
                                     "    f(0)\n"
                                     "  File \"/tmp/main.py\", line 2, in f\n"
                                     "    return 1 / x\n"
                                     "ZeroDivisionError: division by zero\n";
        console->appendOutput(model::Stream::Stderr, traceback);
        console->flushAll();
        const auto frames = ui::mapTraceback(QString::fromUtf8(traceback), {}, 1);
        QCOMPARE(int(frames.size()), 2);
        ui::TracebackLinks* links = window.tracebackLinks();
        links->showRun(editor, frames);
        QCOMPARE(links->linkCount(), 2);
        QCOMPARE(links->markedLine(), 2); // the innermost frame raised

        const QList<Link> found = linksIn(*console);
        QCOMPARE(found.size(), 2);
        QVERIFY2(found[0].text.startsWith(QStringLiteral("File \"/tmp/main.py\", line 5")),
                 qPrintable(found[0].text));

        // A click on the first link (line 5): the caret goes there.
        editor->setCursorPosition(0, 0);
        QSignalSpy activated(links, &ui::TracebackLinks::lineActivated);
        QTextCursor cursor(console->document());
        cursor.setPosition(found[0].position + 2);
        console->ensureCursorVisible();
        const QPoint at = console->cursorRect(cursor).center();
        QCOMPARE(console->anchorAt(at), found[0].href);
        QTest::mouseClick(console->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(activated.count(), 1);
        int line = -1, index = -1;
        editor->getCursorPosition(&line, &index);
        QCOMPARE(line + 1, 5);
        // The second link by its href (as a keyboard user would follow it).
        QVERIFY(links->activate(found[1].href));
        editor->getCursorPosition(&line, &index);
        QCOMPARE(line + 1, 2);
        // Hostile or stale links do nothing.
        QVERIFY(!links->activate(QStringLiteral("agentrun-line:999:1")));
        QVERIFY(!links->activate(QStringLiteral("agentrun-line:x:y")));
        QVERIFY(!links->activate(QStringLiteral("https://example.invalid/")));

        // An edit of the tab ends the marker (its line may have moved).
        editor->insertAt(QStringLiteral("# edited\n"), 0, 0);
        QCOMPARE(links->markedLine(), 0);
    }

    // Through a real run: the exception's traceback is linked and its line marked.
    void aRealRunsTracebackIsLinked()
    {
        auto config = run::configFromEnvironment();
        config.poolSize = 0;
        run::Executor executor(config);
        if (auto ping = executor.ping(); !ping)
            QSKIP("no engine");
        ui::Settings settings(m_dir.filePath(QStringLiteral("realrun.ini")));
        ui::MainWindow window(executor, settings);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ui::CodeEditor* editor = window.editorTabs()->currentEditor();
        editor->setText(QStringLiteral("def f(x):\n    return 1 / x\n\nf(0)\n"));
        QSignalSpy finished(window.runController(), &ui::RunController::finished);
        QVERIFY(window.runCurrent());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, RunWaitMs);
        QVERIFY(finished.front().front().value<model::RunResult>().status == model::Status::Exception);
        QTRY_VERIFY_WITH_TIMEOUT(window.tracebackLinks()->linkCount() >= 2, 10000);
        QCOMPARE(window.tracebackLinks()->markedLine(), 2);
        const QList<Link> found = linksIn(*window.consolePanel()->console());
        QVERIFY(found.size() >= 2);
        QVERIFY(window.tracebackLinks()->activate(found.front().href));
        int line = -1, index = -1;
        editor->getCursorPosition(&line, &index);
        QCOMPARE(line + 1, 4);
    }
};

QTEST_MAIN(TestGuidance)
#include "tst_guidance.moc"
