#pragma once

#include "agentrun/model/runresult.h"
#include "agentrun/run/limitsuggestions.h"
#include "agentrun/run/observer.h"

#include <vector>

#include <QWidget>

class QLabel;
class QLineSeries;
class QValueAxis;

namespace agentrun::history {
class HistoryStore;
}

namespace agentrun::ui {

class LimitSuggestionsView;

/// Memory and CPU of the running sandbox over time, each against its own limit line (memory: red dashes
/// on the MiB axis; CPU: orange dots on the CPU % axis), and a marker where a timeout ended the run. After
/// the run: the final peak is always plotted, the peak against the limit, CPU time against wall time, the
/// time the CPU limit throttled it ("throttled for 1.6 s of 2.0 s wall (CPU limit 0.2)"), and limits to
/// apply with one click each (and undo): memory, CPUs, timeout and processes, from run::suggestLimits over
/// this run and the last runs of the same code in the history. A run too short for a curve gets the same
/// figures in words.
class ResourcePanel : public QWidget
{
    Q_OBJECT
public:
    explicit ResourcePanel(QWidget* parent = nullptr);

    /// A run starts with `limits` (the lines drawn); the memory-only form draws no CPU limit.
    void startRun(const agentrun::model::Limits& limits);
    void startRun(qint64 memoryLimitBytes);
    void addSample(const agentrun::run::ResourceSample& sample);
    void finishRun(const agentrun::model::RunResult& result);
    /// The history the suggestions also read (the last EarlierRuns runs of the same code); may be null.
    void setHistory(agentrun::history::HistoryStore* history) { m_history = history; }
    static constexpr int EarlierRuns = 5;

    int sampleCount() const;
    QString summary() const;
    /// The memory limit the panel offers to apply after the last run; 0: none.
    qint64 suggestion() const { return m_suggestion; }
    /// Every suggestion after the last run (memory, CPUs, timeout, processes).
    const std::vector<agentrun::run::LimitSuggestion>& suggestions() const;
    /// A limit with headroom over `peakBytes`: 1.5×, rounded up to 16 MiB, at least 16 MiB.
    static qint64 suggestedLimit(qint64 peakBytes);
    /// Fewer samples than this: the run is summed up in words rather than drawn.
    static constexpr int CurveSamples = 3;

Q_SIGNALS:
    /// Apply (the suggestion) or Undo (the limit before it) was clicked: the window sets the memory limit.
    void memoryLimitChosen(qint64 bytes);
    /// The same for any field ("memory", "cpus", "timeout", "pids"; bytes, CPUs, seconds, processes).
    void limitChosen(const QString& field, double value);

private:
    void updateAxes();
    /// The limit lines reach the latest time on the chart.
    void stretchLimitLines();

    QLineSeries* m_memory = nullptr;
    QLineSeries* m_limit = nullptr;
    QLineSeries* m_cpu = nullptr;
    QValueAxis* m_time = nullptr;
    QValueAxis* m_memoryAxis = nullptr;
    QValueAxis* m_cpuAxis = nullptr;
    QLineSeries* m_cpuLimit = nullptr;
    QLineSeries* m_timeout = nullptr;
    QLabel* m_summary = nullptr;
    LimitSuggestionsView* m_suggestions = nullptr;
    agentrun::history::HistoryStore* m_history = nullptr;
    agentrun::model::Limits m_runLimits; ///< the limits of the run shown
    int m_samples = 0;
    double m_cpuLimitPercent = 0;
    qint64 m_suggestion = 0;
    qint64 m_limitBytes = 0;
    qint64 m_peakBytes = 0;
    double m_lastSeconds = 0;
    double m_peakCpu = 0;
    double m_lastThrottled = 0; ///< the samples' throttled time so far
};

} // namespace agentrun::ui
