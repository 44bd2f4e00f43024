#pragma once

#include "agentrun/profile/profile.h"
#include "agentrun/run/executor.h"
#include "agentrun/model/runresult.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include <QMainWindow>
#include <QPointer>

#include "cellcode.h"

class QAction;
class QComboBox;
class QDockWidget;
class QLabel;
class QMenu;
class QTemporaryDir;
class QToolBar;

namespace agentrun::history {
class HistoryStore;
}

namespace agentrun::ui {

class CodeEditor;
class ConsolePanel;
class DependenciesPanel;
class EngineBanner;
class EngineMonitor;
class SessionAutosave;
class TracebackLinks;
class ImageBuildDialog;
class ProfileBar;
class StdinPanel;
class InputFilesPanel;
class EditorTabs;
class FiguresPanel;
class NetworkPanel;
class FindingsPanel;
class HistoryPanel;
class ResourcePanel;
class LimitsPanel;
class PolicyPanel;
class LiveChecker;
class RunController;
class SessionTabs;
class Settings;
class VariablesPanel;
class SnippetFiles;

/// The workbench window: editor tabs in the middle, panels in docks, actions in a toolbar. Thin: it
/// wires panels to the RunController and the Settings; the work happens in those classes.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    /// `runner` (an Executor, or a Fleet of engines), `settings` and `history` are services owned by main;
    /// they must outlive the window. `history` may be null: runs are then not recorded and the History panel
    /// stays empty.
    MainWindow(agentrun::run::Runner& runner, Settings& settings,
               agentrun::history::HistoryStore* history = nullptr, QWidget* parent = nullptr);
    ~MainWindow() override;

    EditorTabs* editorTabs() const { return m_tabs; }
    RunController* runController() const { return m_controller; }
    ConsolePanel* consolePanel() const { return m_consolePanel; }
    FindingsPanel* findingsPanel() const { return m_findingsPanel; }
    LiveChecker* liveChecker() const { return m_checker; }
    LimitsPanel* limitsPanel() const { return m_limitsPanel; }
    ResourcePanel* resourcePanel() const { return m_resourcePanel; }
    HistoryPanel* historyPanel() const { return m_historyPanel; }
    PolicyPanel* policyPanel() const { return m_policyPanel; }
    ProfileBar* profileBar() const { return m_profileBar; }
    DependenciesPanel* dependenciesPanel() const { return m_depsPanel; }
    StdinPanel* stdinPanel() const { return m_stdinPanel; }
    InputFilesPanel* inputFilesPanel() const { return m_inputFilesPanel; }
    EngineMonitor* engineMonitor() const { return m_engineMonitor; }
    SessionTabs* sessionTabs() const { return m_sessions; }
    VariablesPanel* variablesPanel() const { return m_variablesPanel; }
    FiguresPanel* figuresPanel() const { return m_figuresPanel; }
    NetworkPanel* networkPanel() const { return m_networkPanel; }
    /// Replaces the image build behind the Build Sandbox Image dialog (tests use a fake one).
    void
    setImageBuilder(std::function<agentrun::Result<std::string>(const std::function<void(std::string_view)>&,
                                                                const std::atomic<bool>&)>
                        builder);
    /// Shows the dialog offering to build the sandbox image (non-modal); `reason` says why.
    ImageBuildDialog* showImageBuildDialog(const QString& reason);

    /// Sets the limits, the policy and the dependency settings from `profile`.
    void applyProfile(const agentrun::profile::Profile& profile);
    /// The current limits, policy and dependency settings as a profile named `name`; an edited policy is
    /// written next to the profiles so that the profile can name it.
    agentrun::Result<agentrun::profile::Profile> captureProfile(const QString& name);
    /// Lists the sandbox images (imagechoice.h) in the toolbar's image combo.
    void refreshImages();
    /// Runs and sessions opened from now on use `tag`, remembered in the settings; false, with the reason
    /// in the status bar, while a run is in flight or when the image is not built (with how to build it).
    bool chooseImage(const QString& tag);
    QComboBox* imageCombo() const { return m_imageCombo; }
    /// Input files are remembered per saved snippet: the list of `editor`'s file is stored in the settings
    /// (rememberInputFiles) and given back to a tab that opens that file (recallInputFiles).
    void rememberInputFiles(CodeEditor* editor);
    void recallInputFiles(CodeEditor* editor);
    /// Runs the current editor's code; false when a run is already going.
    bool runCurrent();
    /// Runs the `# %%` cell at the caret (the whole snippet when it has no such line); with `advance`, the
    /// caret then moves to the next cell. In a tab in session mode the cell runs in the tab's session.
    bool runCell(bool advance = false);
    /// Runs the selected code (its common indentation removed); false without a selection.
    bool runSelection();
    /// After a blocked run, when the policy permits it: asks for a reason and runs the current code
    /// without the check. False when not offered, refused or cancelled.
    bool runAnyway();
    void stopRun();
    void openPath(const QString& path);
    /// Reopens the editor tabs of the last session (scratch tabs' text, files with their unsaved changes)
    /// from `sessionFile` (default: SessionFile::defaultPath()), then saves them there a short time after
    /// each edit and on close. A file that cannot be used is reported in the status bar and moved aside,
    /// never overwritten unread. Once per window; main calls it (not for --screenshots).
    /// (mainwindowsession.cpp)
    bool restoreSession(const QString& sessionFile = {});
    SessionAutosave* sessionAutosave() const { return m_autosave; }
    EngineBanner* engineBanner() const { return m_engineBanner; }
    TracebackLinks* tracebackLinks() const { return m_tracebackLinks; }
    /// Sets the memory limit of the next runs (the Resources panel's Apply and Undo); swap follows it when
    /// it had no swap of its own, /tmp is kept within half of it.
    void setMemoryLimit(qint64 bytes);
    /// Sets the CPUs, timeout or process limit of the next runs (a suggestion's Apply and Undo, in
    /// mainwindowtuning.cpp); memory goes through setMemoryLimit.
    void setSuggestedLimit(const QString& field, double value);

