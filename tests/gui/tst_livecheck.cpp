// Findings in the editor: code-point columns mapped to QScintilla positions, markers and squiggles at the
// right place, the live check (debounced, off the GUI thread) and the Problems panel that jumps.
#include "agentrun/run/executor.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QClipboard>
#include <QLocale>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include "codeeditor.h"
#include "editortabs.h"
#include "editortext.h"
#include "findingsmodel.h"
#include "findingspanel.h"
#include "livechecker.h"
#include "mainwindow.h"
#include "settings.h"

using namespace agentrun;
using safety::Finding;
using safety::Severity;

namespace {

bool indicatorAt(ui::CodeEditor& editor, int indicator, int position)
{
    return editor.SendScintilla(QsciScintillaBase::SCI_INDICATORVALUEAT, indicator, position) != 0;
}

/// Scintilla position of a UTF-8 byte offset in a 0-based line.
int bytePosition(ui::CodeEditor& editor, int line, int byte)
{
    return int(editor.SendScintilla(QsciScintillaBase::SCI_POSITIONFROMLINE, line)) + byte;
}

int indicatorStart(ui::CodeEditor& editor, int indicator, int position)
{
    return int(editor.SendScintilla(QsciScintillaBase::SCI_INDICATORSTART, indicator, position));
}

} // namespace

class TestLiveCheck : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void utf8Index_data();
    void utf8Index();
    void fence_data();
    void fence();
    void pasteSummary();
    void pasteStripsFence();
    void findingsOnNonAsciiLine();
    void findingsModel();
    void liveCheckMarksBlockedLine();

private:
    QTemporaryDir m_dir;
};

void TestLiveCheck::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(QLocale::c());
    QVERIFY(m_dir.isValid());
}

void TestLiveCheck::utf8Index_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<int>("codePoint");
    QTest::addColumn<int>("expected");
    QTest::newRow("ascii") << QStringLiteral("abc\n") << 2 << 2;
    QTest::newRow("latin-1 two bytes each") << QStringLiteral("éé x") << 3 << 5;
    QTest::newRow("cjk three bytes") << QStringLiteral("中文x") << 2 << 6;
    QTest::newRow("astral counts once") << QStringLiteral("\U0001F600y") << 1 << 4;
    QTest::newRow("clamped before eol") << QStringLiteral("ab\r\n") << 10 << 2;
    QTest::newRow("start") << QStringLiteral("ééé") << 0 << 0;
}

void TestLiveCheck::utf8Index()
{
    QFETCH(QString, line);
    QFETCH(int, codePoint);
    QFETCH(int, expected);
    QCOMPARE(ui::utf8IndexOfCodePoint(line, codePoint), expected);
}

void TestLiveCheck::fence_data()
{
    QTest::addColumn<QString>("pasted");
    QTest::addColumn<QString>("expected");
    QTest::newRow("python fence") << QStringLiteral("```python\nprint(1)\n```")
                                  << QStringLiteral("print(1)\n");
    QTest::newRow("bare fence") << QStringLiteral("```\nx = 1\ny = 2\n```\n")
                                << QStringLiteral("x = 1\ny = 2\n");
    QTest::newRow("chat answer with prose")
        << QStringLiteral("Here is the code:\n\n```py\nprint('hi')\n```\n\nIt prints hi.")
        << QStringLiteral("print('hi')\n");
    QTest::newRow("two blocks") << QStringLiteral("```python\na = 1\n```\ntext\n```python\nprint(a)\n```")
                                << QStringLiteral("a = 1\n\nprint(a)\n");
    QTest::newRow("no fence unchanged") << QStringLiteral("print(1)") << QStringLiteral("print(1)");
    QTest::newRow("other language untouched")
        << QStringLiteral("```bash\nls\n```") << QStringLiteral("```bash\nls\n```");
    QTest::newRow("backticks in code")
        << QStringLiteral("```python\ns = '```'\n```") << QStringLiteral("s = '```'\n");
    // Issue 23: a bash block's closing fence was read as the opening of another block.
    QTest::newRow("bash block before two python blocks")
        << QStringLiteral("Install:\n```bash\npip install x\n```\nThen:\n```python\na = 1\n```\nand\n"
                          "```python\nprint(a)\n```\n")
        << QStringLiteral("a = 1\n\nprint(a)\n");
    QTest::newRow("untagged kept when no block is python")
        << QStringLiteral("```\nx = 1\n```\n```json\n{}\n```") << QStringLiteral("x = 1\n");
    QTest::newRow("tagged python wins over untagged")
        << QStringLiteral("```\n$ python run.py\n```\n```py\nx = 1\n```") << QStringLiteral("x = 1\n");
    QTest::newRow("a longer fence holds a shorter one")
        << QStringLiteral("````python\ndoc = \"\"\"\n```\n\"\"\"\n````")
        << QStringLiteral("doc = \"\"\"\n```\n\"\"\"\n");
    QTest::newRow("tildes") << QStringLiteral("~~~python\nx = 2\n~~~") << QStringLiteral("x = 2\n");
    QTest::newRow("unclosed fence runs to the end")
        << QStringLiteral("Here:\n```python\nx = 3\nprint(x)") << QStringLiteral("x = 3\nprint(x)\n");
    QTest::newRow("pycon keeps the prompts' code")
        << QStringLiteral("```pycon\n>>> x = 2\n>>> for i in range(x):\n...     print(i)\n0\n1\n```")
        << QStringLiteral("x = 2\nfor i in range(x):\n    print(i)\n");
    QTest::newRow("indented fence") << QStringLiteral("1. Run:\n   ```python\n   x = 4\n   ```")
                                    << QStringLiteral("x = 4\n");
    QTest::newRow("crlf") << QStringLiteral("```python\r\nx = 5\r\n```\r\n") << QStringLiteral("x = 5\n");
}

