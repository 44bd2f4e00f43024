#include "networkmodel.h"

#include <algorithm>

#include "labels.h"
#include "outcome.h"

namespace agentrun::ui {

NetworkModel::NetworkModel(QObject* parent) : QAbstractTableModel(parent) {}

void NetworkModel::setConnections(std::vector<agentrun::model::Connection> connections)
{
    beginResetModel();
    m_connections = std::move(connections);
    endResetModel();
}

int NetworkModel::deniedCount() const
{
    return int(std::ranges::count_if(m_connections, [](const auto& c) { return !c.allowed; }));
}

int NetworkModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_connections.size());
}

int NetworkModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString NetworkModel::methodLabel(const std::string& method)
{
    if (method == "CONNECT")
        return tr("HTTPS (tunnel)");
    return QString::fromStdString(method);
}

QVariant NetworkModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const auto& c = m_connections[size_t(index.row())];
    if (role == Qt::ForegroundRole && index.column() == Verdict)
        return toneColor(c.allowed ? Outcome::Tone::Good : Outcome::Tone::Bad);
    if (role == Qt::TextAlignmentRole) {
        switch (index.column()) {
        case Port:
        case HttpStatus:
        case Sent:
        case Received:
        case Time:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole)
        return QString::fromStdString(agentrun::model::describe(c)).trimmed();
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Host:
        return QString::fromStdString(c.host);
    case Port:
        return c.port;
    case Method:
        return methodLabel(c.method);
    case Verdict:
        return c.allowed ? tr("Allowed") : tr("Denied");
    case HttpStatus:
        return c.status > 0 ? QVariant(c.status) : QVariant();
    case Sent:
        return sizeLabel(c.bytesSent);
    case Received:
        return sizeLabel(c.bytesReceived);
    case Time:
        return durationLabel(c.durationMs);
    default:
        return {};
    }
}

QVariant NetworkModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Host:
        return tr("Host");
    case Port:
        return tr("Port");
    case Method:
        return tr("Method");
    case Verdict:
        return tr("Proxy");
    case HttpStatus:
        return tr("HTTP status");
    case Sent:
        return tr("Sent");
    case Received:
        return tr("Received");
    case Time:
        return tr("Time");
    default:
        return {};
    }
}

} // namespace agentrun::ui
