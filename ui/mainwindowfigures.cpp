// MainWindow's figures (issue 17): each figure a run shows goes inline into the output console, where it
// came in the text, and into the Figures panel (zoom, Save as PNG…). Kept apart from mainwindow.cpp,
// which wires the other panels.
#include "mainwindow.h"

#include <QDockWidget>
#include <QMenu>

#include "consolepanel.h"
#include "figureimage.h"
#include "figurespanel.h"
#include "outputconsole.h"
#include "runcontroller.h"

namespace agentrun::ui {

void MainWindow::createFiguresDock(QDockWidget* beside)
{
    m_figuresPanel = new FiguresPanel(this);
    auto* dock = new QDockWidget(tr("Figures"), this);
    dock->setObjectName(QStringLiteral("figuresDock"));
    dock->setWidget(m_figuresPanel);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    tabifyDockWidget(beside, dock); // with Problems, History, Input and Variables
    beside->raise();
    m_viewMenu->addAction(dock->toggleViewAction());
    connect(m_controller, &RunController::figureArrived, this, &MainWindow::showFigure);
}

void MainWindow::showFigure(const agentrun::model::Figure& figure)
{
    OutputConsole* console = m_consolePanel->console();
    const DecodedFigure decoded = decodeFigure(
        QByteArray(figure.bytes.data(), qsizetype(figure.bytes.size())), QString::fromStdString(figure.mime));
    if (decoded.image.isNull()) {
        // Sandbox bytes: one line in the output says what was wrong, the run goes on.
        console->appendStage(tr("— a figure is not shown: %1").arg(decoded.problem));
        return;
    }
    console->appendFigure(decoded.image);
    m_figuresPanel->addFigure(decoded.image);
}

} // namespace agentrun::ui
