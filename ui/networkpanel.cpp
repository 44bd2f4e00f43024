#include "networkpanel.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

#include "networkmodel.h"

namespace agentrun::ui {

namespace {

QString bytesText(std::int64_t bytes)
{
    return QString::fromStdString(agentrun::model::formatSize(bytes));
}

} // namespace

NetworkPanel::NetworkPanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("networkPanel"));
    m_model = new NetworkModel(this);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("networkSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_empty = new QLabel(this);
    m_empty->setObjectName(QStringLiteral("networkEmptyHint"));
    m_empty->setWordWrap(true);
    m_empty->setAlignment(Qt::AlignCenter);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("networkTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(NetworkModel::Host, QHeaderView::Stretch);
    m_table->setWordWrap(false);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_summary);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_empty, 1);
    clear();
}

void NetworkPanel::clear()
{
    m_networked = false;
    m_model->setConnections({});
    m_summary->clear();
    m_summary->hide();
    m_table->hide();
    m_empty->setText(tr("No run yet. An allowlisted run's requests are listed here."));
    m_empty->show();
    Q_EMIT titleChanged();
}

void NetworkPanel::showRun(const agentrun::model::RunResult& result, const agentrun::model::Limits& limits)
{
    // A result with connections had a network, whatever the limits say (a result shown without its run).
    m_networked = limits.network != "none" || !result.connections.empty();
    m_model->setConnections(result.connections);
    if (!m_networked) {
        m_summary->clear();
        m_summary->hide();
        m_table->hide();
        m_empty->setText(tr("This run had no network. Give it hosts in Limits → Network to let it reach an "
                            "API."));
        m_empty->show();
        Q_EMIT titleChanged();
        return;
    }
    const int requests = int(result.connections.size());
    const int denied = m_model->deniedCount();
    QString text;
    if (limits.network == "bridge" && requests == 0)
        text = tr("Open network: requests go out directly and are not listed");
    else
        text = (requests == 1 ? tr("1 request") : tr("%1 requests").arg(requests)) +
               tr(": %1 allowed, %2 denied").arg(requests - denied).arg(denied);
    text +=
        tr(" · %1 moved of the %2 cap").arg(bytesText(result.networkBytes), bytesText(limits.networkBytes));
    m_summary->setText(text);
    m_summary->show();
    m_table->show();
    m_empty->hide();
    m_table->resizeColumnsToContents();
    m_table->horizontalHeader()->setSectionResizeMode(NetworkModel::Host, QHeaderView::Stretch);
    Q_EMIT titleChanged();
}

QString NetworkPanel::summary() const
{
    return m_summary->isHidden() ? m_empty->text() : m_summary->text();
}

QString NetworkPanel::title() const
{
    if (!m_networked)
        return tr("Network");
    return tr("Network (%1)").arg(m_model->rowCount());
}

bool NetworkPanel::hasDenied() const
{
    return m_model->deniedCount() > 0;
}

} // namespace agentrun::ui
