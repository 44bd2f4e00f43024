#pragma once

#include "agentrun/run/runresult.h"

#include <vector>

#include <QAbstractTableModel>
#include <QDateTime>
#include <QString>

namespace agentrun::ui {

/// The runs of this session, newest first, with what is needed to reopen one.
class RunHistoryModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        TimeColumn,
        StatusColumn,
        DurationColumn,
        PeakColumn,
        FindingColumn,
        ColumnCount
    };
    enum Role
    {
        CodeRole = Qt::UserRole + 1,
        OutputRole,
        StatusRole
    };

    struct Entry
    {
        QDateTime time;
        QString code;
        agentrun::run::RunResult result;
    };

    explicit RunHistoryModel(QObject* parent = nullptr);
    void add(Entry entry);
    const Entry& entry(int row) const { return m_entries.at(size_t(row)); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<Entry> m_entries; // newest first
};

} // namespace agentrun::ui
