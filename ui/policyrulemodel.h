#pragma once

#include "agentrun/safety/policy.h"

#include <vector>

#include <QAbstractTableModel>
#include <QStringList>

namespace agentrun::ui {

/// The rules of the static check (the core's catalogue) at the levels a policy gives them. The severity
/// column is editable ("block", "warn", "info", "off"); an edit changes the model's copy of the policy.
class PolicyRuleModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        IdColumn,
        TitleColumn,
        SeverityColumn,
        ColumnCount
    };
    enum Role
    {
        ExplanationRole = Qt::UserRole + 1,
        DefaultSeverityRole
    };

    explicit PolicyRuleModel(QObject* parent = nullptr);

    /// The words the severity column takes, in menu order.
    static QStringList levelNames();
    static QString levelName(agentrun::safety::Policy::RuleLevel level);

    void setPolicy(agentrun::safety::Policy policy);
    const agentrun::safety::Policy& policy() const { return m_policy; }
    int rowOf(const QString& ruleId) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    /// A severity was changed in the table.
    void policyEdited();

private:
    std::vector<agentrun::safety::RuleInfo> m_rules;
    agentrun::safety::Policy m_policy;
};

} // namespace agentrun::ui
