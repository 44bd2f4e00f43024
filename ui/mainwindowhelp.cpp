// MainWindow's guidance: the banner above the editor while the engine does not answer, what the empty
// panels say on the first start, and the traceback lines that lead back into the editor. Kept apart from
// mainwindow.cpp, which wires the panels.
#include "mainwindow.h"

#include <QAbstractItemView>
#include <QVBoxLayout>

#include "codeeditor.h"
#include "consolepanel.h"
#include "editortabs.h"
#include "emptyhints.h"
#include "enginebanner.h"
#include "findingspanel.h"
#include "historypanel.h"
#include "outputconsole.h"
#include "runcontroller.h"
#include "tracebacklinks.h"

namespace agentrun::ui {

void MainWindow::createGuidance()
{
    // The banner goes above the editor tabs: they move into a column with it.
    auto* central = new QWidget(this);
    central->setObjectName(QStringLiteral("centralColumn"));
    auto* column = new QVBoxLayout(central);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(0);
    m_engineBanner = new EngineBanner(*m_engineMonitor, m_controller->engineDescription(), central);
    column->addWidget(m_engineBanner);
    takeCentralWidget(); // the tabs; setCentralWidget would delete them
    column->addWidget(m_tabs, 1);
    setCentralWidget(central);

    setEmptyHint(m_consolePanel->console(), emptyhint::output());
    if (auto* view = m_findingsPanel->findChild<QAbstractItemView*>(QStringLiteral("findingsView")))
        new EmptyViewHint(view, emptyhint::problems());
    if (auto* view = m_historyPanel->findChild<QAbstractItemView*>(QStringLiteral("historyView")))
        new EmptyViewHint(view, emptyhint::history());

    m_tracebackLinks = new TracebackLinks(*m_consolePanel->console(), *m_tabs, this);
    connect(m_controller, &RunController::runningChanged, m_tracebackLinks, [this](bool running) {
        if (running)
            m_tracebackLinks->clearMarker(); // the marker is about the last run
    });
}

void MainWindow::linkTraceback(const agentrun::model::RunResult& result,
                               const std::vector<MappedFrame>& frames)
{
    showMappedFrames(frames); // where a cell's or a selection's lines are in the editor, in words
    std::vector<MappedFrame> links = frames;
    // The whole snippet as /tmp/main.py needs no words (its lines are the editor's), but links all the same.
    if (links.empty() && !result.session && m_lastPiece.firstLine == 1)
        links = mapTraceback(QString::fromStdString(result.stderrData), {}, 1);
    m_tracebackLinks->showRun(m_runEditor, links);
}

} // namespace agentrun::ui
