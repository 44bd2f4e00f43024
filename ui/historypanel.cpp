#include "historypanel.h"

#include <QHeaderView>
#include <QTreeView>
#include <QVBoxLayout>

#include "runhistorymodel.h"

namespace agentrun::ui {

HistoryPanel::HistoryPanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("historyPanel"));
    m_model = new RunHistoryModel(this);
    m_view = new QTreeView(this);
    m_view->setObjectName(QStringLiteral("historyView"));
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setModel(m_model);
    m_view->header()->setStretchLastSection(true);
    m_view->setToolTip(tr("Double-click a run to reopen its code"));
    connect(m_view, &QTreeView::activated, this, [this](const QModelIndex& index) {
        if (!index.isValid())
            return;
        const auto& entry = m_model->entry(index.row());
        Q_EMIT reopenRequested(entry.code, tr("Run %1").arg(entry.time.toString(QStringLiteral("HH:mm:ss"))));
    });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
}

} // namespace agentrun::ui
