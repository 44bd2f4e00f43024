#pragma once

#include "dependencycachebackend.h"

#include <QFuture>
#include <QWidget>

#include <memory>

class QLabel;
class QPushButton;
class QTableView;

namespace agentrun::ui {

class DependencyCacheModel;

/// The dependency cache: volumes of installed sets and baked images with their sizes; Remove (the
/// selected row) and Prune (everything not in use), each after a confirmation. Every engine call runs
/// on a worker thread; the table refreshes when it is first shown and after every change.
class DependencyCacheView : public QWidget
{
    Q_OBJECT
public:
    explicit DependencyCacheView(DependencyCacheBackend backend, QWidget* parent = nullptr);
    /// Waits for a worker in flight.
    ~DependencyCacheView() override;

    DependencyCacheModel* model() const { return m_model; }
    bool isBusy() const { return m_busy; }
    QString statusText() const;

public Q_SLOTS:
    void refresh();
    /// Asks, then removes the selected volume or image.
    void removeSelected();
    /// Asks, then removes every volume and baked image no container uses.
    void prune();

Q_SIGNALS:
    /// After every listing (also a failed one: `error` then says why).
    void refreshed(const QString& error);

protected:
    void showEvent(QShowEvent* event) override;

private:
    bool confirm(const QString& title, const QString& text);
    /// Runs `work` on a worker thread, then refreshes; its error, if any, shows in the status line.
    void runThenRefresh(std::function<agentrun::Result<QString>()> work);
    void setBusy(bool busy);
    void updateButtons();

    DependencyCacheBackend m_backend;
    DependencyCacheModel* m_model = nullptr;
    QTableView* m_table = nullptr;
    QLabel* m_status = nullptr;
    QPushButton* m_refreshButton = nullptr;
    QPushButton* m_removeButton = nullptr;
    QPushButton* m_pruneButton = nullptr;
    QFuture<void> m_future;
    bool m_busy = false;
    bool m_shownOnce = false;
    QString m_lastAction;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace agentrun::ui
