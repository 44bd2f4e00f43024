#include "resourcepanel.h"

#include <QChart>
#include <QChartView>
#include <QLabel>
#include <QLineSeries>
#include <QValueAxis>
#include <QVBoxLayout>

#include "labels.h"
#include "limitsuggestions.h"

namespace agentrun::ui {

namespace {
constexpr double MiB = 1024.0 * 1024.0;
}

ResourcePanel::ResourcePanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("resourcePanel"));
    auto* chart = new QChart;
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setBackgroundRoundness(0);

    m_memory = new QLineSeries(chart);
    m_memory->setName(tr("Memory (MiB)"));
    m_limit = new QLineSeries(chart);
    m_limit->setName(tr("Memory limit"));
    QPen limitPen(QColor(0xd0, 0x20, 0x20));
    limitPen.setStyle(Qt::DashLine);
    limitPen.setWidth(2);
    m_limit->setPen(limitPen);
    m_cpu = new QLineSeries(chart);
    m_cpu->setName(tr("CPU (%)"));
    m_cpuLimit = new QLineSeries(chart);
    m_cpuLimit->setName(tr("CPU limit"));
    QPen cpuLimitPen(QColor(0xc0, 0x60, 0x00));
    cpuLimitPen.setStyle(Qt::DotLine);
    cpuLimitPen.setWidth(2);
    m_cpuLimit->setPen(cpuLimitPen);
    m_timeout = new QLineSeries(chart);
    m_timeout->setName(tr("Timeout"));
    QPen timeoutPen(QColor(0x40, 0x40, 0x40));
    timeoutPen.setStyle(Qt::DashDotLine);
    timeoutPen.setWidth(2);
    m_timeout->setPen(timeoutPen);
    chart->addSeries(m_memory);
    chart->addSeries(m_limit);
    chart->addSeries(m_cpu);
    chart->addSeries(m_cpuLimit);
    chart->addSeries(m_timeout);

    m_time = new QValueAxis(chart);
    m_time->setTitleText(tr("seconds"));
    m_time->setLabelFormat(QStringLiteral("%.1f"));
    m_memoryAxis = new QValueAxis(chart);
    m_memoryAxis->setTitleText(tr("MiB"));
    m_memoryAxis->setLabelFormat(QStringLiteral("%.0f"));
    m_cpuAxis = new QValueAxis(chart);
    m_cpuAxis->setTitleText(tr("CPU %"));
    m_cpuAxis->setLabelFormat(QStringLiteral("%.0f"));
    chart->addAxis(m_time, Qt::AlignBottom);
    chart->addAxis(m_memoryAxis, Qt::AlignLeft);
    chart->addAxis(m_cpuAxis, Qt::AlignRight);
    for (QLineSeries* s : {m_memory, m_limit, m_timeout}) {
        s->attachAxis(m_time);
        s->attachAxis(m_memoryAxis);
    }
    for (QLineSeries* s : {m_cpu, m_cpuLimit}) {
        s->attachAxis(m_time);
        s->attachAxis(m_cpuAxis);
    }

    auto* view = new QChartView(chart, this);
    view->setObjectName(QStringLiteral("resourceChart"));
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(160);

    m_summary = new QLabel(tr("No run yet"), this);
    m_summary->setObjectName(QStringLiteral("resourceSummaryLabel"));
    m_summary->setWordWrap(true);
    m_summary->setContentsMargins(6, 3, 6, 3);

    m_suggestions = new LimitSuggestionsView(this);
    connect(m_suggestions, &LimitSuggestionsView::limitChosen, this,
            [this](const QString& field, double value) {
                if (field == u"memory")
                    Q_EMIT memoryLimitChosen(qint64(value));
                Q_EMIT limitChosen(field, value);
            });

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view, 1);
    layout->addWidget(m_summary);
    layout->addWidget(m_suggestions);
    startRun(0);
}

void ResourcePanel::startRun(const agentrun::model::Limits& limits)
{
    startRun(limits.memoryBytes);
    m_runLimits = limits;
    m_cpuLimitPercent = limits.cpus * 100.0;
    m_cpuLimit->append(0, m_cpuLimitPercent);
    m_cpuLimit->append(1, m_cpuLimitPercent);
    updateAxes();
}

void ResourcePanel::startRun(qint64 memoryLimitBytes)
{
    m_memory->clear();
    m_cpu->clear();
    m_limit->clear();
    m_cpuLimit->clear();
    m_timeout->clear();
    m_samples = 0;
    m_cpuLimitPercent = 0;
    m_suggestion = 0;
    m_suggestions->setSuggestions({});
    m_runLimits = agentrun::model::Limits();
    m_runLimits.memoryBytes = memoryLimitBytes;
    m_runLimits.memorySwapBytes = memoryLimitBytes;
    m_limitBytes = memoryLimitBytes;
    m_peakBytes = 0;
    m_peakCpu = 0;
    m_lastThrottled = 0;
    m_lastSeconds = 0;
    if (memoryLimitBytes > 0) {
        m_limit->append(0, double(memoryLimitBytes) / MiB);
        m_limit->append(1, double(memoryLimitBytes) / MiB);
        m_summary->setText(tr("Running… limit %1").arg(sizeLabel(memoryLimitBytes)));
    }
    updateAxes();
}

void ResourcePanel::addSample(const agentrun::run::ResourceSample& s)
{
    if (s.memoryLimitBytes > 0 && m_limitBytes == 0)
        startRun(s.memoryLimitBytes);
    m_lastThrottled = qMax(m_lastThrottled, s.throttledSeconds);
    m_lastSeconds = qMax(m_lastSeconds, s.elapsedSeconds);
    m_peakBytes = qMax(m_peakBytes, s.memoryBytes);
    m_peakCpu = qMax(m_peakCpu, s.cpuPercent);
    ++m_samples;
    m_memory->append(s.elapsedSeconds, double(s.memoryBytes) / MiB);
    m_cpu->append(s.elapsedSeconds, s.cpuPercent);
    stretchLimitLines();
    updateAxes();
}

