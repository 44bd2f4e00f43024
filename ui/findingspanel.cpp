#include "findingspanel.h"

#include <QHeaderView>
#include <QLabel>
#include <QTreeView>
#include <QVBoxLayout>

#include "findingsmodel.h"

namespace agentrun::ui {

FindingsPanel::FindingsPanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("findingsPanel"));
    m_model = new FindingsModel(this);
    m_view = new QTreeView(this);
    m_view->setObjectName(QStringLiteral("findingsView"));
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setModel(m_model);
    m_view->header()->setStretchLastSection(true);
    m_view->header()->setSectionResizeMode(FindingsModel::SeverityColumn, QHeaderView::ResizeToContents);
    m_view->header()->setSectionResizeMode(FindingsModel::LocationColumn, QHeaderView::ResizeToContents);
    m_view->header()->setSectionResizeMode(FindingsModel::RuleColumn, QHeaderView::ResizeToContents);
    connect(m_view, &QTreeView::activated, this, [this](const QModelIndex& index) {
        if (index.isValid())
            Q_EMIT findingActivated(m_model->finding(index.row()));
    });
    connect(m_view, &QTreeView::clicked, this, [this](const QModelIndex& index) {
        if (index.isValid())
            Q_EMIT findingActivated(m_model->finding(index.row()));
    });

    m_summary = new QLabel(tr("No check yet"), this);
    m_summary->setObjectName(QStringLiteral("findingsSummaryLabel"));
    m_summary->setContentsMargins(6, 3, 6, 3);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_summary);
    layout->addWidget(m_view);
}

void FindingsPanel::setFindings(const std::vector<agentrun::safety::Finding>& findings, const QString& source)
{
    m_model->setFindings(findings);
    const int blocked = m_model->blockCount();
    const int warned = m_model->warnCount();
    if (findings.empty())
        m_summary->setText(tr("%1: no findings").arg(source));
    else if (blocked > 0)
        m_summary->setText(tr("%1: blocked — %n blocking finding(s)", nullptr, blocked).arg(source) +
                           (warned ? tr(", %n warning(s)", nullptr, warned) : QString()));
    else
        m_summary->setText(tr("%1: allowed — %n warning(s)", nullptr, warned).arg(source));
}

} // namespace agentrun::ui