    /// The run the panels describe, or why none can start (`inLimits`: a limit is out of range).
    struct SpecOrProblem
    {
        std::optional<agentrun::model::RunSpec> spec;
        QString problem;
        bool inLimits = false;
        bool inFiles = false; ///< an input file of the tab is missing, unreadable or over a cap
    };
    /// What Run would start now (the workbench's adapter to the one run description; tests compare it
    /// with the CLI's and the REST server's).
    /// `piece`: the part of the current editor to run (default: all of it).
    SpecOrProblem runSpec(bool skipCheck = false, const QString& reason = {},
                          const CodePiece* piece = nullptr);

    /// View ▸ Reset Layout: every dock back where a new window has it (mainwindowlayout.cpp).
    void resetLayout();

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void createActions();
    void createDocks();
    void createStatusBar();
    QDockWidget* addPanel(QWidget* panel, const QString& name, const QString& title, Qt::DockWidgetArea area);
    bool startRun(bool skipCheck, const QString& reason, std::optional<CodePiece> piece = std::nullopt);
    // Cells and sessions (mainwindowcells.cpp).
    void createCellActions(QMenu* run);
    void createVariablesDock(QDockWidget* beside);
    void showMappedFrames(const std::vector<MappedFrame>& frames);
    // The engine banner, empty-panel hints and traceback links (mainwindowhelp.cpp).
    void createGuidance();
    void linkTraceback(const agentrun::model::RunResult& result, const std::vector<MappedFrame>& frames);
    // Figures (mainwindowfigures.cpp).
    void createFiguresDock(QDockWidget* beside);
    void showFigure(const agentrun::model::Figure& figure);
    // The Network tab (mainwindownetwork.cpp).
    void createNetworkDock(QDockWidget* beside);
    void showNetworkTitle();

    void onFinished(const agentrun::model::RunResult& result);
    void showFindings(const std::vector<agentrun::safety::Finding>& findings, const QString& source);
    void checkCurrent();
    void setPolicy(const QString& name);
    void findInEditor(const QString& text, bool next);
    void onRunningChanged(bool running);
    // The layout (mainwindowlayout.cpp): the docks' default places and sizes, the saved state.
    void restoreLayout();
    void saveLayout();
    void arrangeDocks();
    void applyDefaultDockSizes();

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
    PolicyPanel* m_policyPanel = nullptr;
    QAction* m_runAnywayAction = nullptr;
    ProfileBar* m_profileBar = nullptr;
    DependenciesPanel* m_depsPanel = nullptr;
    StdinPanel* m_stdinPanel = nullptr;
    InputFilesPanel* m_inputFilesPanel = nullptr;
    QComboBox* m_imageCombo = nullptr;
    QDockWidget* m_inputFilesDock = nullptr;
    EngineMonitor* m_engineMonitor = nullptr;
    ImageBuildDialog* m_imageDialog = nullptr;
    std::function<agentrun::Result<std::string>(const std::function<void(std::string_view)>&,
                                                const std::atomic<bool>&)>
        m_imageBuilder;
    std::unique_ptr<QTemporaryDir> m_scratch; ///< where an edited policy is written for the executor
    agentrun::history::HistoryStore* m_history = nullptr;
    LiveChecker* m_checker = nullptr;
    QAction* m_runAction = nullptr;
    QAction* m_stopAction = nullptr;
    SnippetFiles* m_files = nullptr;
    QMenu* m_viewMenu = nullptr;
    QToolBar* m_toolBar = nullptr;
    QLabel* m_engineLabel = nullptr;
    QLabel* m_runStatusLabel = nullptr;
    SessionTabs* m_sessions = nullptr;
    VariablesPanel* m_variablesPanel = nullptr;
    FiguresPanel* m_figuresPanel = nullptr;
    NetworkPanel* m_networkPanel = nullptr;
    QDockWidget* m_networkDock = nullptr;
    QList<QAction*> m_cellActions; ///< run cell, cell and advance, selection: off while a run goes
    CodePiece m_lastPiece;         ///< what the last run ran (Run Anyway runs it again)
    agentrun::model::Limits
        m_runLimits;                  ///< the limits of the run in flight (the outcome names the one reached)
    QPointer<CodeEditor> m_runEditor; ///< the tab the run in flight came from (its outcome marks the tab)
    bool m_defaultDockSizesPending = false; ///< the default layout's sizes wait for the window's first show
    SessionAutosave* m_autosave = nullptr;
    EngineBanner* m_engineBanner = nullptr;
    TracebackLinks* m_tracebackLinks = nullptr;
    QString m_engineMessage; ///< what the engine monitor last put in the status bar
};

} // namespace agentrun::ui
