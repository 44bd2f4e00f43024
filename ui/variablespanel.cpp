#include "variablespanel.h"

#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace agentrun::ui {

VariablesPanel::VariablesPanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("variablesPanel"));
    m_view = new QTreeWidget(this);
    m_view->setObjectName(QStringLiteral("variablesView"));
    m_view->setHeaderLabels({tr("Name"), tr("Type"), tr("Value"), tr("Size")});
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(0, Qt::AscendingOrder);
    m_view->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_view->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_view->header()->setSectionResizeMode(2, QHeaderView::Stretch);
    m_view->header()->setSectionResizeMode(3, QHeaderView::ResizeToContents);
    m_view->header()->setStretchLastSection(false);
    m_empty = new QLabel(this);
    m_empty->setObjectName(QStringLiteral("variablesEmptyLabel"));
    m_empty->setWordWrap(true);
    m_empty->setAlignment(Qt::AlignCenter);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    layout->addWidget(m_empty);
    setVariables({}, tr("Variables appear here after a run in a session (Run ▸ Run in Session)."));
}

void VariablesPanel::setVariables(const std::vector<agentrun::model::SessionVariable>& variables,
                                  const QString& why)
{
    m_view->setSortingEnabled(false);
    m_view->clear();
    for (const auto& v : variables) {
        auto* item = new QTreeWidgetItem(m_view);
        item->setText(0, QString::fromStdString(v.name));
        item->setText(1, QString::fromStdString(v.type));
        item->setText(2, QString::fromStdString(v.repr));
        item->setText(3, QString::fromStdString(v.size));
        item->setToolTip(2, QString::fromStdString(v.repr));
    }
    m_view->setSortingEnabled(true);
    const bool empty = variables.empty();
    m_view->setVisible(!empty);
    m_empty->setVisible(empty);
    m_empty->setText(why.isEmpty() ? tr("The session has no variables yet.") : why);
}

} // namespace agentrun::ui
