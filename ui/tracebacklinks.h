#pragma once

#include <vector>

#include <QHash>
#include <QObject>
#include <QPointer>

#include "cellcode.h"

namespace agentrun::ui {

class CodeEditor;
class EditorTabs;
class OutputConsole;

/// Makes the traceback lines of a run that point into the code it ran (`File "/tmp/main.py", line 3` of a
/// fresh run, `File "<cell 2>", line 1` of a session cell) links in the Output console: a click puts the
/// editor's caret on that line. The raising line (the innermost such frame) gets a marker in the editor's
/// margin until the next run or an edit of that tab.
class TracebackLinks : public QObject
{
    Q_OBJECT
public:
    /// The margin marker of the raising line (CodeEditor's finding markers are 1–3).
    static constexpr int RaisingLineMarker = 4;

    TracebackLinks(OutputConsole& console, EditorTabs& tabs, QObject* parent = nullptr);

    /// The run from `editor` ended with these mapped frames (mapTraceback, innermost last): link their
    /// lines in the console (once the console has drawn them) and mark the raising line.
    void showRun(CodeEditor* editor, const std::vector<MappedFrame>& frames);
    /// A run starts: the marker goes.
    void clearMarker();
    /// The 1-based editor line the marker is on; 0 when none.
    int markedLine() const;
    /// Traceback lines linked in the console so far.
    int linkCount() const { return m_links; }
    /// Follows a link (as a click does): the tab of the run, the caret on the line. False for anything else.
    bool activate(const QString& href);
    /// The link to 1-based `editorLine` of the tab of run `run` (the console can hold several tabs' cells).
    static QString hrefFor(int run, int editorLine);

Q_SIGNALS:
    /// A link was followed: `line` (1-based) in `editor` has the caret.
    void lineActivated(agentrun::ui::CodeEditor* editor, int line);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void linkConsole();

    OutputConsole& m_console;
    EditorTabs& m_tabs;
    QHash<int, QPointer<CodeEditor>> m_runEditors; ///< by run number (in the links): the tab it came from
    int m_run = 0;
    QPointer<CodeEditor> m_markedEditor; ///< the tab with the marker
    QHash<QString, int> m_lines;         ///< a frame's location ("line 3", "<cell 2>, line 1") -> editor line
    QMetaObject::Connection m_pending;   ///< waiting for the console to draw the run's output
    QMetaObject::Connection m_editWatch; ///< an edit of the marked tab clears the marker
    int m_links = 0;
};

} // namespace agentrun::ui
