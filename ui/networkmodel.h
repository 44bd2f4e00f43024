#pragma once

#include "agentrun/model/network.h"

#include <vector>

#include <QAbstractTableModel>

namespace agentrun::ui {

/// The connections of one run as the egress proxy recorded them, a row each: host, port, method
/// (CONNECT shown as "HTTPS (tunnel)"), allowed or denied (denied in the error tone), the proxy's HTTP
/// status, bytes each way and the time it took.
class NetworkModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Host,
        Port,
        Method,
        Verdict,
        HttpStatus,
        Sent,
        Received,
        Time,
        ColumnCount
    };

    explicit NetworkModel(QObject* parent = nullptr);

    void setConnections(std::vector<agentrun::model::Connection> connections);
    const std::vector<agentrun::model::Connection>& connections() const { return m_connections; }
    int deniedCount() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// "HTTPS (tunnel)" for CONNECT, the method otherwise.
    static QString methodLabel(const std::string& method);

private:
    std::vector<agentrun::model::Connection> m_connections;
};

} // namespace agentrun::ui
