#include "runhistorymodel.h"

#include <QColor>
#include <QDateTime>

#include "labels.h"

namespace agentrun::ui {

RunHistoryModel::RunHistoryModel(agentrun::history::HistoryStore* store, QObject* parent)
    : QAbstractTableModel(parent), m_store(store)
{
    reload();
}

void RunHistoryModel::setFilter(Filter filter)
{
    if (filter == m_filter)
        return;
    m_filter = filter;
    reload();
}

void RunHistoryModel::setSearchText(const QString& text)
{
    if (text.trimmed() == m_search)
        return;
    m_search = text.trimmed();
    reload();
}

bool RunHistoryModel::accepts(const agentrun::history::RunSummary& row) const
{
    if (m_filter == Filter::Failed && (row.status == "ok" || row.status == "blocked"))
        return false;
    if (m_search.isEmpty())
        return true;
    const auto has = [this](const std::string& field) {
        return QString::fromStdString(field).contains(m_search, Qt::CaseInsensitive);
    };
    return has(row.codePreview) || has(row.status) || has(row.message) || has(row.overrideReason) ||
           has(row.runId);
}

void RunHistoryModel::reload()
{
    beginResetModel();
    m_rows.clear();
    m_lastError.clear();
    if (m_store) {
        agentrun::history::HistoryFilter query;
        query.limit = MaxRows;
        if (m_filter == Filter::Blocked)
            query.status = "blocked";
        else if (m_filter == Filter::Ok)
            query.status = "ok";
        query.overriddenOnly = m_filter == Filter::Overridden;
        if (auto rows = m_store->list(query)) {
            for (auto& row : *rows)
                if (accepts(row))
                    m_rows.push_back(std::move(row));
        } else {
            m_lastError = QString::fromStdString(rows.error().message);
        }
    }
    endResetModel();
}

int RunHistoryModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RunHistoryModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunHistoryModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& r = m_rows[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return QDateTime::fromMSecsSinceEpoch(r.createdMs)
                .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        case StatusColumn:
            return QString::fromStdString(r.status);
        case ExitColumn:
            return r.exitCode >= 0 ? QString::number(r.exitCode) : QString();
        case DurationColumn:
            return durationLabel(r.totalMs);
        case PeakColumn:
            return r.peakMemoryBytes > 0 ? sizeLabel(r.peakMemoryBytes) : QString();
        case OverrideColumn:
            if (!r.checkSkipped)
                return {};
            return r.overrideReason.empty() ? tr("overridden, no reason given")
                                            : QString::fromStdString(r.overrideReason);
        case CodeColumn:
            return QString::fromStdString(r.codePreview);
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == OverrideColumn && r.checkSkipped)
            return tr("The check was overridden (Run Anyway). Reason: %1")
                .arg(r.overrideReason.empty() ? tr("none given") : QString::fromStdString(r.overrideReason));
        return r.message.empty() ? QVariant() : QVariant(QString::fromStdString(r.message));
    case Qt::ForegroundRole:
        if ((index.column() == StatusColumn && r.status != "ok") ||
            (index.column() == OverrideColumn && r.checkSkipped))
            return QColor(0xd0, 0x20, 0x20);
        return {};
    case OverriddenRole:
        return r.checkSkipped;
    case RunIdRole:
        return QString::fromStdString(r.runId);
    case StatusRole:
        return QString::fromStdString(r.status);
    }
    return {};
}

QVariant RunHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case StatusColumn:
        return tr("Status");
    case ExitColumn:
        return tr("Exit");
    case DurationColumn:
        return tr("Duration");
    case PeakColumn:
        return tr("Peak memory");
    case OverrideColumn:
        return tr("Check overridden");
    case CodeColumn:
        return tr("Code");
    }
    return {};
}

} // namespace agentrun::ui
