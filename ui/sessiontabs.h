#pragma once

#include "agentrun/model/runresult.h"
#include "agentrun/model/session.h"

#include <map>
#include <vector>

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QString>

#include "cellcode.h"

class QAction;
class QLabel;

namespace agentrun::ui {

class CodeEditor;
class EditorTabs;
class RunController;

/// Per editor tab: fresh runs (the default) or a session, whose Python state survives from one run to the
/// next. A tab's session opens lazily with its first run (RunController opens it off the GUI thread) and
/// closes when the tab closes, when the tab goes back to fresh runs, or with the window. Also keeps, per
/// tab, where each run's code starts in the editor, so that a traceback can be mapped to editor lines.
class SessionTabs : public QObject
{
    Q_OBJECT
public:
    struct State
    {
        bool enabled = false; ///< the tab runs in a session
        QString id;           ///< empty until the first run opened it
        int cells = 0;        ///< runs in the session's current sandbox
        int restarts = 0;
        bool restarted = false;            ///< the last run (or a Restart) replaced the sandbox: state lost
        std::map<int, int> cellFirstLines; ///< session cell number -> 1-based editor line of its code
        std::vector<agentrun::model::SessionVariable> variables;
        agentrun::model::Limits limits; ///< what the session opened with (its sandbox keeps them)
    };

    SessionTabs(EditorTabs& tabs, RunController& controller, QObject* parent = nullptr);

    /// "Run in Session" (checkable, for the current tab) and "Restart Session" (Ctrl+.).
    QAction* sessionAction() const { return m_sessionAction; }
    QAction* restartAction() const { return m_restartAction; }
    /// Says the current tab's mode and session state (toolbar).
    QLabel* stateLabel() const { return m_label; }

    void setInSession(CodeEditor* editor, bool on);
    bool inSession(const CodeEditor* editor) const;
    /// The tab's state; a default one (fresh runs) for a tab never put in session mode.
    State state(const CodeEditor* editor) const;

    /// A run of `editor`'s code starting at editor line `firstLine` was started with `limits`.
    void beginRun(CodeEditor* editor, int firstLine, const agentrun::model::Limits& limits);
    /// The limits in `wanted` that the tab's open session does not have (its sandbox keeps the limits it
    /// opened with; a run's own are only its timeout and output limit): "memory, CPUs". Empty when none.
    QString limitsNotApplied(const CodeEditor* editor, const agentrun::model::Limits& wanted) const;
    /// The run started by beginRun() ended: the tab's session state follows the result. Returns the
    /// result's traceback frames mapped to that tab's editor lines.
    std::vector<MappedFrame> finishRun(const agentrun::model::RunResult& result);
    /// The tab the last run came from, while it exists.
    CodeEditor* runningEditor() const { return m_running; }

    /// Closes every tab's session (the window is closing); the RunController waits for them.
    void closeAll();

Q_SIGNALS:
    /// A line for the console ("session restarted: state lost").
    void note(const QString& text);
    /// The current tab's variables changed (after a run, a restart, a tab switch).
    void variablesChanged(const std::vector<agentrun::model::SessionVariable>& variables, const QString& why);

private:
    void refresh();
    void closeSessionOf(const QObject* editor);
    void forgetSandbox(State& state);

    EditorTabs& m_tabs;
    RunController& m_controller;
    QHash<const QObject*, State> m_states;
    QSet<const QObject*> m_watched; ///< editors whose destruction closes their session
    QPointer<CodeEditor> m_running;
    int m_runFirstLine = 1;
    agentrun::model::Limits m_runLimits;
    QAction* m_sessionAction = nullptr;
    QAction* m_restartAction = nullptr;
    QLabel* m_label = nullptr;
};

} // namespace agentrun::ui
