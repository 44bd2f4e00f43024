#include "resourcepanel.h"

#include <QChart>
#include <QChartView>
#include <QLabel>
#include <QLineSeries>
#include <QValueAxis>
#include <QVBoxLayout>

#include "labels.h"

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
    chart->addSeries(m_memory);
    chart->addSeries(m_limit);
    chart->addSeries(m_cpu);

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
    for (QLineSeries* s : {m_memory, m_limit}) {
        s->attachAxis(m_time);
        s->attachAxis(m_memoryAxis);
    }
    m_cpu->attachAxis(m_time);
    m_cpu->attachAxis(m_cpuAxis);

    auto* view = new QChartView(chart, this);
    view->setObjectName(QStringLiteral("resourceChart"));
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(160);

    m_summary = new QLabel(tr("No run yet"), this);
    m_summary->setObjectName(QStringLiteral("resourceSummaryLabel"));
    m_summary->setWordWrap(true);
    m_summary->setContentsMargins(6, 3, 6, 3);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view, 1);
    layout->addWidget(m_summary);
    startRun(0);
}

void ResourcePanel::startRun(qint64 memoryLimitBytes)
{
    m_memory->clear();
    m_cpu->clear();
    m_limit->clear();
    m_limitBytes = memoryLimitBytes;
    m_peakBytes = 0;
    m_peakCpu = 0;
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
    m_lastSeconds = qMax(m_lastSeconds, s.elapsedSeconds);
    m_peakBytes = qMax(m_peakBytes, s.memoryBytes);
    m_peakCpu = qMax(m_peakCpu, s.cpuPercent);
    m_memory->append(s.elapsedSeconds, double(s.memoryBytes) / MiB);
    m_cpu->append(s.elapsedSeconds, s.cpuPercent);
    if (m_limitBytes > 0)
        m_limit->replace(1, QPointF(qMax(1.0, m_lastSeconds), double(m_limitBytes) / MiB));
    updateAxes();
}

void ResourcePanel::finishRun(const agentrun::model::RunResult& result)
{
    const qint64 peak = qMax(m_peakBytes, result.peakMemoryBytes);
    if (peak <= 0 || m_limitBytes <= 0) {
        m_summary->setText(tr("Finished: %1 (no memory samples)").arg(statusName(result.status)));
        return;
    }
    const int percent = int(100.0 * double(peak) / double(m_limitBytes) + 0.5);
    QString text = tr("Peaked at %1 of %2 (%3%)").arg(sizeLabel(peak), sizeLabel(m_limitBytes)).arg(percent);
    if (m_peakCpu > 0)
        text += tr(", CPU up to %1%").arg(qRound(m_peakCpu));
    const qint64 suggested = suggestedLimit(peak);
    if (result.status == agentrun::model::Status::OutOfMemory)
        text += tr(" — out of memory: raise the limit above %1").arg(sizeLabel(m_limitBytes));
    else if (suggested < m_limitBytes / 2 || suggested > m_limitBytes)
        text += tr(" — suggested limit: %1").arg(sizeLabel(suggested));
    m_summary->setText(text);
}

int ResourcePanel::sampleCount() const
{
    return int(m_memory->count());
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
    m_cpuAxis->setRange(0, qMax(100.0, m_peakCpu * 1.1));
}

} // namespace agentrun::ui
