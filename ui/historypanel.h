#pragma once

#include "agentrun/error.h"
#include "agentrun/history/historystore.h"
#include "agentrun/model/limits.h"

#include <optional>
#include <string>

#include <QWidget>

class QAction;
class QComboBox;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTreeView;

namespace agentrun::ui {

class RunCompare;
class RunHistoryModel;

/// Every recorded run (from the core's history store): filter by status or text, select one to see its
/// code, settings, findings and output, reopen it in the editor, restore its limits or input, or run it
/// again. The row actions are QActions (buttons, the context menu and the window's History menu share
/// them); the window decides what restoring means.
class HistoryPanel : public QWidget
{
    Q_OBJECT
public:
    explicit HistoryPanel(agentrun::history::HistoryStore* store, QWidget* parent = nullptr);
    RunHistoryModel* model() const { return m_model; }
    /// Reads the store again, keeping the selected run selected when it is still listed.
    void refresh();
    /// Selects the run in `row` of the model (tests, keyboard).
    void selectRow(int row);
    QString selectedRunId() const { return m_runId; }
    /// Every selected run (several with Ctrl/Shift+click), in the list's order (newest first).
    QStringList selectedRunIds() const;
    /// Selects exactly these rows (tests, keyboard); the last is the current one.
    void selectRows(const QList<int>& rows);
    /// Opens the two selected runs side by side (compareAction); null (and nothing opened) unless exactly
    /// two are selected. The older run is the first column.
    RunCompare* compareSelected();
    /// Writes the selected run to `path`: a readable HTML report when it ends in .html/.htm, else the
    /// JSON of `agentrun history show --json`. False with `error` set when nothing is selected or the
    /// file cannot be written.
    bool exportRun(const QString& path, QString* error = nullptr);
    /// The selected run as stored, or null.
    const agentrun::history::RunRecord* selectedRecord() const { return m_record ? &*m_record : nullptr; }
    /// The exact limits of the selected run, validated; an error says why they cannot be restored.
    agentrun::Result<agentrun::model::Limits> selectedLimits() const;
    /// What the selected run read on stdin; an error when it was cut by the history or is not text.
    agentrun::Result<QString> selectedInput() const;

    QAction* openAction() const { return m_openAction; }
    QAction* restoreLimitsAction() const { return m_restoreLimitsAction; }
    QAction* restoreInputAction() const { return m_restoreInputAction; }
    QAction* runAgainAction() const { return m_runAgainAction; }
    QAction* exportAction() const { return m_exportAction; }
    /// Enabled when exactly two runs are selected.
    QAction* compareAction() const { return m_compareAction; }

Q_SIGNALS:
    void reopenRequested(const QString& code, const QString& title);
    void runAgainRequested(const QString& code, const QString& title);
    /// The selected run's limits (restoreLimitsAction), input (restoreInputAction) should be restored.
    void restoreLimitsRequested(const QString& runId);
    void restoreInputRequested(const QString& runId);

private:
    void createActions();
    void showRun(const QString& runId);
    QString title() const;

    RunHistoryModel* m_model = nullptr;
    QTreeView* m_view = nullptr;
    QComboBox* m_filter = nullptr;
    QLineEdit* m_search = nullptr;
    QTabWidget* m_details = nullptr;
    QPlainTextEdit* m_code = nullptr;
    QPlainTextEdit* m_settings = nullptr;
    QPlainTextEdit* m_findings = nullptr;
    QPlainTextEdit* m_output = nullptr;
    QPushButton* m_open = nullptr;
    QPushButton* m_runAgain = nullptr;
    QPushButton* m_export = nullptr;
    QPushButton* m_restoreLimits = nullptr;
    QAction* m_openAction = nullptr;
    QAction* m_restoreLimitsAction = nullptr;
    QAction* m_restoreInputAction = nullptr;
    QAction* m_runAgainAction = nullptr;
    QAction* m_exportAction = nullptr;
    QAction* m_compareAction = nullptr;
    QString m_runId;
    QString m_runCode;
    std::optional<agentrun::history::RunRecord> m_record;
};

} // namespace agentrun::ui
