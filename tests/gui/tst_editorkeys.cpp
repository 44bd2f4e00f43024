// The editor and the window, round two (issue 23): every shortcut of the window reaches it from the
// editor (QScintilla claims its own key map first: Ctrl+T swapped lines instead of opening a tab, Esc did
// not stop a run), unsaved code is never closed without asking (Ctrl+W, the tab's button, quitting), and
// a chat answer's paste keeps its Python blocks and says what it left out. Esc stops a real run.
#include "agentrun/run/executor.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QKeyEvent>
#include <QLocale>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

#include "codeeditor.h"
#include "editortabs.h"
#include "mainwindow.h"
#include "runcontroller.h"
#include "settings.h"

using namespace agentrun;

namespace {

constexpr int RunWaitMs = 60000; // a busy two-core machine runs other suites beside this one

/// Whether the editor lets `key` through to the window: it leaves the ShortcutOverride event ignored, as
/// Qt's shortcut map sends it (ignored first; a widget that wants the key accepts it).
bool editorLetsThrough(ui::CodeEditor& editor, const QKeySequence& key)
{
    const QKeyCombination combination = key[0];
    QKeyEvent override(QEvent::ShortcutOverride, combination.key(), combination.keyboardModifiers());
    override.ignore();
    QApplication::sendEvent(&editor, &override);
    return !override.isAccepted();
}

} // namespace

