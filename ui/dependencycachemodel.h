#pragma once

#include "dependencycachebackend.h"

#include <vector>

#include <QAbstractTableModel>

namespace agentrun::ui {

/// The dependency cache as a table: kind, name, packages, source, size, in use. Fed whole by setItems()
/// (the view lists on a worker thread and hands the result over).
class DependencyCacheModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        KindColumn,
        NameColumn,
        PackagesColumn,
        SourceColumn,
        SizeColumn,
        InUseColumn,
        ColumnCount
    };
    /// Qt::UserRole on any column: the size in bytes (sorting, totals).
    static constexpr int SizeRole = Qt::UserRole + 1;

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setItems(std::vector<DependencyCacheItem> items);
    const DependencyCacheItem& item(int row) const { return m_items.at(std::size_t(row)); }
    /// Sum of the known sizes.
    qint64 totalBytes() const;

private:
    std::vector<DependencyCacheItem> m_items;
};

} // namespace agentrun::ui