void TestLiveCheck::fence()
{
    QFETCH(QString, pasted);
    QFETCH(QString, expected);
    QCOMPARE(ui::stripMarkdownFence(pasted), expected);
}

void TestLiveCheck::pasteSummary()
{
    QCOMPARE(ui::extractPastedCode(QStringLiteral("print(1)")).summary(), QString());
    QCOMPARE(ui::extractPastedCode(QStringLiteral("```python\nx\n```")).summary(),
             QStringLiteral("Pasted 1 Python block without the text around them."));
    QCOMPARE(ui::extractPastedCode(QStringLiteral("```bash\nls\n```")).summary(),
             QStringLiteral("No Python block in the pasted text: pasted as it is."));
    QCOMPARE(
        ui::extractPastedCode(QStringLiteral("```sh\na\n```\n```sh\nb\n```\n```json\n{}\n```\n```py\nx\n```"))
            .summary(),
        QStringLiteral(
            "Pasted 1 Python block; left out 1 json block, 2 sh blocks and the text around them."));
}

void TestLiveCheck::pasteStripsFence()
{
    ui::CodeEditor editor;
    QApplication::clipboard()->setText(QStringLiteral("Sure!\n```python\nprint('Hello, World!')\n```\n"));
    editor.paste();
    QCOMPARE(editor.text(), QStringLiteral("print('Hello, World!')\n"));
}

void TestLiveCheck::findingsOnNonAsciiLine()
{
    ui::CodeEditor editor;
    // line 2: "s = 'ééé'; os.system('ls')": os starts at code point 12 (1-based), byte 14
    editor.setText(QStringLiteral("import os\ns = 'ééé'; os.system('ls')\n"));
    Finding f;
    f.rule = "process-exec";
    f.severity = Severity::Block;
    f.line = 2;
    f.column = 12;
    f.endLine = 2;
    f.endColumn = 27;
    f.message = "os.system runs a shell command";
    f.hint = "use subprocess-free code";
    Finding w = f;
    w.severity = Severity::Warn;
    w.line = w.endLine = 1;
    w.column = 1;
    w.endColumn = 10;
    editor.setFindings({f, w});

    const int start = bytePosition(editor, 1, 14);
    QCOMPARE(editor.text(1).toUtf8().mid(14, 9), QByteArray("os.system"));
    QVERIFY(indicatorAt(editor, ui::CodeEditor::BlockIndicator, start));
    QCOMPARE(indicatorStart(editor, ui::CodeEditor::BlockIndicator, start), start);
    QVERIFY(!indicatorAt(editor, ui::CodeEditor::BlockIndicator, start - 1));
    QVERIFY(indicatorAt(editor, ui::CodeEditor::BlockIndicator, bytePosition(editor, 1, 28)));
    QVERIFY(!indicatorAt(editor, ui::CodeEditor::BlockIndicator, bytePosition(editor, 1, 29)));
    QVERIFY(!indicatorAt(editor, ui::CodeEditor::WarnIndicator, start));
    QVERIFY(indicatorAt(editor, ui::CodeEditor::WarnIndicator, bytePosition(editor, 0, 0)));
    QCOMPARE(editor.markersAtLine(1) & (1u << ui::CodeEditor::BlockMarker),
             1u << ui::CodeEditor::BlockMarker);
    QCOMPARE(editor.markersAtLine(0) & (1u << ui::CodeEditor::WarnMarker), 1u << ui::CodeEditor::WarnMarker);
    QCOMPARE(editor.markersAtLine(2), 0u);

    const Finding* under = editor.findingAt(start + 3);
    QVERIFY(under);
    QCOMPARE(under->rule, std::string("process-exec"));
    const QString tip = ui::CodeEditor::describe(*under);
    QVERIFY(tip.contains(QStringLiteral("process-exec")));
    QVERIFY(tip.contains(QStringLiteral("os.system runs a shell command")));
    QVERIFY(tip.contains(QStringLiteral("use subprocess-free code")));

    editor.setFindings({});
    QVERIFY(!indicatorAt(editor, ui::CodeEditor::BlockIndicator, start));
    QCOMPARE(editor.markersAtLine(1), 0u);
}