class TestEditorKeys : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        auto config = run::configFromEnvironment();
        config.poolSize = 0;
        m_executor = std::make_unique<run::Executor>(config);
    }

    void everyWindowShortcutPassesTheEditor()
    {
        ui::Settings settings(m_dir.filePath(QStringLiteral("keys.ini")));
        ui::MainWindow window(*m_executor, settings);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ui::CodeEditor* editor = window.editorTabs()->currentEditor();
        editor->setFocus();
        int checked = 0;
        for (QAction* action : window.findChildren<QAction*>()) {
            if (action->shortcuts().isEmpty() || action->shortcutContext() != Qt::WindowShortcut)
                continue;
            action->setEnabled(
                true); // Stop and Run Anyway are enabled only at times; their keys must pass then
            for (const QKeySequence& key : action->shortcuts()) {
                QVERIFY2(
                    editorLetsThrough(*editor, key),
                    qPrintable(key.toString() + u" of “" + action->text() + u"” is taken by the editor"));
                ++checked;
            }
        }
        QVERIFY2(checked >= 10, qPrintable(QString::number(checked)));
        // Keys no action has stay the editor's own (Ctrl+D duplicates a line in QScintilla).
        QVERIFY(!editorLetsThrough(*editor, QKeySequence(Qt::CTRL | Qt::Key_D)));
    }

    void ctrlTInTheEditorOpensATab()
    {
        ui::Settings settings(m_dir.filePath(QStringLiteral("tab.ini")));
        ui::MainWindow window(*m_executor, settings);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ui::CodeEditor* editor = window.editorTabs()->currentEditor();
        const QString text = QStringLiteral("first = 1\nsecond = 2\n");
        editor->setText(text);
        editor->setCursorPosition(1, 0);
        editor->setFocus();
        const int tabs = window.editorTabs()->count();
        QTest::keyClick(editor, Qt::Key_T, Qt::ControlModifier);
        QCOMPARE(window.editorTabs()->count(), tabs + 1);
        QCOMPARE(editor->text(), text); // QScintilla's Ctrl+T would have swapped the two lines
    }

    void escInTheEditorStopsARun()
    {
        ui::Settings settings(m_dir.filePath(QStringLiteral("esc.ini")));
        ui::MainWindow window(*m_executor, settings);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        if (auto ping = m_executor->ping(); !ping)
            QSKIP("no engine: the run that Esc stops needs one");
        ui::CodeEditor* editor = window.editorTabs()->currentEditor();
        editor->setText(QStringLiteral("import time\nprint('started', flush=True)\ntime.sleep(100)\n"));
        QSignalSpy running(window.runController(), &ui::RunController::runningChanged);
        QSignalSpy finished(window.runController(), &ui::RunController::finished);
        QVERIFY(window.runCurrent());
        QTRY_VERIFY_WITH_TIMEOUT(window.runController()->isRunning(), RunWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(window.findChild<QAction*>(QStringLiteral("stopAction"))->isEnabled(),
                                 RunWaitMs);
        editor->setFocus();
        QTest::keyClick(editor, Qt::Key_Escape);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, RunWaitMs);
        QVERIFY(finished.front().front().value<model::RunResult>().status == model::Status::Cancelled);
    }

    void unsavedCodeIsNeverClosedWithoutAsking()
    {
        ui::Settings settings(m_dir.filePath(QStringLiteral("close.ini")));
        ui::MainWindow window(*m_executor, settings);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ui::EditorTabs* tabs = window.editorTabs();
        QStringList asked;
        ui::EditorTabs::CloseAnswer answer = ui::EditorTabs::CloseAnswer::Cancel;
        tabs->askBeforeClose = [&](const QStringList& titles) {
            asked = titles;
            return answer;
        };
        tabs->currentEditor()->setText(QStringLiteral("print('keep me')\n"));
        const int before = tabs->count();
        tabs->currentEditor()->setFocus();

        // Ctrl+W asks; Cancel keeps the tab and its code.
        QTest::keyClick(tabs->currentEditor(), Qt::Key_W, Qt::ControlModifier);
        QCOMPARE(asked.size(), 1);
        QCOMPARE(tabs->count(), before);
        QCOMPARE(tabs->currentEditor()->text(), QStringLiteral("print('keep me')\n"));

        // Quitting (Ctrl+Q, from the editor) asks too, and Cancel keeps the window open.
        asked.clear();
        QTest::keyClick(tabs->currentEditor(), Qt::Key_Q, Qt::ControlModifier);
        QCOMPARE(asked.size(), 1);
        QVERIFY(window.isVisible());
        asked.clear();
        QVERIFY(!window.close());
        QCOMPARE(asked.size(), 1);
        QVERIFY(window.isVisible());

        // Save: the window's Save runs for that tab; still unsaved afterwards (no name given) → kept open.
        answer = ui::EditorTabs::CloseAnswer::Save;
        int saves = 0;
        tabs->saveTab = [&](int) { ++saves; };
        QVERIFY(!tabs->requestClose(tabs->currentIndex()));
        QCOMPARE(saves, 1);
        QCOMPARE(tabs->count(), before);

        // Discard closes it; a tab without changes or with nothing in it closes without a question.
        answer = ui::EditorTabs::CloseAnswer::Discard;
        QVERIFY(tabs->requestClose(tabs->currentIndex()));
        asked.clear();
        tabs->newTab();
        QVERIFY(tabs->requestClose(tabs->currentIndex()));
        QVERIFY(asked.isEmpty());
        QVERIFY(window.close());
    }

    void pasteSaysWhatItKept()
    {
        ui::Settings settings(m_dir.filePath(QStringLiteral("paste.ini")));
        ui::MainWindow window(*m_executor, settings);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ui::CodeEditor* editor = window.editorTabs()->currentEditor();
        editor->setText({});
        // The answer of the report: a bash block before two Python blocks.
        QApplication::clipboard()->setText(
            QStringLiteral("Install it first:\n\n```bash\npip install requests\n```\n\n"
                           "Then:\n\n```python\nimport json\n```\n\nand:\n\n"
                           "```python\nprint(json.dumps([1]))\n```\n"));
        editor->paste();
        QCOMPARE(editor->text(), QStringLiteral("import json\n\nprint(json.dumps([1]))\n"));
        QCOMPARE(window.statusBar()->currentMessage(),
                 QStringLiteral("Pasted 2 Python blocks; left out 1 bash block and the text around them."));
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<run::Executor> m_executor;
};

QTEST_MAIN(TestEditorKeys)
#include "tst_editorkeys.moc"
