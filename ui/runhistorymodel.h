#pragma once

#include "agentrun/history/historystore.h"
#include "agentrun/model/limits.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <QAbstractTableModel>
#include <QString>

namespace agentrun::ui {

/// Runs from the core's SQLite history (every front end's, not only this window's), newest first,
/// filtered by status and by text. The store is read on the GUI thread: a listing is one indexed query of
/// at most MaxRows summaries without code or output. It is a tuning table: each run's limits (memory,
/// CPUs, timeout, processes) beside what it used (peak memory, CPU time, wall time) and its outcome, and
/// the profile it started from, marked "(edited)" when its limits differ from that profile's.
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
        ProfileColumn, ///< "default", "default (edited)": the run's limits differ from the profile's
        MemoryLimitColumn,
        CpusColumn,
        TimeoutColumn,
        PidsColumn,
        PeakColumn, ///< peak memory; "not measured" for a run that ran but reported none
        CpuTimeColumn,
        WallTimeColumn, ///< the program's run time (Duration is the whole run: check, install, run)
        OverrideColumn, ///< the reason given when the check was overridden, else empty
        CodeColumn,
        ColumnCount
    };
    enum Role
    {
        RunIdRole = Qt::UserRole + 1,
        StatusRole,
        OverriddenRole, ///< bool: the run's check was overridden
        EditedRole      ///< bool: the run's limits differ from those of the profile it names
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

    /// The limits of a profile by name (nullopt: no such profile). The default reads the built-in profiles
    /// and the saved ones (profile::ProfileStore's default folder).
    using ProfileLookup = std::function<std::optional<agentrun::model::Limits>(const std::string& name)>;
    void setProfileLookup(ProfileLookup lookup);
    /// The limit fields in which `run` differs from `profile` ("memory 256 MiB → 512 MiB"); empty: none.
    static QStringList editedFields(const agentrun::model::Limits& profile,
                                    const agentrun::model::Limits& run);

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
    /// What the tuning columns show of a row, worked out once per reload.
    struct Tuning
    {
        std::optional<agentrun::model::Limits> limits; ///< nullopt: the stored limits do not validate
        bool profileKnown = false;                     ///< the named profile was found
        QStringList edited;                            ///< fields that differ from the profile's
    };
    Tuning tuningOf(const agentrun::history::RunSummary& row) const;

    agentrun::history::HistoryStore* m_store;
    std::vector<agentrun::history::RunSummary> m_rows;
    std::vector<Tuning> m_tuning;
    ProfileLookup m_profiles;
    Filter m_filter = Filter::All;
    QString m_search;
    QString m_lastError;
};

} // namespace agentrun::ui
