#include "tracebacklinks.h"

#include <QMouseEvent>
#include <QRegularExpression>
#include <QTextBlock>
#include <QTextCursor>
#include <QUrl>

#include "codeeditor.h"
#include "editortabs.h"
#include "outputconsole.h"

namespace agentrun::ui {

namespace {

const QString Scheme = QStringLiteral("agentrun-line");

} // namespace

TracebackLinks::TracebackLinks(OutputConsole& console, EditorTabs& tabs, QObject* parent)
    : QObject(parent), m_console(console), m_tabs(tabs)
{
    setObjectName(QStringLiteral("tracebackLinks"));
    m_console.viewport()->installEventFilter(this);
    m_console.viewport()->setMouseTracking(true);
}

QString TracebackLinks::hrefFor(int run, int editorLine)
{
    return Scheme + u':' + QString::number(run) + u':' + QString::number(editorLine);
}

void TracebackLinks::showRun(CodeEditor* editor, const std::vector<MappedFrame>& frames)
{
    clearMarker();
    ++m_run;
    // Forget the tabs of runs whose links are gone (a fresh run clears the console).
    for (auto it = m_runEditors.begin(); it != m_runEditors.end();)
        it = it.value() ? std::next(it) : m_runEditors.erase(it);
    if (m_console.document()->isEmpty())
        m_runEditors.clear();
    m_runEditors.insert(m_run, editor);
    m_lines.clear();
    for (const MappedFrame& frame : frames)
        m_lines.insert(frame.location, frame.editorLine);
    if (!editor || frames.empty())
        return;
    // The innermost frame in the submitted code is the line that raised (as far as this code goes).
    const int line = frames.back().editorLine;
    if (line >= 1 && line <= editor->lines()) {
        editor->markerDefine(QsciScintilla::RightArrow, RaisingLineMarker);
        editor->setMarkerBackgroundColor(QColor(0xd0, 0x20, 0x20), RaisingLineMarker);
        editor->setMarkerForegroundColor(QColor(0x80, 0x10, 0x10), RaisingLineMarker);
        editor->setMarginMarkerMask(CodeEditor::FindingMargin,
                                    editor->marginMarkerMask(CodeEditor::FindingMargin) |
                                        (1 << RaisingLineMarker));
        editor->markerAdd(line - 1, RaisingLineMarker);
        m_markedEditor = editor;
        m_editWatch = connect(editor, &CodeEditor::textChanged, this, &TracebackLinks::clearMarker);
    }
    // The output may still be queued in the console: link it once it is drawn.
    disconnect(m_pending);
    if (m_console.hasPending())
        m_pending = connect(&m_console, &OutputConsole::drained, this, [this] {
            if (m_console.hasPending())
                return;
            disconnect(m_pending);
            linkConsole();
        });
    else
        linkConsole();
}

void TracebackLinks::clearMarker()
{
    disconnect(m_editWatch);
    if (m_markedEditor)
        m_markedEditor->markerDeleteAll(RaisingLineMarker);
    m_markedEditor = nullptr;
}

int TracebackLinks::markedLine() const
{
    if (!m_markedEditor)
        return 0;
    const int line = m_markedEditor->markerFindNext(0, 1 << RaisingLineMarker);
    return line < 0 ? 0 : line + 1;
}

void TracebackLinks::linkConsole()
{
    static const QRegularExpression frame(
        QStringLiteral(R"re(^\s*(File "(?:<cell (\d+)>|(?:/tmp/)?main\.py)", line (\d+).*)$)re"));
    QTextDocument* doc = m_console.document();
    QTextCursor cursor(doc);
    cursor.beginEditBlock();
    for (QTextBlock block = doc->firstBlock(); block.isValid(); block = block.next()) {
        const QString text = block.text();
        if (!text.contains(QStringLiteral("File \"")))
            continue;
        const auto match = frame.match(text);
        if (!match.hasMatch())
            continue;
        const QString location =
            match.captured(2).isEmpty()
                ? QStringLiteral("line %1").arg(match.captured(3))
                : QStringLiteral("<cell %1>, line %2").arg(match.captured(2), match.captured(3));
        const auto it = m_lines.constFind(location);
        if (it == m_lines.cend())
            continue;
        cursor.setPosition(block.position() + int(match.capturedStart(1)) + 1);
        if (cursor.charFormat().isAnchor())
            continue; // linked for an earlier run (a session's console keeps its cells)
        cursor.setPosition(block.position() + int(match.capturedStart(1)));
        cursor.setPosition(block.position() + int(match.capturedEnd(1)), QTextCursor::KeepAnchor);
        QTextCharFormat link;
        link.setAnchor(true);
        link.setAnchorHref(hrefFor(m_run, *it));
        link.setFontUnderline(true);
        link.setToolTip(tr("Go to line %1 in the editor").arg(*it));
        cursor.mergeCharFormat(link);
        ++m_links;
    }
    cursor.endEditBlock();
}

bool TracebackLinks::activate(const QString& href)
{
    if (!href.startsWith(Scheme + u':'))
        return false;
    const QStringList parts = href.mid(Scheme.size() + 1).split(u':');
    bool runOk = false, lineOk = false;
    const int run = parts.value(0).toInt(&runOk);
    const int line = parts.value(1).toInt(&lineOk);
    CodeEditor* editor = m_runEditors.value(run);
    if (parts.size() != 2 || !runOk || !lineOk || !editor || m_tabs.indexOf(editor) < 0)
        return false;
    m_tabs.setCurrentWidget(editor);
    const int target = qBound(0, line - 1, qMax(0, editor->lines() - 1));
    editor->setCursorPosition(target, 0);
    editor->ensureLineVisible(target);
    editor->setFocus(Qt::OtherFocusReason);
    Q_EMIT lineActivated(editor, target + 1);
    return true;
}

bool TracebackLinks::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_console.viewport()) {
        if (event->type() == QEvent::MouseMove) {
            const auto* move = static_cast<QMouseEvent*>(event);
            const bool onLink = m_console.anchorAt(move->position().toPoint()).startsWith(Scheme);
            m_console.viewport()->setCursor(onLink ? Qt::PointingHandCursor : Qt::IBeamCursor);
        } else if (event->type() == QEvent::MouseButtonRelease) {
            const auto* click = static_cast<QMouseEvent*>(event);
            // A click, not the end of a selection.
            if (click->button() == Qt::LeftButton && !m_console.textCursor().hasSelection() &&
                activate(m_console.anchorAt(click->position().toPoint())))
                return true;
        }
    }
    return QObject::eventFilter(watched, event);
}

} // namespace agentrun::ui
