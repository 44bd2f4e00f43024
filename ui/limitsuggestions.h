#pragma once

#include "agentrun/history/historystore.h"
#include "agentrun/run/limitsuggestions.h"

#include <string>
#include <vector>

#include <QWidget>

class QLabel;
class QPushButton;
class QVBoxLayout;

namespace agentrun::ui {

/// What a history row says a run used (run::RunUsage): its limits, peak memory, CPU and wall time, and
/// whether it reached the process limit. The history keeps no throttled time or process count: unknown.
/// False when the row's limits do not validate (nothing to tune from).
bool usageOf(const agentrun::history::RunSummary& row, agentrun::run::RunUsage& usage);

/// The runs before `runId` of the same code (by its SHA-256), newest first, at most `count`: the
/// suggestions read them with the run itself. Empty when the store has none or cannot be read.
std::vector<agentrun::run::RunUsage> earlierRunsOfTheSameCode(agentrun::history::HistoryStore& store,
                                                              const std::string& runId, int count);

/// The limit suggestions of the last run (run::suggestLimits), one row each: the reason, a one-click
/// Apply and, once applied, Undo (back to the value before). Each field has its own pair, so applying the
/// memory suggestion and undoing the CPU one are independent. The memory row's buttons are named
/// `applySuggestionButton` / `undoSuggestionButton`, the others `apply<Field>SuggestionButton` /
/// `undo<Field>SuggestionButton` (Cpus, Timeout, Pids).
class LimitSuggestionsView : public QWidget
{
    Q_OBJECT
public:
    explicit LimitSuggestionsView(QWidget* parent = nullptr);

    void setSuggestions(const std::vector<agentrun::run::LimitSuggestion>& suggestions);
    const std::vector<agentrun::run::LimitSuggestion>& suggestions() const { return m_suggestions; }
    /// The suggestion for `field`, or null.
    const agentrun::run::LimitSuggestion* suggestion(agentrun::run::LimitField field) const;

    /// "512.0 MiB", "1 CPU", "1.5 CPUs", "10 s", "64 processes".
    static QString valueLabel(agentrun::run::LimitField field, double value);
    /// The object name of a field's Apply or Undo button.
    static QString buttonName(agentrun::run::LimitField field, bool undo);

Q_SIGNALS:
    /// Apply or Undo was clicked: set `field` ("memory", "cpus", "timeout", "pids") to `value` (bytes,
    /// CPUs, seconds, processes) in the Limits panel.
    void limitChosen(const QString& field, double value);

private:
    std::vector<agentrun::run::LimitSuggestion> m_suggestions;
    QVBoxLayout* m_layout = nullptr;
    QList<QWidget*> m_rows;
};

} // namespace agentrun::ui
