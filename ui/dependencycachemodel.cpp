#include "dependencycachemodel.h"

#include "agentrun/model/limits.h"

namespace agentrun::ui {

int DependencyCacheModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_items.size());
}

int DependencyCacheModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DependencyCacheModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const DependencyCacheItem& entry = m_items[std::size_t(index.row())];
    if (role == SizeRole)
        return qint64(entry.sizeBytes);
    if (role == Qt::TextAlignmentRole && index.column() == SizeColumn)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole)
        return tr("%1\nPackages: %2\nCreated: %3")
            .arg(QString::fromStdString(entry.name), QString::fromStdString(entry.requirements),
                 QString::fromStdString(entry.created));
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(index.column())) {
    case KindColumn:
        return entry.kind == DependencyCacheItem::Kind::BakedImage ? tr("Baked image") : tr("Volume");
    case NameColumn:
        return QString::fromStdString(entry.name);
    case PackagesColumn:
        return QString::fromStdString(entry.requirements).replace(u',', QStringLiteral(", "));
    case SourceColumn:
        return QString::fromStdString(entry.source);
    case SizeColumn:
        return entry.sizeBytes >= 0 ? QString::fromStdString(agentrun::model::formatSize(entry.sizeBytes))
                                    : tr("unknown");
    case InUseColumn:
        return entry.inUse ? tr("in use") : QString();
    case ColumnCount:
        break;
    }
    return {};
}

QVariant DependencyCacheModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case KindColumn:
        return tr("Kind");
    case NameColumn:
        return tr("Name");
    case PackagesColumn:
        return tr("Packages");
    case SourceColumn:
        return tr("Source");
    case SizeColumn:
        return tr("Size");
    case InUseColumn:
        return tr("State");
    case ColumnCount:
        break;
    }
    return {};
}

void DependencyCacheModel::setItems(std::vector<DependencyCacheItem> items)
{
    beginResetModel();
    m_items = std::move(items);
    endResetModel();
}

qint64 DependencyCacheModel::totalBytes() const
{
    qint64 total = 0;
    for (const auto& entry : m_items)
        total += entry.sizeBytes > 0 ? entry.sizeBytes : 0;
    return total;
}

} // namespace agentrun::ui
