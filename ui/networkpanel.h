#pragma once

#include "agentrun/model/limits.h"
#include "agentrun/model/runresult.h"

#include <QWidget>

class QLabel;
class QTableView;

namespace agentrun::ui {

class NetworkModel;

/// The last run's network: a one-line summary (requests, allowed and denied, bytes against the cap) over a
/// table of the connections the egress proxy saw; for a run without network, a hint saying how to give it
/// hosts. The window shows title() on the panel's tab (a count) and turns it to the error tone when
/// something was denied.
class NetworkPanel : public QWidget
{
    Q_OBJECT
public:
    explicit NetworkPanel(QWidget* parent = nullptr);

    /// Shows `result`'s connections and bytes; `limits` are the ones the run had (its network, its cap).
    void showRun(const agentrun::model::RunResult& result, const agentrun::model::Limits& limits);
    void clear();

    NetworkModel* model() const { return m_model; }
    QString summary() const;
    /// "Network" without a network, "Network (3)" with three requests.
    QString title() const;
    /// A request of the last run was denied by the proxy.
    bool hasDenied() const;

Q_SIGNALS:
    /// title() or hasDenied() may have changed.
    void titleChanged();

private:
    NetworkModel* m_model = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_empty = nullptr;
    QTableView* m_table = nullptr;
    bool m_networked = false;
};

} // namespace agentrun::ui
