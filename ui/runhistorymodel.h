#pragma once

#include "agentrun/history/historystore.h"

#include <vector>

#include <QAbstractTableModel>
#include <QString>

namespace agentrun::ui {

/// Runs from the core's SQLite history (every front end's, not only this window's), newest first,
/// filtered by status and by text. The store is read on the GUI thread: a listing is one indexed query of
/// at most MaxRows summaries without code or output.
class RunHistoryModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    static constexpr int MaxRows = 1000;

    enum Column
    {
        TimeColumn,
        StatusColumn,
        ExitColumn,
        DurationColumn,
        PeakColumn,
        OverrideColumn, ///< the reason given when the check was overridden, else empty
        CodeColumn,
        ColumnCount
    };
    enum Role
    {
        RunIdRole = Qt::UserRole + 1,
        StatusRole,
        OverriddenRole ///< bool: the run's check was overridden
    };
    enum class Filter
    {
        All,
        Blocked,
        Failed, ///< anything that is neither ok nor blocked
        Ok,
        Overridden ///< run with the check overridden: code the check would have blocked
    };
    Q_ENUM(Filter)

    /// `store` may be null (no history: the model stays empty); it must outlive the model.
    explicit RunHistoryModel(agentrun::history::HistoryStore* store, QObject* parent = nullptr);

    void setFilter(Filter filter);
    Filter filter() const { return m_filter; }
    /// Case-insensitive match on the code's first line, the status, the message, the override reason and
    /// the run id.
    void setSearchText(const QString& text);
    /// Reads the store again; the error, if any, is in lastError().
    void reload();
    QString lastError() const { return m_lastError; }

    const agentrun::history::RunSummary& summary(int row) const { return m_rows.at(size_t(row)); }
    agentrun::history::HistoryStore* store() const { return m_store; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    bool accepts(const agentrun::history::RunSummary& row) const;

    agentrun::history::HistoryStore* m_store;
    std::vector<agentrun::history::RunSummary> m_rows;
    Filter m_filter = Filter::All;
    QString m_search;
    QString m_lastError;
};

} // namespace agentrun::ui
