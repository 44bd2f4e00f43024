#include "historymenu.h"

#include <QAction>

#include "historypanel.h"
#include "limitspanel.h"
#include "stdinpanel.h"

namespace agentrun::ui {

namespace {

constexpr int MessageMs = 15000;

QString shortLimits(const agentrun::model::Limits& l)
{
    const auto size = [](std::int64_t bytes) {
        return QString::fromStdString(agentrun::model::formatSize(bytes));
    };
    return QObject::tr("%1 s, %2, %3 CPUs, %4 processes, network %5, %6")
        .arg(QString::number(l.timeoutSeconds), size(l.memoryBytes), QString::number(l.cpus),
             QString::number(l.pids), QString::fromStdString(l.network), QString::fromStdString(l.runtime));
}

} // namespace

HistoryMenu::HistoryMenu(HistoryPanel& history, LimitsPanel& limits, StdinPanel& input, QWidget* parent)
    : QMenu(tr("&History"), parent), m_history(history), m_limits(limits), m_input(input)
{
    setObjectName(QStringLiteral("historyMenu"));
    // Window-wide shortcuts: they act on the run selected in the History panel wherever the focus is.
    // Ctrl+Shift+letters QScintilla leaves free (it takes L, T, U and Z).
    history.openAction()->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    history.restoreLimitsAction()->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    history.restoreInputAction()->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I));
    history.runAgainAction()->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Return));
    history.compareAction()->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
    addAction(history.openAction());
    addAction(history.restoreLimitsAction());
    addAction(history.restoreInputAction());
    addAction(history.runAgainAction());
    m_undo = addAction(tr("&Undo Restore Limits"), this, [this] { undoRestoreLimits(); });
    m_undo->setObjectName(QStringLiteral("undoRestoreLimitsAction"));
    m_undo->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_Z));
    m_undo->setEnabled(false);
    addSeparator();
    addAction(history.compareAction());
    addAction(history.exportAction());
    // The actions trigger from the menu bar even when the History dock is hidden.
    if (parent)
        parent->addActions({history.openAction(), history.restoreLimitsAction(), history.restoreInputAction(),
                            history.runAgainAction(), history.compareAction(), m_undo});

    connect(&history, &HistoryPanel::restoreLimitsRequested, this, [this] { restoreLimits(); });
    connect(&history, &HistoryPanel::restoreInputRequested, this, [this] { restoreInput(); });
}

bool HistoryMenu::restoreLimits()
{
    const QString run = m_history.selectedRunId().left(8);
    const auto wanted = m_history.selectedLimits();
    if (!wanted) {
        Q_EMIT message(tr("The limits of run %1 cannot be restored: %2")
                           .arg(run, QString::fromStdString(wanted.error().message)),
                       MessageMs);
        return false;
    }
    // What the panel shows now, even when a field holds a bad value: that is what Undo puts back.
    auto before = m_limits.limits();
    m_before = before ? *before : std::optional<agentrun::model::Limits>();
    const QStringList rounded = m_limits.setLimits(*wanted);
    m_restoredRun = run;
    m_undo->setEnabled(m_before.has_value());
    QString text = tr("Limits of run %1 restored: %2.").arg(run, shortLimits(*wanted));
    if (!rounded.isEmpty())
        text += u' ' + tr("Rounded to what the panel can show: %1.").arg(rounded.join(QStringLiteral(", ")));
    if (m_before)
        text += u' ' + tr("History ▸ Undo Restore Limits (Ctrl+Alt+Z) puts back the previous ones.");
    Q_EMIT message(text, MessageMs);
    return true;
}

bool HistoryMenu::undoRestoreLimits()
{
    if (!m_before)
        return false;
    m_limits.setLimits(*m_before);
    m_before.reset();
    m_undo->setEnabled(false);
    Q_EMIT message(tr("Limits from before restoring run %1 are back.").arg(m_restoredRun), MessageMs);
    return true;
}

bool HistoryMenu::restoreInput()
{
    const QString run = m_history.selectedRunId().left(8);
    const auto text = m_history.selectedInput();
    if (!text) {
        Q_EMIT message(tr("The input of run %1 cannot be restored: %2")
                           .arg(run, QString::fromStdString(text.error().message)),
                       MessageMs);
        return false;
    }
    m_input.setFilePath({});
    m_input.setText(*text);
    Q_EMIT message(
        tr("Input of run %1 restored (%n characters) in the Input panel.", nullptr, int(text->size()))
            .arg(run),
        MessageMs);
    return true;
}

} // namespace agentrun::ui
