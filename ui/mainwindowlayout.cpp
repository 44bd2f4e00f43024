// MainWindow's layout (issue 23): where the docks go in a new window and after View ▸ Reset Layout, and
// how the user's own arrangement is remembered. Kept apart from mainwindow.cpp, which creates the docks.
#include "mainwindow.h"

#include <algorithm>

#include <QAction>
#include <QDockWidget>
#include <QLayout>
#include <QMenu>
#include <QMenuBar>
#include <QScrollArea>
#include <QStatusBar>
#include <QStyle>
#include <QToolBar>
#include <QShowEvent>

#include "settings.h"

namespace agentrun::ui {

namespace {

/// saveState()'s version: a layout saved by an older window (Output a third of the bottom, the History
/// cut off) is not restored, the new default is used instead.
constexpr int LayoutVersion = 1;

/// The bottom area, full width under the editor: Output first and in front, the other panels that show a
/// run's results as tabs beside it (each gets the whole width when chosen: the History's Code column is
/// on screen). Docks of the list that a window does not have are skipped.
constexpr const char* BottomDocks[] = {"outputDock",    "findingsDock", "historyDock", "networkDock",
                                       "variablesDock", "figuresDock",  "stdinDock",   "inputFilesDock"};
/// The right area, beside the editor: what the next run uses.
constexpr const char* RightDocks[] = {"limitsDock", "resourcesDock", "policyDock", "dependenciesDock"};

} // namespace

void MainWindow::restoreLayout()
{
    m_viewMenu->addSeparator();
    QAction* reset = m_viewMenu->addAction(tr("&Reset Layout"), this, &MainWindow::resetLayout);
    reset->setObjectName(QStringLiteral("resetLayoutAction"));
    reset->setToolTip(tr("Put every panel back where a new window has it"));

    arrangeDocks();
    // The minimum size the layout gave the window while the docks were being added (all of them side by
    // side: over 1100 pixels tall) would keep it from being 800 tall: the arranged layout's instead.
    layout()->activate();
    resize(1280, 800);
    restoreGeometry(m_settings.value(Settings::Key::WindowGeometry).toByteArray());
    // The sizes of the default layout need the window's real size: set when it is first shown.
    m_defaultDockSizesPending =
        !restoreState(m_settings.value(Settings::Key::WindowState).toByteArray(), LayoutVersion);
}

void MainWindow::saveLayout()
{
    m_settings.setValue(Settings::Key::WindowGeometry, saveGeometry());
    m_settings.setValue(Settings::Key::WindowState, saveState(LayoutVersion));
}

void MainWindow::resetLayout()
{
    const QSize size = this->size();
    arrangeDocks();
    layout()->activate();
    resize(size); // moving the docks one by one may have grown the window (see restoreLayout())
    if (isVisible())
        applyDefaultDockSizes();
    else
        m_defaultDockSizesPending = true;
    saveLayout();
}

void MainWindow::arrangeDocks()
{
    // The bottom area takes the whole width; the right one sits beside the editor only, its panels in
    // scroll areas: the Limits panel needs about 500 pixels, more than is left beside the editor at 800.
    setCorner(Qt::BottomLeftCorner, Qt::BottomDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::BottomDockWidgetArea);
    for (const char* name : RightDocks)
        if (auto* dock = findChild<QDockWidget*>(QLatin1String(name), Qt::FindDirectChildrenOnly);
            dock && dock->widget() && !qobject_cast<QScrollArea*>(dock->widget())) {
            QWidget* panel = dock->widget();
            auto* scroll = new QScrollArea(dock);
            scroll->setObjectName(dock->objectName() + QStringLiteral("Scroll"));
            scroll->setFrameShape(QFrame::NoFrame);
            scroll->setWidgetResizable(true);
            // Scrolled up and down only: the panel's width is kept.
            scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
            scroll->setMinimumWidth(panel->minimumSizeHint().width() +
                                    scroll->style()->pixelMetric(QStyle::PM_ScrollBarExtent));
            scroll->setWidget(panel);
            dock->setWidget(scroll);
        }
    const auto place = [this](const auto& names, Qt::DockWidgetArea area) {
        QDockWidget* first = nullptr;
        for (const char* name : names) {
            auto* dock = findChild<QDockWidget*>(QLatin1String(name), Qt::FindDirectChildrenOnly);
            if (!dock)
                continue;
            dock->setFloating(false);
            addDockWidget(area, dock);
            if (first)
                tabifyDockWidget(first, dock);
            else
                first = dock;
            dock->show();
        }
        if (first)
            first->raise();
    };
    place(BottomDocks, Qt::BottomDockWidgetArea);
    place(RightDocks, Qt::RightDockWidgetArea);
}

void MainWindow::applyDefaultDockSizes()
{
    m_defaultDockSizesPending = false;
    auto* output = findChild<QDockWidget*>(QStringLiteral("outputDock"), Qt::FindDirectChildrenOnly);
    auto* limits = findChild<QDockWidget*>(QStringLiteral("limitsDock"), Qt::FindDirectChildrenOnly);
    // Output: half the window's height (some 20 lines at 1280×800, the editor keeps 18), or less when the
    // rest then shows the whole Limits panel and Output keeps 3/8 (1920×1080); the right panels: a quarter
    // of the width, at least what the Limits panel needs and at most 460 pixels.
    if (output) {
        int bottom = height() / 2;
        if (limits) {
            const auto* scroll = qobject_cast<QScrollArea*>(limits->widget());
            const QWidget* panel = scroll ? scroll->widget() : limits->widget();
            const int chrome = menuBar()->sizeHint().height() + m_toolBar->sizeHint().height() +
                               statusBar()->sizeHint().height();
            // The panel, the dock's title and the tabs of the docks beside it.
            const int right = panel->minimumSizeHint().height() + 2 * limits->fontMetrics().height() + 24;
            if (const int rest = height() - chrome - right; rest >= height() * 3 / 8)
                bottom = std::min(bottom, rest);
        }
        resizeDocks({output}, {bottom}, Qt::Vertical);
    }
    if (limits)
        resizeDocks({limits}, {std::max(limits->minimumSizeHint().width(), std::min(width() / 4, 460))},
                    Qt::Horizontal);
}

void MainWindow::showEvent(QShowEvent* event)
{
    QMainWindow::showEvent(event);
    if (m_defaultDockSizesPending && !event->spontaneous())
        applyDefaultDockSizes();
}

} // namespace agentrun::ui