void ResourcePanel::stretchLimitLines()
{
    const double end = qMax(1.0, m_lastSeconds);
    if (m_limit->count() == 2)
        m_limit->replace(1, QPointF(end, double(m_limitBytes) / MiB));
    if (m_cpuLimit->count() == 2)
        m_cpuLimit->replace(1, QPointF(end, m_cpuLimitPercent));
}

void ResourcePanel::finishRun(const agentrun::model::RunResult& result)
{
    using agentrun::model::Status;
    const qint64 peak = qMax(m_peakBytes, result.peakMemoryBytes);
    const double runSeconds = result.durations.runMs / 1000.0;
    // The final peak is always on the chart, at the run's end: a run that died between two samples (an
    // out-of-memory kill) still shows how high it went.
    if (peak > 0 && runSeconds > 0) {
        m_lastSeconds = qMax(m_lastSeconds, runSeconds);
        m_memory->append(m_lastSeconds, double(peak) / MiB);
        m_peakBytes = peak;
        stretchLimitLines();
    }
    if (result.status == Status::Timeout && m_lastSeconds > 0) {
        const double top = qMax(double(m_limitBytes), double(m_peakBytes)) / MiB * 1.1;
        m_timeout->append(m_lastSeconds, 0);
        m_timeout->append(m_lastSeconds, qMax(16.0, top));
    }
    updateAxes();
    // What to change, per limit: raise one the run reached or nearly reached, lower one it barely used
    // (run::suggestLimits, over this run and the last runs of the same code).
    std::vector<agentrun::run::RunUsage> runs{agentrun::run::usageOf(result, m_runLimits)};
    runs.front().peakMemoryBytes = peak;
    if (m_history && !result.runId.empty()) {
        auto earlier = earlierRunsOfTheSameCode(*m_history, result.runId, EarlierRuns);
        runs.insert(runs.end(), earlier.begin(), earlier.end());
    }
    m_suggestions->setSuggestions(agentrun::run::suggestLimits(runs));
    const agentrun::run::LimitSuggestion* memory =
        m_suggestions->suggestion(agentrun::run::LimitField::Memory);
    m_suggestion = memory ? qint64(memory->suggested) : 0;
    if (peak <= 0 || m_limitBytes <= 0) {
        m_summary->setText(tr("Finished: %1 (no memory samples)").arg(statusName(result.status)));
        return;
    }
    const int percent = int(100.0 * double(peak) / double(m_limitBytes) + 0.5);
    QString text =
        m_samples < CurveSamples
            ? tr("Too short for a curve (%1): peaked at %2 of %3 (%4%)")
                  .arg(durationLabel(result.durations.runMs), sizeLabel(peak), sizeLabel(m_limitBytes))
                  .arg(percent)
            : tr("Peaked at %1 of %2 (%3%)").arg(sizeLabel(peak), sizeLabel(m_limitBytes)).arg(percent);
    if (m_peakCpu > 0)
        text += tr(", CPU up to %1%").arg(qRound(m_peakCpu));
    if (result.cpuSeconds > 0 && runSeconds > 0) {
        const int busy = qRound(100.0 * result.cpuSeconds / runSeconds);
        text += tr("; CPU time %1 in %2 wall (%3% of one CPU)")
                    .arg(durationLabel(result.cpuSeconds * 1000), durationLabel(result.durations.runMs))
                    .arg(busy);
        if (m_cpuLimitPercent > 0 && busy >= int(m_cpuLimitPercent * 0.9))
            text += tr(", held at its CPU limit of %1").arg(m_cpuLimitPercent / 100.0, 0, 'g', 3);
    }
    // The time the CPU limit held it back, where the cgroup (or the engine's stats) counted it.
    const double throttled = qMax(result.throttledSeconds, m_lastThrottled);
    if (const std::string words = agentrun::run::describeThrottling(throttled, runSeconds, m_runLimits.cpus);
        !words.empty())
        text += u"; " + QString::fromStdString(words);
    if (result.status == Status::OutOfMemory)
        text += tr(" — out of memory: raise the limit above %1").arg(sizeLabel(m_limitBytes));
    else if (m_suggestion > 0)
        text += tr(" — suggested limit: %1").arg(sizeLabel(m_suggestion));
    else
        text += tr(" — the limit fits");
    m_summary->setText(text);
}

const std::vector<agentrun::run::LimitSuggestion>& ResourcePanel::suggestions() const
{
    return m_suggestions->suggestions();
}

int ResourcePanel::sampleCount() const
{
    return m_samples;
}

QString ResourcePanel::summary() const
{
    return m_summary->text();
}

qint64 ResourcePanel::suggestedLimit(qint64 peakBytes)
{
    constexpr qint64 step = 16ll << 20;
    const qint64 wanted = peakBytes + peakBytes / 2;
    return qMax(step, (wanted + step - 1) / step * step);
}

void ResourcePanel::updateAxes()
{
    m_time->setRange(0, qMax(1.0, m_lastSeconds));
    const double top = qMax(double(m_limitBytes), double(m_peakBytes)) / MiB;
    m_memoryAxis->setRange(0, qMax(16.0, top * 1.1));
    m_cpuAxis->setRange(0, qMax(100.0, qMax(m_peakCpu, m_cpuLimitPercent) * 1.1));
}

} // namespace agentrun::ui
