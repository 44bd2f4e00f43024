#include "findingsmodel.h"

#include <algorithm>

#include <QColor>
#include <QIcon>

#include "contrast.h"
#include "labels.h"

namespace agentrun::ui {

using agentrun::safety::Severity;

FindingsModel::FindingsModel(QObject* parent) : QAbstractTableModel(parent) {}

void FindingsModel::setFindings(std::vector<agentrun::safety::Finding> findings)
{
    std::stable_sort(findings.begin(), findings.end(), [](const auto& a, const auto& b) {
        return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    beginResetModel();
    m_findings = std::move(findings);
    endResetModel();
}

int FindingsModel::blockCount() const
{
    return int(std::count_if(m_findings.begin(), m_findings.end(),
                             [](const auto& f) { return f.severity == Severity::Block; }));
}

int FindingsModel::warnCount() const
{
    return int(std::count_if(m_findings.begin(), m_findings.end(),
                             [](const auto& f) { return f.severity == Severity::Warn; }));
}

int FindingsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_findings.size());
}

int FindingsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FindingsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& f = m_findings[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case SeverityColumn:
            return severityName(f.severity);
        case LocationColumn:
            return QStringLiteral("%1:%2").arg(f.line).arg(f.column);
        case RuleColumn:
            return QString::fromStdString(f.rule);
        case MessageColumn:
            return QString::fromStdString(f.message);
        }
        return {};
    case Qt::ToolTipRole:
        return f.hint.empty() ? QString::fromStdString(f.message)
                              : QString::fromStdString(f.message) + u'\n' + QString::fromStdString(f.hint);
    case Qt::ForegroundRole:
        if (index.column() == SeverityColumn)
            return textColor(f.severity == Severity::Block  ? TextTone::Error
                             : f.severity == Severity::Warn ? TextTone::Warning
                                                            : TextTone::Info);
        return {};
    case SeverityRole:
        return int(f.severity);
    case LineRole:
        return f.line;
    }
    return {};
}

QVariant FindingsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SeverityColumn:
        return tr("Severity");
    case LocationColumn:
        return tr("Line:Col");
    case RuleColumn:
        return tr("Rule");
    case MessageColumn:
        return tr("Message");
    }
    return {};
}

} // namespace agentrun::ui
