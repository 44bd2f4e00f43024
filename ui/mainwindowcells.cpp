// MainWindow's cells and sessions: Run Cell (Ctrl+Return), Run Cell and Advance (Shift+Return), Run
// Selection (F9), the per-tab session mode, and the Variables panel. Kept apart from mainwindow.cpp,
// which wires the other panels.
#include "mainwindow.h"

#include <QAction>
#include <QDockWidget>
#include <QMenu>
#include <QStatusBar>

#include "codeeditor.h"
#include "consolepanel.h"
#include "editortabs.h"
#include "outputconsole.h"
#include "runcontroller.h"
#include "sessiontabs.h"
#include "variablespanel.h"

namespace agentrun::ui {

void MainWindow::createCellActions(QMenu* run)
{
    // Shortcuts as in VS Code and Spyder. None is bound by QScintilla once CodeEditor releases
    // Shift+Return (its second key for "new line"); gui.sessions presses each one in the editor.
    QAction* cell = run->addAction(tr("Run &Cell"), this, [this] { runCell(false); });
    cell->setObjectName(QStringLiteral("runCellAction"));
    cell->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
    cell->setToolTip(tr("Run the # %% cell at the caret, or the whole snippet without cells (Ctrl+Return)"));
    QAction* advance = run->addAction(tr("Run Cell and &Advance"), this, [this] { runCell(true); });
    advance->setObjectName(QStringLiteral("runCellAdvanceAction"));
    advance->setShortcuts(
        {QKeySequence(Qt::SHIFT | Qt::Key_Return), QKeySequence(Qt::SHIFT | Qt::Key_Enter)});
    QAction* selection = run->addAction(tr("Run S&election"), this, [this] { runSelection(); });
    selection->setObjectName(QStringLiteral("runSelectionAction"));
    selection->setShortcut(QKeySequence(Qt::Key_F9));
    m_cellActions = {cell, advance, selection};
    run->addSeparator();
    run->addAction(m_sessions->sessionAction());
    run->addAction(m_sessions->restartAction());
    connect(m_sessions, &SessionTabs::note, this, [this](const QString& text) {
        m_consolePanel->console()->appendStage(text);
        statusBar()->showMessage(text.mid(2), 10000);
    });
}

void MainWindow::createVariablesDock(QDockWidget* beside)
{
    m_variablesPanel = new VariablesPanel(this);
    auto* dock = new QDockWidget(tr("Variables"), this);
    dock->setObjectName(QStringLiteral("variablesDock"));
    dock->setWidget(m_variablesPanel);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    tabifyDockWidget(beside, dock); // beside the output, with Problems, History and Input
    beside->raise();
    m_viewMenu->addAction(dock->toggleViewAction());
    connect(m_sessions->sessionAction(), &QAction::triggered, dock, [dock](bool on) {
        if (on) {
            dock->show();
            dock->raise();
        }
    });
    connect(m_sessions, &SessionTabs::variablesChanged, m_variablesPanel, &VariablesPanel::setVariables);
    const auto state = m_sessions->state(m_tabs->currentEditor());
    m_variablesPanel->setVariables(state.variables, {});
}

bool MainWindow::runCell(bool advance)
{
    CodeEditor* editor = m_tabs->currentEditor();
    if (!editor || m_controller->isRunning())
        return false;
    int line = 0, index = 0;
    editor->getCursorPosition(&line, &index);
    const auto piece = cellAt(editor->text(), line);
    if (!piece) {
        statusBar()->showMessage(tr("The cell at the caret has no code."), 5000);
        return false;
    }
    if (!startRun(false, {}, *piece))
        return false;
    if (advance) {
        // To the next cell's first line; after the last cell, to the end (where the next one will go).
        const int target = piece->nextLine > 0 ? piece->nextLine - 1 : editor->lines() - 1;
        editor->setCursorPosition(target, 0);
        editor->ensureLineVisible(target);
    }
    return true;
}

bool MainWindow::runSelection()
{
    CodeEditor* editor = m_tabs->currentEditor();
    if (!editor || m_controller->isRunning())
        return false;
    if (!editor->hasSelectedText()) {
        statusBar()->showMessage(tr("Select the code to run first (F9 runs the selection)."), 5000);
        return false;
    }
    int lineFrom = 0, indexFrom = 0, lineTo = 0, indexTo = 0;
    editor->getSelection(&lineFrom, &indexFrom, &lineTo, &indexTo);
    return startRun(false, {}, selectionPiece(editor->selectedText(), lineFrom + 1));
}

void MainWindow::showMappedFrames(const std::vector<MappedFrame>& frames)
{
    // A traceback names the cell's own lines (<cell 3>, line 2) or the run's piece: say where that is
    // in the editor, innermost frame last as in the traceback.
    for (const MappedFrame& frame : frames)
        m_consolePanel->console()->appendStage(
            tr("— %1 is line %2 in the editor").arg(frame.location).arg(frame.editorLine));
}

} // namespace agentrun::ui
