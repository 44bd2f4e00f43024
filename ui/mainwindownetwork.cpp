// MainWindow's Network tab (issue 19): the last run's connections through the egress proxy, beside the
// Output. Its tab title carries the count and turns to the error tone when the proxy denied a request.
#include "mainwindow.h"

#include <QDockWidget>
#include <QMenu>
#include <QTabBar>

#include "networkpanel.h"
#include "outcome.h"

namespace agentrun::ui {

void MainWindow::createNetworkDock(QDockWidget* beside)
{
    m_networkPanel = new NetworkPanel(this);
    m_networkDock = new QDockWidget(m_networkPanel->title(), this);
    m_networkDock->setObjectName(QStringLiteral("networkDock"));
    m_networkDock->setWidget(m_networkPanel);
    addDockWidget(Qt::BottomDockWidgetArea, m_networkDock);
    tabifyDockWidget(beside, m_networkDock); // a tab beside the Output
    beside->raise();
    m_viewMenu->addAction(m_networkDock->toggleViewAction());
    connect(m_networkPanel, &NetworkPanel::titleChanged, this, &MainWindow::showNetworkTitle);
    connect(m_networkDock, &QDockWidget::dockLocationChanged, this, &MainWindow::showNetworkTitle);
    connect(m_networkDock, &QDockWidget::topLevelChanged, this, &MainWindow::showNetworkTitle);
}

void MainWindow::showNetworkTitle()
{
    const QString title = m_networkPanel->title();
    m_networkDock->setWindowTitle(title);
    const bool denied = m_networkPanel->hasDenied();
    m_networkDock->setProperty("denied", denied);
    // The dock's tab lives in a tab bar the main window makes for tabified docks: colour its text there.
    const QColor color = denied ? toneColor(Outcome::Tone::Bad) : QColor();
    for (QTabBar* bar : findChildren<QTabBar*>()) {
        if (bar->parentWidget() != this)
            continue;
        for (int i = 0; i < bar->count(); ++i) {
            if (bar->tabText(i) == title)
                bar->setTabTextColor(i, color);
        }
    }
}

} // namespace agentrun::ui
