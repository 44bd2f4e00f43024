#pragma once

#include "agentrun/run/observer.h"
#include "agentrun/model/runresult.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QLineSeries;
class QValueAxis;

namespace agentrun::ui {

/// Memory and CPU of the running sandbox over time, each against its own limit line (memory: red dashes
/// on the MiB axis; CPU: orange dots on the CPU % axis), and a marker where a timeout ended the run. After
/// the run: the final peak is always plotted, the peak against the limit, CPU time against wall time, and
/// a memory limit to apply with one click (and undo) when the run came close to its limit, ran out of
/// memory, or used less than a quarter of it. A run too short for a curve gets the same figures in words.
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

    int sampleCount() const;
    QString summary() const;
    /// The memory limit the panel offers to apply after the last run; 0: none.
    qint64 suggestion() const { return m_suggestion; }
    /// A limit with headroom over `peakBytes`: 1.5×, rounded up to 16 MiB, at least 16 MiB.
    static qint64 suggestedLimit(qint64 peakBytes);
    /// Fewer samples than this: the run is summed up in words rather than drawn.
    static constexpr int CurveSamples = 3;

Q_SIGNALS:
    /// Apply (the suggestion) or Undo (the limit before it) was clicked: the window sets the memory limit.
    void memoryLimitChosen(qint64 bytes);

private:
    void updateAxes();
    /// The limit lines reach the latest time on the chart.
    void stretchLimitLines();
    void applySuggestion();
    void undoSuggestion();

    QLineSeries* m_memory = nullptr;
    QLineSeries* m_limit = nullptr;
    QLineSeries* m_cpu = nullptr;
    QValueAxis* m_time = nullptr;
    QValueAxis* m_memoryAxis = nullptr;
    QValueAxis* m_cpuAxis = nullptr;
    QLineSeries* m_cpuLimit = nullptr;
    QLineSeries* m_timeout = nullptr;
    QLabel* m_summary = nullptr;
    QPushButton* m_apply = nullptr;
    QPushButton* m_undo = nullptr;
    int m_samples = 0;
    double m_cpuLimitPercent = 0;
    qint64 m_suggestion = 0;
    qint64 m_beforeApply = 0;
    qint64 m_limitBytes = 0;
    qint64 m_peakBytes = 0;
    double m_lastSeconds = 0;
    double m_peakCpu = 0;
};

} // namespace agentrun::ui