void TestLiveCheck::findingsModel()
{
    ui::FindingsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    Finding a;
    a.rule = "b";
    a.line = 3;
    Finding b;
    b.rule = "a";
    b.line = 1;
    b.severity = Severity::Warn;
    model.setFindings({a, b});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.data(model.index(0, ui::FindingsModel::RuleColumn)).toString(), QStringLiteral("a"));
    QCOMPARE(model.data(model.index(1, ui::FindingsModel::LocationColumn)).toString(), QStringLiteral("3:1"));
    QCOMPARE(model.blockCount(), 1);
    QCOMPARE(model.warnCount(), 1);
    model.setFindings({});
    QCOMPARE(model.rowCount(), 0);
}

void TestLiveCheck::liveCheckMarksBlockedLine()
{
    run::Executor executor;
    ui::Settings settings(m_dir.filePath(QStringLiteral("live.ini")));
    ui::MainWindow window(executor, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* editor = window.findChild<ui::CodeEditor*>(QStringLiteral("codeEditor"));
    auto* checker = window.findChild<ui::LiveChecker*>(QStringLiteral("liveChecker"));
    auto* view = window.findChild<QTreeView*>(QStringLiteral("findingsView"));
    QVERIFY(editor && checker && view);
    QAbstractItemModelTester tester(view->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);

    QSignalSpy reports(checker, &ui::LiveChecker::reportReady);
    editor->setText(QStringLiteral("x = 'héllo wörld'\nimport os; os.system('ls')\nprint(x)\n"));
    QTRY_VERIFY_WITH_TIMEOUT(reports.size() >= 1, 5000);
    const auto report = reports.last().at(0).value<safety::Report>();
    QVERIFY2(!report.allowed, "the standard policy blocks os.system");

    // the marker is on line 2 and nowhere else; the squiggle covers os.system
    QVERIFY(editor->markersAtLine(1) & (1u << ui::CodeEditor::BlockMarker));
    QCOMPARE(editor->markersAtLine(0) & (1u << ui::CodeEditor::BlockMarker), 0u);
    QCOMPARE(editor->markersAtLine(2) & (1u << ui::CodeEditor::BlockMarker), 0u);
    const int osSystem = bytePosition(*editor, 1, int(editor->text(1).toUtf8().indexOf("os.system")));
    QVERIFY(indicatorAt(*editor, ui::CodeEditor::BlockIndicator, osSystem + 1));

    // a Problems row that jumps to the line
    QVERIFY(view->model()->rowCount() >= 1);
    int row = -1;
    for (int r = 0; r < view->model()->rowCount(); ++r)
        if (view->model()->index(r, 0).data(ui::FindingsModel::LineRole).toInt() == 2)
            row = r;
    QVERIFY(row >= 0);
    editor->setCursorPosition(2, 0);
    const QModelIndex index = view->model()->index(row, ui::FindingsModel::MessageColumn);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(index).center());
    int line = -1, col = -1;
    editor->getCursorPosition(&line, &col);
    QCOMPARE(line, 1);

    // fixing the code clears the markers (stale answers for the old text are dropped)
    reports.clear();
    editor->setText(QStringLiteral("print('fine')\n"));
    QTRY_VERIFY_WITH_TIMEOUT(reports.size() >= 1, 5000);
    QCOMPARE(reports.size(), 1);
    QVERIFY(reports.last().at(0).value<safety::Report>().allowed);
    QCOMPARE(editor->markersAtLine(1), 0u);
}

QTEST_MAIN(TestLiveCheck)
#include "tst_livecheck.moc"
