#include "policyrulemodel.h"

#include <QColor>

#include "contrast.h"

namespace agentrun::ui {

using agentrun::safety::Policy;
using agentrun::safety::Severity;

PolicyRuleModel::PolicyRuleModel(QObject* parent)
    : QAbstractTableModel(parent), m_rules(agentrun::safety::ruleCatalogue())
{}

QStringList PolicyRuleModel::levelNames()
{
    return {QStringLiteral("block"), QStringLiteral("warn"), QStringLiteral("info"), QStringLiteral("off")};
}

QString PolicyRuleModel::levelName(Policy::RuleLevel level)
{
    return level ? QString::fromLatin1(agentrun::safety::toString(*level)) : QStringLiteral("off");
}

void PolicyRuleModel::setPolicy(Policy policy)
{
    beginResetModel();
    m_policy = std::move(policy);
    endResetModel();
}

int PolicyRuleModel::rowOf(const QString& ruleId) const
{
    for (size_t i = 0; i < m_rules.size(); ++i)
        if (QString::fromStdString(m_rules[i].id) == ruleId)
            return int(i);
    return -1;
}

int PolicyRuleModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rules.size());
}

int PolicyRuleModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PolicyRuleModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& rule = m_rules[size_t(index.row())];
    const auto level = m_policy.ruleLevel(rule.id);
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
        switch (index.column()) {
        case IdColumn:
            return QString::fromStdString(rule.id);
        case TitleColumn:
            return QString::fromStdString(rule.title);
        case SeverityColumn:
            return levelName(level);
        }
        return {};
    case Qt::ToolTipRole:
        return QString::fromStdString(rule.explanation);
    case Qt::ForegroundRole:
        if (index.column() != SeverityColumn)
            return {};
        if (!level)
            return textColor(TextTone::Muted);
        if (*level == Severity::Block)
            return textColor(TextTone::Error);
        if (*level == Severity::Warn)
            return textColor(TextTone::Warning);
        return {};
    case ExplanationRole:
        return QString::fromStdString(rule.explanation);
    case DefaultSeverityRole:
        return levelName(rule.defaultSeverity);
    }
    return {};
}

bool PolicyRuleModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::EditRole || index.column() != SeverityColumn ||
        !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return false;
    const QString text = value.toString();
    Policy::RuleLevel level;
    if (text != u"off") {
        level = agentrun::safety::severityFromString(text.toStdString());
        if (!level)
            return false;
    }
    const auto& rule = m_rules[size_t(index.row())];
    if (m_policy.ruleLevel(rule.id) == level)
        return true;
    m_policy.setRuleLevel(rule.id, level);
    Q_EMIT dataChanged(index, index, {Qt::DisplayRole, Qt::EditRole, Qt::ForegroundRole});
    Q_EMIT policyEdited();
    return true;
}

Qt::ItemFlags PolicyRuleModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() == SeverityColumn)
        f |= Qt::ItemIsEditable;
    return f;
}

QVariant PolicyRuleModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case IdColumn:
        return tr("Rule");
    case TitleColumn:
        return tr("What it catches");
    case SeverityColumn:
        return tr("Severity");
    }
    return {};
}

} // namespace agentrun::ui
