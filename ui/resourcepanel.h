#pragma once

#include "agentrun/run/observer.h"
#include "agentrun/model/runresult.h"

#include <QWidget>

class QLabel;
class QLineSeries;
class QValueAxis;

namespace agentrun::ui {

/// Memory and CPU of the running sandbox over time, with the memory limit drawn as a line; after the run,
/// the peak against the limit and a suggested limit.
class ResourcePanel : public QWidget
{
    Q_OBJECT
public:
    explicit ResourcePanel(QWidget* parent = nullptr);

    void startRun(qint64 memoryLimitBytes);
    void addSample(const agentrun::run::ResourceSample& sample);
    void finishRun(const agentrun::model::RunResult& result);

    int sampleCount() const;
    QString summary() const;
    /// A limit with headroom over `peakBytes`: 1.5×, rounded up to 16 MiB, at least 16 MiB.
    static qint64 suggestedLimit(qint64 peakBytes);

private:
    void updateAxes();

    QLineSeries* m_memory = nullptr;
    QLineSeries* m_limit = nullptr;
    QLineSeries* m_cpu = nullptr;
    QValueAxis* m_time = nullptr;
    QValueAxis* m_memoryAxis = nullptr;
    QValueAxis* m_cpuAxis = nullptr;
    QLabel* m_summary = nullptr;
    qint64 m_limitBytes = 0;
    qint64 m_peakBytes = 0;
    double m_lastSeconds = 0;
    double m_peakCpu = 0;
};

} // namespace agentrun::ui
