#pragma once

#include "agentrun/safety/finding.h"

#include <vector>

#include "qsci.h"

namespace agentrun::ui {

/// The Python editor: UTF-8, lexer, folding, brace matching, an auto-width line margin, fence-stripping
/// paste, and the findings of a check shown as margin markers and squiggles with a tooltip.
class CodeEditor : public QsciScintilla
{
    Q_OBJECT
public:
    enum Marker
    {
        BlockMarker = 1,
        WarnMarker = 2,
        InfoMarker = 3
    };
    enum Indicator
    {
        BlockIndicator = 8,
        WarnIndicator = 9,
        InfoIndicator = 10
    };
    enum Margin
    {
        LineMargin = 0,
        FindingMargin = 1,
        FoldMargin = 2
    };

    explicit CodeEditor(QWidget* parent = nullptr);

    /// Replaces the findings shown. Lines are 1-based; columns are 1-based Unicode code points.
    void setFindings(const std::vector<agentrun::safety::Finding>& findings);
    const std::vector<agentrun::safety::Finding>& findings() const { return m_findings; }
    /// The finding under a document position, if any (tooltips, tests).
    const agentrun::safety::Finding* findingAt(int position) const;
    /// Text of the tooltip for `finding`: rule, message, hint.
    static QString describe(const agentrun::safety::Finding& finding);
    /// Puts the caret on a finding and makes it visible (Problems panel).
    void jumpTo(const agentrun::safety::Finding& finding);
    /// Document positions (Scintilla's: UTF-8 bytes) where a finding starts and ends. Finding columns
    /// count code points, so non-ASCII text before a finding moves it by more than one byte per
    /// character.
    struct Range
    {
        int start = 0, end = 0;
    };
    Range rangeOf(const agentrun::safety::Finding& finding) const;
    /// Document position of a 0-based line and 0-based code-point column, clamped to the line.
    int positionOf(int line, int codePointColumn) const;

Q_SIGNALS:
    /// A paste kept only the Python blocks of a chat answer: what it kept and left out, for the status bar.
    void pasteFiltered(const QString& summary);

protected:
    /// Lets the window's shortcuts through: QScintilla claims every key of its own key map (Ctrl+T swaps
    /// lines, Esc cancels, …) before the window sees it, so a key that an enabled action of the window
    /// has is not taken here.
    bool event(QEvent* event) override;
    QByteArray fromMimeData(const QMimeData* source, bool& rectangular) const override;

private:
    void updateLineMarginWidth();
    void showFindingTip(int position, int x, int y);

    std::vector<agentrun::safety::Finding> m_findings;
    int m_lineDigits = 0;
};

} // namespace agentrun::ui
