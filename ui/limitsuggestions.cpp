#include "limitsuggestions.h"

#include "agentrun/errorcodes.h"
#include "agentrun/history/historytext.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include "labels.h"

namespace agentrun::ui {

using agentrun::run::LimitField;
using agentrun::run::LimitSuggestion;

bool usageOf(const agentrun::history::RunSummary& row, agentrun::run::RunUsage& usage)
{
    auto limits = agentrun::history::limitsFromJson(row.limits);
    const auto status = agentrun::history::parseStatus(row.status);
    if (!limits || !status)
        return false;
    usage = {};
    usage.status = *status;
    usage.limits = *limits;
    usage.peakMemoryBytes = row.peakMemoryBytes;
    usage.cpuSeconds = row.cpuSeconds;
    usage.wallSeconds = row.runMs / 1000.0;
    usage.throttledSeconds = -1;
    usage.peakPids = 0;
    usage.pidsLimitHit = row.errorCode == errc::RunPidsLimit;
    return true;
}

std::vector<agentrun::run::RunUsage> earlierRunsOfTheSameCode(agentrun::history::HistoryStore& store,
                                                              const std::string& runId, int count)
{
    std::vector<agentrun::run::RunUsage> runs;
    const auto record = store.get(runId);
    if (!record || record->codeSha256.empty() || count <= 0)
        return runs;
    agentrun::history::HistoryFilter filter;
    filter.codeSha256 = record->codeSha256;
    filter.limit = count + 1;
    const auto rows = store.list(filter);
    if (!rows)
        return runs;
    for (const auto& row : *rows) {
        agentrun::run::RunUsage usage;
        if (row.runId != runId && int(runs.size()) < count && usageOf(row, usage))
            runs.push_back(usage);
    }
    return runs;
}

LimitSuggestionsView::LimitSuggestionsView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("limitSuggestions"));
    m_layout = new QVBoxLayout(this);
    m_layout->setContentsMargins(6, 0, 6, 3);
    m_layout->setSpacing(2);
    hide();
}

QString LimitSuggestionsView::valueLabel(LimitField field, double value)
{
    switch (field) {
    case LimitField::Memory:
        return sizeLabel(qint64(value));
    case LimitField::Cpus:
        return value == 1.0 ? tr("1 CPU") : tr("%1 CPUs").arg(QString::number(value, 'g', 4));
    case LimitField::Timeout:
        return tr("%1 s").arg(QString::number(value, 'g', 6));
    case LimitField::Pids:
        return tr("%1 processes").arg(qint64(value));
    }
    return QString::number(value);
}

QString LimitSuggestionsView::buttonName(LimitField field, bool undo)
{
    QString name;
    switch (field) {
    case LimitField::Memory:
        break; // the name it had when memory was the only suggestion
    case LimitField::Cpus:
        name = QStringLiteral("Cpus");
        break;
    case LimitField::Timeout:
        name = QStringLiteral("Timeout");
        break;
    case LimitField::Pids:
        name = QStringLiteral("Pids");
        break;
    }
    return (undo ? QStringLiteral("undo") : QStringLiteral("apply")) + name +
           QStringLiteral("SuggestionButton");
}

const LimitSuggestion* LimitSuggestionsView::suggestion(LimitField field) const
{
    for (const auto& s : m_suggestions)
        if (s.field == field)
            return &s;
    return nullptr;
}

void LimitSuggestionsView::setSuggestions(const std::vector<LimitSuggestion>& suggestions)
{
    for (QWidget* row : std::as_const(m_rows))
        delete row;
    m_rows.clear();
    m_suggestions = suggestions;
    for (const LimitSuggestion& s : m_suggestions) {
        auto* row = new QWidget(this);
        auto* layout = new QHBoxLayout(row);
        layout->setContentsMargins(0, 0, 0, 0);
        auto* reason = new QLabel(QString::fromStdString(s.reason), row);
        reason->setObjectName(
            buttonName(s.field, false).replace(QStringLiteral("Button"), QStringLiteral("Reason")));
        reason->setWordWrap(true);
        const QString field = QString::fromUtf8(agentrun::run::toString(s.field));
        auto* apply = new QPushButton(tr("Apply %1").arg(valueLabel(s.field, s.suggested)), row);
        apply->setObjectName(buttonName(s.field, false));
        apply->setToolTip(tr("Set the %1 limit to %2 in the Limits panel for the next run")
                              .arg(field, valueLabel(s.field, s.suggested)));
        auto* undo = new QPushButton(tr("Undo (back to %1)").arg(valueLabel(s.field, s.current)), row);
        undo->setObjectName(buttonName(s.field, true));
        undo->hide();
        const double suggested = s.suggested;
        const double current = s.current;
        connect(apply, &QPushButton::clicked, this, [this, apply, undo, field, suggested] {
            apply->hide();
            undo->show();
            Q_EMIT limitChosen(field, suggested);
        });
        connect(undo, &QPushButton::clicked, this, [this, apply, undo, field, current] {
            undo->hide();
            apply->show();
            Q_EMIT limitChosen(field, current);
        });
        layout->addWidget(reason, 1);
        layout->addWidget(apply);
        layout->addWidget(undo);
        m_layout->addWidget(row);
        m_rows << row;
    }
    setVisible(!m_suggestions.empty());
}

} // namespace agentrun::ui
