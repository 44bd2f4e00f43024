#include "runhistorymodel.h"

#include <QColor>

#include "labels.h"

namespace agentrun::ui {

RunHistoryModel::RunHistoryModel(QObject* parent) : QAbstractTableModel(parent) {}

void RunHistoryModel::add(Entry entry)
{
    beginInsertRows({}, 0, 0);
    m_entries.insert(m_entries.begin(), std::move(entry));
    endInsertRows();
}

int RunHistoryModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int RunHistoryModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunHistoryModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Entry& e = m_entries[size_t(index.row())];
    const auto& r = e.result;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return e.time.toString(QStringLiteral("HH:mm:ss"));
        case StatusColumn:
            return statusName(r.status);
        case DurationColumn:
            return durationLabel(r.durations.totalMs);
        case PeakColumn:
            return r.peakMemoryBytes > 0 ? sizeLabel(r.peakMemoryBytes) : QString();
        case FindingColumn:
            return r.findings.empty() ? QString() : QString::fromStdString(r.findings.front().message);
        }
        return {};
    case Qt::ToolTipRole:
        return e.code.left(2000);
    case Qt::ForegroundRole:
        if (index.column() == StatusColumn && r.status != agentrun::run::Status::Ok)
            return QColor(0xd0, 0x20, 0x20);
        return {};
    case CodeRole:
        return e.code;
    case OutputRole:
        return QString::fromStdString(r.output);
    case StatusRole:
        return statusName(r.status);
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
    case DurationColumn:
        return tr("Duration");
    case PeakColumn:
        return tr("Peak memory");
    case FindingColumn:
        return tr("First finding");
    }
    return {};
}

} // namespace agentrun::ui
