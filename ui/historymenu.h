#pragma once

#include "agentrun/model/limits.h"

#include <optional>

#include <QMenu>

namespace agentrun::ui {

class HistoryPanel;
class LimitsPanel;
class StdinPanel;

/// The window's History menu: the History panel's row actions with shortcuts, and what restoring a past
/// run means for the window. Restoring limits changes the Limits panel and says so in the status bar;
/// Undo Restore Limits puts back what was there before.
class HistoryMenu : public QMenu
{
    Q_OBJECT
public:
    HistoryMenu(HistoryPanel& history, LimitsPanel& limits, StdinPanel& input, QWidget* parent = nullptr);

    /// Restores the selected run's limits; false (and nothing changed) when they cannot be.
    bool restoreLimits();
    /// Puts back the limits that were shown before the last restore.
    bool undoRestoreLimits();
    /// Puts the selected run's stdin into the Input panel.
    bool restoreInput();
    QAction* undoAction() const { return m_undo; }

Q_SIGNALS:
    /// What happened, for the status bar.
    void message(const QString& text, int timeoutMs);

private:
    HistoryPanel& m_history;
    LimitsPanel& m_limits;
    StdinPanel& m_input;
    QAction* m_undo = nullptr;
    std::optional<agentrun::model::Limits> m_before;
    QString m_restoredRun;
};

} // namespace agentrun::ui
