#include "codeeditor.h"

#include <QFontDatabase>
#include <QMimeData>
#include <QToolTip>

#include "editortext.h"

#include <QAction>
#include <QKeyEvent>
#include <QKeySequence>

namespace agentrun::ui {

using agentrun::safety::Finding;
using agentrun::safety::Severity;

CodeEditor::CodeEditor(QWidget* parent) : QsciScintilla(parent)
{
    setObjectName(QStringLiteral("codeEditor"));
    setUtf8(true);
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    auto* lexer = new QsciLexerPython(this);
    lexer->setDefaultFont(mono);
    lexer->setFont(mono);
    lexer->setFoldComments(true);
    lexer->setIndentationWarning(QsciLexerPython::Inconsistent);
    setLexer(lexer);
    setFont(mono);

    setIndentationsUseTabs(false);
    setIndentationWidth(4);
    setTabWidth(4);
    setAutoIndent(true);
    setIndentationGuides(true);
    setBraceMatching(SloppyBraceMatch);
    setFolding(BoxedTreeFoldStyle, FoldMargin);
    setCaretLineVisible(true);
    setCaretLineBackgroundColor(palette().color(QPalette::AlternateBase));
    setEolMode(EolUnix);

    // Shift+Return runs the current cell and moves on (VS Code, Spyder: MainWindow's Run Cell and Advance).
    // QScintilla binds it as a second key for "new line" and would take it before the window's shortcut.
    for (const int shifted : {int(Qt::SHIFT) | int(Qt::Key_Return), int(Qt::SHIFT) | int(Qt::Key_Enter)})
        for (QsciCommand* command : standardCommands()->commands()) {
            if (command->alternateKey() == shifted)
                command->setAlternateKey(0);
            if (command->key() == shifted)
                command->setKey(0);
        }

    setMarginType(LineMargin, NumberMargin);
    setMarginLineNumbers(LineMargin, true);
    setMarginsFont(mono);
    updateLineMarginWidth();
    connect(this, &QsciScintilla::linesChanged, this, &CodeEditor::updateLineMarginWidth);

    setMarginType(FindingMargin, SymbolMargin);
    setMarginWidth(FindingMargin, 14);
    setMarginSensitivity(FindingMargin, true);
    setMarginMarkerMask(FindingMargin, (1 << BlockMarker) | (1 << WarnMarker) | (1 << InfoMarker));
    const QColor blockColour(0xd0, 0x20, 0x20), warnColour(0xf0, 0x8c, 0x00), infoColour(0x30, 0x70, 0xd0);
    const std::tuple<int, int, QColor> kinds[] = {{BlockMarker, BlockIndicator, blockColour},
                                                  {WarnMarker, WarnIndicator, warnColour},
                                                  {InfoMarker, InfoIndicator, infoColour}};
    for (const auto& [marker, indicator, colour] : kinds) {
        markerDefine(Circle, marker);
        setMarkerBackgroundColor(colour, marker);
        setMarkerForegroundColor(colour.darker(), marker);
        indicatorDefine(SquiggleIndicator, indicator);
        setIndicatorForegroundColor(colour, indicator);
        setIndicatorDrawUnder(false, indicator);
    }

    // Tooltips for findings: Scintilla's dwell notification, on text and on the finding margin.
    SendScintilla(SCI_SETMOUSEDWELLTIME, 400);
    connect(this, &QsciScintillaBase::SCN_DWELLSTART, this, &CodeEditor::showFindingTip);
    connect(this, &QsciScintillaBase::SCN_DWELLEND, this, [] { QToolTip::hideText(); });
    connect(this, &QsciScintilla::marginClicked, this, [this](int margin, int line, Qt::KeyboardModifiers) {
        if (margin != FindingMargin)
            return;
        for (const Finding& f : m_findings)
            if (f.line - 1 == line) {
                jumpTo(f);
                QToolTip::showText(QCursor::pos(), describe(f), this);
                return;
            }
    });
}

void CodeEditor::updateLineMarginWidth()
{
    const int digits = QString::number(qMax(1, lines())).size();
    if (digits == m_lineDigits)
        return;
    m_lineDigits = digits;
    setMarginWidth(LineMargin, QString(digits + 1, u'9'));
}

int CodeEditor::positionOf(int line, int codePointColumn) const
{
    line = qBound(0, line, qMax(0, lines() - 1));
    const int lineStart = int(SendScintilla(SCI_POSITIONFROMLINE, line));
    return lineStart + utf8IndexOfCodePoint(text(line), codePointColumn);
}

CodeEditor::Range CodeEditor::rangeOf(const Finding& f) const
{
    Range r;
    r.start = positionOf(f.line - 1, f.column - 1);
    r.end = positionOf(qMax(f.line, f.endLine) - 1, f.endColumn - 1);
    if (r.end <= r.start) // an empty range: mark the rest of the line
        r.end = positionOf(f.line - 1, std::numeric_limits<int>::max());
    return r;
}

void CodeEditor::setFindings(const std::vector<Finding>& findings)
{
    m_findings = findings;
    const int length = int(SendScintilla(SCI_GETLENGTH));
    for (int indicator : {BlockIndicator, WarnIndicator, InfoIndicator}) {
        SendScintilla(SCI_SETINDICATORCURRENT, indicator);
        SendScintilla(SCI_INDICATORCLEARRANGE, 0, length);
    }
    for (int marker : {BlockMarker, WarnMarker, InfoMarker})
        markerDeleteAll(marker);
    for (const Finding& f : m_findings) {
        const Range r = rangeOf(f);
        const bool block = f.severity == Severity::Block;
        const bool warn = f.severity == Severity::Warn;
        SendScintilla(SCI_SETINDICATORCURRENT, block ? BlockIndicator : warn ? WarnIndicator : InfoIndicator);
        SendScintilla(SCI_INDICATORFILLRANGE, r.start, qMax(1, r.end - r.start));
        markerAdd(qBound(0, f.line - 1, qMax(0, lines() - 1)), block  ? BlockMarker
                                                               : warn ? WarnMarker
                                                                      : InfoMarker);
    }
}

const Finding* CodeEditor::findingAt(int position) const
{
    const int line = int(SendScintilla(SCI_LINEFROMPOSITION, position));
    const Finding* onLine = nullptr;
    for (const Finding& f : m_findings) {
        const Range r = rangeOf(f);
        if (position >= r.start && position < r.end)
            return &f;
        if (!onLine && f.line - 1 == line)
            onLine = &f;
    }
    return onLine;
}

QString CodeEditor::describe(const Finding& f)
{
    const QString severity = QString::fromUtf8(agentrun::safety::toString(f.severity).data(),
                                               qsizetype(agentrun::safety::toString(f.severity).size()));
    QString tip = QStringLiteral("<b>%1</b> (%2)<br>%3")
                      .arg(QString::fromStdString(f.rule).toHtmlEscaped(), severity,
                           QString::fromStdString(f.message).toHtmlEscaped());
    if (!f.hint.empty())
        tip += QStringLiteral("<br><i>%1</i>").arg(QString::fromStdString(f.hint).toHtmlEscaped());
    return tip;
}

void CodeEditor::jumpTo(const Finding& f)
{
    SendScintilla(SCI_GOTOPOS, rangeOf(f).start);
    ensureLineVisible(f.line - 1);
    setFocus(Qt::OtherFocusReason);
}

void CodeEditor::showFindingTip(int position, int x, int y)
{
    if (position < 0) {
        // Over a margin: Scintilla reports no position; use the line under the pointer.
        const int line = lineAt(QPoint(x, y));
        for (const Finding& f : m_findings)
            if (f.line - 1 == line) {
                QToolTip::showText(viewport()->mapToGlobal(QPoint(x, y)), describe(f), this);
                return;
            }
        return;
    }
    if (const Finding* f = findingAt(position))
        QToolTip::showText(viewport()->mapToGlobal(QPoint(x, y)), describe(*f), this);
}

namespace {

/// Whether `action`'s shortcut would fire with `focus` focused: window-wide ones always; those of a
/// widget (and its children) when `focus` is in that widget.
bool shortcutReaches(const QAction& action, const QWidget* focus)
{
    if (action.shortcutContext() == Qt::WindowShortcut || action.shortcutContext() == Qt::ApplicationShortcut)
        return true;
    for (const QObject* owner : action.associatedObjects()) {
        const auto* widget = qobject_cast<const QWidget*>(owner);
        if (widget && (widget == focus || (action.shortcutContext() == Qt::WidgetWithChildrenShortcut &&
                                           widget->isAncestorOf(focus))))
            return true;
    }
    return false;
}

} // namespace

bool CodeEditor::event(QEvent* event)
{
    if (event->type() == QEvent::ShortcutOverride) {
        const auto* key = static_cast<QKeyEvent*>(event);
        const QKeySequence pressed(key->keyCombination());
        const QWidget* top = window();
        for (const QAction* action : top->findChildren<QAction*>()) {
            if (!action->isEnabled() || !shortcutReaches(*action, this))
                continue;
            for (const QKeySequence& shortcut : action->shortcuts()) {
                if (shortcut.matches(pressed) == QKeySequence::ExactMatch) {
                    event->ignore(); // not ours: the window's shortcut runs
                    return false;
                }
            }
        }
    }
    return QsciScintilla::event(event);
}

QByteArray CodeEditor::fromMimeData(const QMimeData* source, bool& rectangular) const
{
    if (source && source->hasText() && !source->hasUrls()) {
        const PastedCode pasted = extractPastedCode(source->text());
        if (pasted.fenced) {
            // fromMimeData is const in QScintilla's interface; the signal changes nothing of the editor.
            Q_EMIT const_cast<CodeEditor*>(this)->pasteFiltered(pasted.summary());
        }
        if (pasted.code != source->text()) {
            rectangular = false;
            return pasted.code.toUtf8();
        }
    }
    return QsciScintilla::fromMimeData(source, rectangular);
}

} // namespace agentrun::ui
