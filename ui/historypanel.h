#pragma once

#include <QWidget>

class QComboBox;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTreeView;

namespace agentrun::history {
class HistoryStore;
}

namespace agentrun::ui {

class RunHistoryModel;

/// Every recorded run (from the core's history store): filter by status or text, select one to see its
/// code, findings and output, reopen it in the editor or run it again.
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
    /// Writes the selected run to `path`: a readable HTML report when it ends in .html/.htm, else the
    /// JSON of `agentrun history show --json`. False with `error` set when nothing is selected or the
    /// file cannot be written.
    bool exportRun(const QString& path, QString* error = nullptr);

Q_SIGNALS:
    void reopenRequested(const QString& code, const QString& title);
    void runAgainRequested(const QString& code, const QString& title);

private:
    void showRun(const QString& runId);

    RunHistoryModel* m_model = nullptr;
    QTreeView* m_view = nullptr;
    QComboBox* m_filter = nullptr;
    QLineEdit* m_search = nullptr;
    QTabWidget* m_details = nullptr;
    QPlainTextEdit* m_code = nullptr;
    QPlainTextEdit* m_findings = nullptr;
    QPlainTextEdit* m_output = nullptr;
    QPushButton* m_open = nullptr;
    QPushButton* m_runAgain = nullptr;
    QPushButton* m_export = nullptr;
    QString m_runId;
    QString m_runCode;
};

} // namespace agentrun::ui
