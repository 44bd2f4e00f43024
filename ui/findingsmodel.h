#pragma once

#include "agentrun/safety/finding.h"

#include <vector>

#include <QAbstractTableModel>

namespace agentrun::ui {

/// The findings of the last check (live or run), one row each.
class FindingsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        SeverityColumn,
        LocationColumn,
        RuleColumn,
        MessageColumn,
        ColumnCount
    };
    enum Role
    {
        SeverityRole = Qt::UserRole + 1,
        LineRole
    };

    explicit FindingsModel(QObject* parent = nullptr);

    void setFindings(std::vector<agentrun::safety::Finding> findings);
    const std::vector<agentrun::safety::Finding>& findings() const { return m_findings; }
    const agentrun::safety::Finding& finding(int row) const { return m_findings.at(size_t(row)); }
    int blockCount() const;
    int warnCount() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<agentrun::safety::Finding> m_findings;
};

} // namespace agentrun::ui
