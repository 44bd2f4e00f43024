#pragma once

#include "agentrun/run/executor.h"
#include "agentrun/run/runresult.h"

#include <QMainWindow>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QToolBar;

namespace agentrun::ui {

class CodeEditor;
class ConsolePanel;
class EditorTabs;
class FindingsPanel;
class HistoryPanel;
class ResourcePanel;
class LimitsPanel;
class LiveChecker;
class RunController;
class Settings;

/// The workbench window: editor tabs in the middle, panels in docks, actions in a toolbar. Thin: it
/// wires panels to the RunController and the Settings; the work happens in those classes.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    /// `executor` and `settings` are services owned by main; both must outlive the window.
    MainWindow(agentrun::run::Executor& executor, Settings& settings, QWidget* parent = nullptr);
    ~MainWindow() override;

    EditorTabs* editorTabs() const { return m_tabs; }
    RunController* runController() const { return m_controller; }
    ConsolePanel* consolePanel() const { return m_consolePanel; }
    FindingsPanel* findingsPanel() const { return m_findingsPanel; }
    LiveChecker* liveChecker() const { return m_checker; }
    LimitsPanel* limitsPanel() const { return m_limitsPanel; }
    ResourcePanel* resourcePanel() const { return m_resourcePanel; }
    HistoryPanel* historyPanel() const { return m_historyPanel; }

    /// Runs the current editor's code; false when a run is already going.
    bool runCurrent();
    void stopRun();
    void openPath(const QString& path);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createActions();
    void createDocks();
    void createStatusBar();
    QDockWidget* addPanel(QWidget* panel, const QString& name, const QString& title, Qt::DockWidgetArea area);
    void onFinished(const agentrun::run::RunResult& result);
    void showFindings(const std::vector<agentrun::safety::Finding>& findings, const QString& source);
    void checkCurrent();
    void setPolicy(const QString& name);
    void findInEditor(const QString& text, bool next);
    void onRunningChanged(bool running);
    void openFile();
    void saveFile(bool askForName);
    void rebuildRecentMenu();
    void loadExamples(QMenu* menu);
    void restoreLayout();

    Settings& m_settings;
    RunController* m_controller = nullptr;
    EditorTabs* m_tabs = nullptr;
    ConsolePanel* m_consolePanel = nullptr;
    FindingsPanel* m_findingsPanel = nullptr;
    QDockWidget* m_findingsDock = nullptr;
    LimitsPanel* m_limitsPanel = nullptr;
    QDockWidget* m_limitsDock = nullptr;
    ResourcePanel* m_resourcePanel = nullptr;
    HistoryPanel* m_historyPanel = nullptr;
    QString m_runCode; ///< the code of the run in flight, for the history
    LiveChecker* m_checker = nullptr;
    QAction* m_runAction = nullptr;
    QAction* m_stopAction = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QMenu* m_examplesMenu = nullptr;
    QToolBar* m_toolBar = nullptr;
    QLabel* m_engineLabel = nullptr;
    QLabel* m_runStatusLabel = nullptr;
};

} // namespace agentrun::ui
