#include "sessiontabs.h"

#include "agentrun/errorcodes.h"

#include <QAction>
#include <QLabel>

#include "codeeditor.h"
#include "editortabs.h"
#include "runcontroller.h"

namespace agentrun::ui {

SessionTabs::SessionTabs(EditorTabs& tabs, RunController& controller, QObject* parent)
    : QObject(parent), m_tabs(tabs), m_controller(controller)
{
    m_sessionAction = new QAction(tr("Run in &Session"), this);
    m_sessionAction->setObjectName(QStringLiteral("sessionModeAction"));
    m_sessionAction->setCheckable(true);
    m_sessionAction->setToolTip(tr("This tab's runs share one sandbox whose Python state survives from one "
                                   "run to the next (off: every run starts fresh)"));
    connect(m_sessionAction, &QAction::triggered, this,
            [this](bool on) { setInSession(m_tabs.currentEditor(), on); });

    m_restartAction = new QAction(tr("Restart S&ession"), this);
    m_restartAction->setObjectName(QStringLiteral("restartSessionAction"));
    // Spyder's binding for "restart kernel"; QScintilla binds nothing to it (gui.sessions checks).
    m_restartAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    m_restartAction->setToolTip(
        tr("A fresh sandbox for this tab's session: its variables are gone (Ctrl+.)"));
    connect(m_restartAction, &QAction::triggered, this, [this] {
        const State current = state(m_tabs.currentEditor());
        if (!current.id.isEmpty() && !m_controller.isRunning())
            m_controller.restartSession(current.id);
    });

    m_label = new QLabel;
    m_label->setObjectName(QStringLiteral("sessionStateLabel"));

    connect(&m_controller, &RunController::sessionOpened, this, [this](const QString& id, const QString&) {
        if (id.isEmpty())
            return; // the run's result says why
        auto it = m_running ? m_states.find(m_running) : m_states.end();
        if (it == m_states.end() || !it->enabled || !it->id.isEmpty()) {
            m_controller.closeSession(id); // its tab closed, or left session mode, while it opened
            return;
        }
        it->id = id;
        it->limits = m_runLimits;
        refresh();
    });
    connect(&m_controller, &RunController::sessionRestarted, this,
            [this](const QString& id, const QString& error) {
                for (auto it = m_states.begin(); it != m_states.end(); ++it)
                    if (it->id == id) {
                        if (!error.isEmpty()) {
                            Q_EMIT note(tr("— the session could not be restarted: %1").arg(error));
                            return;
                        }
                        forgetSandbox(*it);
                        ++it->restarts;
                        Q_EMIT note(tr("— session restarted: state lost (on demand)"));
                    }
                refresh();
            });
    connect(&m_controller, &RunController::runningChanged, this, [this] { refresh(); });
    connect(&m_tabs, &EditorTabs::currentEditorChanged, this, [this] { refresh(); });
    refresh();
}

void SessionTabs::setInSession(CodeEditor* editor, bool on)
{
    if (!editor)
        return;
    if (inSession(editor) == on)
        return;
    closeSessionOf(editor);
    State fresh;
    fresh.enabled = on;
    m_states.insert(editor, fresh);
    // The tab's session goes with the tab; deleting the editor is what closing a tab does.
    if (!m_watched.contains(editor)) {
        m_watched.insert(editor);
        connect(editor, &QObject::destroyed, this, [this](QObject* gone) {
            m_watched.remove(gone);
            closeSessionOf(gone);
            refresh();
        });
    }
    refresh();
}

bool SessionTabs::inSession(const CodeEditor* editor) const
{
    return state(editor).enabled;
}

SessionTabs::State SessionTabs::state(const CodeEditor* editor) const
{
    return m_states.value(editor);
}

void SessionTabs::beginRun(CodeEditor* editor, int firstLine, const agentrun::model::Limits& limits)
{
    m_running = editor;
    m_runFirstLine = firstLine;
    m_runLimits = limits;
}

QString SessionTabs::limitsNotApplied(const CodeEditor* editor, const agentrun::model::Limits& wanted) const
{
    const State s = state(editor);
    if (s.id.isEmpty())
        return {};
    const auto& has = s.limits;
    QStringList fields;
    if (wanted.memoryBytes != has.memoryBytes || wanted.memorySwapBytes != has.memorySwapBytes)
        fields << tr("memory");
    if (wanted.cpus != has.cpus)
        fields << tr("CPUs");
    if (wanted.pids != has.pids)
        fields << tr("processes");
    if (wanted.tmpfsBytes != has.tmpfsBytes)
        fields << tr("/tmp size");
    if (wanted.network != has.network)
        fields << tr("network");
    if (wanted.runtime != has.runtime)
        fields << tr("runtime");
    return fields.join(QStringLiteral(", "));
}

std::vector<MappedFrame> SessionTabs::finishRun(const agentrun::model::RunResult& result)
{
    const QString stderrText = QString::fromStdString(result.stderrData);
    auto it = m_running ? m_states.find(m_running) : m_states.end();
    if (it != m_states.end() && !it->id.isEmpty() && result.errorCode == errc::SessionNotFound) {
        // Ended by its idle time or lifetime (ExecutorConfig::sessions): the next run opens a new one.
        m_controller.closeSession(it->id); // gone already: this only drops it from the controller's list
        const int restarts = it->restarts;
        const auto limits = it->limits;
        forgetSandbox(*it);
        it->id.clear();
        it->restarts = restarts;
        it->limits = limits;
        Q_EMIT note(
            tr("— the session had ended (idle too long, or its lifetime reached): state lost; the next "
               "run opens a new one"));
        refresh();
        return {};
    }
    if (!result.session || it == m_states.end() || it->id != QString::fromStdString(result.session->id)) {
        // A fresh run: its code is the snippet as /tmp/main.py, starting at the piece's first line.
        // The whole snippet (line 1) needs no mapping.
        return m_running && !result.session && m_runFirstLine > 1
                   ? mapTraceback(stderrText, {}, m_runFirstLine)
                   : std::vector<MappedFrame>{};
    }
    State& s = *it;
    const auto& run = *result.session;
    if (run.cell > 0)
        s.cellFirstLines[run.cell] = m_runFirstLine;
    auto frames = mapTraceback(stderrText, s.cellFirstLines, 0);
    if (run.restarted) {
        forgetSandbox(s);
        ++s.restarts;
        Q_EMIT note(tr("— session restarted: state lost (%1); the next run starts in a fresh interpreter")
                        .arg(QString::fromStdString(std::string(agentrun::model::toString(result.status)))));
    } else {
        s.cells = run.cell;
        s.restarted = false;
        s.variables = run.variables;
    }
    refresh();
    return frames;
}

void SessionTabs::closeAll()
{
    for (auto it = m_states.begin(); it != m_states.end(); ++it)
        if (!it->id.isEmpty()) {
            m_controller.closeSession(it->id);
            it->id.clear();
        }
    refresh();
}

void SessionTabs::closeSessionOf(const QObject* editor)
{
    auto it = m_states.find(editor);
    if (it == m_states.end())
        return;
    if (!it->id.isEmpty())
        m_controller.closeSession(it->id); // a run in it is stopped: its result says killed
    m_states.erase(it);
}

void SessionTabs::forgetSandbox(State& s)
{
    s.cells = 0;
    s.restarted = true;
    s.cellFirstLines.clear();
    s.variables.clear();
}

void SessionTabs::refresh()
{
    CodeEditor* editor = m_tabs.currentEditor();
    const State s = state(editor);
    m_sessionAction->setChecked(s.enabled);
    m_sessionAction->setEnabled(editor && !m_controller.isRunning());
    m_restartAction->setEnabled(!s.id.isEmpty() && !m_controller.isRunning());
    QString text;
    QString why;
    if (!s.enabled) {
        text = tr("Fresh runs");
        why = tr("Variables appear here after a run in a session (Run ▸ Run in Session).");
    } else if (s.id.isEmpty()) {
        text = tr("Session: opens with the first run");
        why = tr("The session opens with this tab's first run.");
    } else {
        text = s.cells == 1 ? tr("Session %1 · 1 cell run").arg(s.id.left(8))
                            : tr("Session %1 · %2 cells run").arg(s.id.left(8), QString::number(s.cells));
        if (s.restarted) {
            text += tr(" · restarted: state lost");
            why = tr("The session restarted: its state was lost.");
        }
        if (s.cells == 0 && why.isEmpty())
            why = tr("No cell has run in this session yet.");
    }
    m_label->setText(u' ' + text + u' ');
    m_label->setProperty("restarted", s.restarted);
    Q_EMIT variablesChanged(s.variables, why);
}

} // namespace agentrun::ui
