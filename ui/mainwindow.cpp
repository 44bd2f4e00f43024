#include "mainwindow.h"
#include "outcome.h"

#include "agentrun/errorcodes.h"

#include <QAction>
#include <QCloseEvent>
#include <QDir>
#include <QComboBox>
#include <QDockWidget>
#include <QSaveFile>
#include <QTemporaryDir>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QStatusBar>
#include <QToolBar>

#include "codeeditor.h"
#include "consolepanel.h"
#include "contrast.h"
#include "editortabs.h"
#include "figurespanel.h"
#include "findingspanel.h"
#include "historymenu.h"
#include "historypanel.h"
#include "resourcepanel.h"
#include "runhistorymodel.h"
#include "dependenciespanel.h"
#include "enginemonitor.h"
#include "imagebuilddialog.h"
#include "limitspanel.h"
#include "networkpanel.h"
#include "profilebar.h"
#include "stdinpanel.h"
#include "policypanel.h"
#include "labels.h"
#include "livechecker.h"
#include "safetycheck.h"
#include "outputconsole.h"
#include "overridereason.h"
#include "runcontroller.h"
#include "sessionrestore.h"
#include "sessiontabs.h"
#include "inputfilespanel.h"
#include "imagechoice.h"
#include "settings.h"
#include "snippetfiles.h"

static void initWorkbenchResources()
{
    Q_INIT_RESOURCE(resources);
    Q_INIT_RESOURCE(agentrun_examples);
}

namespace agentrun::ui {

using agentrun::model::RunResult;
using agentrun::model::Status;

MainWindow::MainWindow(agentrun::run::Runner& runner, Settings& settings,
                       agentrun::history::HistoryStore* history, QWidget* parent)
    : QMainWindow(parent), m_settings(settings), m_history(history)
{
    initWorkbenchResources();
    useReadableTextPalette(); // placeholders and muted labels at 4.5:1 (contrast.h)
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("AgentRun Workbench"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/agentrun.svg")));
    setDockOptions(AnimatedDocks | AllowNestedDocks | AllowTabbedDocks);

    m_controller = new RunController(runner, this);
    m_controller->setHistoryStore(history);
    // The image picked last time, unless AGENTRUN_IMAGE names one for this start.
    if (const QString saved = m_settings.value(Settings::Key::SandboxImage).toString();
        !saved.isEmpty() && qEnvironmentVariableIsEmpty("AGENTRUN_IMAGE"))
        m_controller->setImage(saved.toStdString());
    m_checker = new LiveChecker(this);
    m_tabs = new EditorTabs(this);
    m_tabs->newTab();
    setCentralWidget(m_tabs);
    m_sessions = new SessionTabs(*m_tabs, *m_controller, this);

    createActions();
    createDocks();
    createStatusBar();
    auto* historyMenu = new HistoryMenu(*m_historyPanel, *m_limitsPanel, *m_stdinPanel, this);
    menuBar()->insertMenu(m_viewMenu->menuAction(), historyMenu);
    connect(historyMenu, &HistoryMenu::message, statusBar(), &QStatusBar::showMessage);

    connect(m_controller, &RunController::runningChanged, this, &MainWindow::onRunningChanged);
    connect(m_controller, &RunController::resourceSample, m_resourcePanel, &ResourcePanel::addSample);
    connect(m_resourcePanel, &ResourcePanel::memoryLimitChosen, this, &MainWindow::setMemoryLimit);
    connect(m_resourcePanel, &ResourcePanel::limitChosen, this, &MainWindow::setSuggestedLimit);
    m_resourcePanel->setHistory(m_history);
    connect(m_controller, &RunController::finished, this, &MainWindow::onFinished);
    connect(m_controller, &RunController::outputArrived, m_consolePanel->console(),
            &OutputConsole::appendOutput);
    connect(m_controller, &RunController::stageChanged, this, [this](agentrun::run::Stage stage) {
        if (stage != agentrun::run::Stage::Finished)
            m_consolePanel->console()->appendStage(u"— " + stageLabel(stage));
        m_runStatusLabel->setText(stageLabel(stage));
    });
    connect(m_controller, &RunController::installProgress, this,
            [this](const QString& line) { m_consolePanel->console()->appendStage(u"  " + line); });
    connect(m_controller, &RunController::recorded, this, [this](const QString&, const QString& error) {
        if (error.isEmpty())
            m_historyPanel->refresh();
        else
            m_consolePanel->console()->appendStage(tr("— not recorded in the history: %1").arg(error));
    });
    // The image and engine the runs use, which need not be the defaults (AGENTRUN_IMAGE, DOCKER_HOST).
    m_imageBuilder = ImageBuildDialog::sandboxImageBuilder(m_controller->runner().config());
    m_engineMonitor = new EngineMonitor(*m_controller, this);
    connect(m_engineMonitor, &EngineMonitor::stateChanged, this,
            [this](EngineMonitor::State state, const QString& text) {
                m_engineLabel->setText(text);
                m_engineLabel->setToolTip(m_engineMonitor->detail());
                m_engineLabel->setProperty("ok", state == EngineMonitor::State::Ready);
                if (state == EngineMonitor::State::Unreachable ||
                    state == EngineMonitor::State::ImageMissing) {
                    statusBar()->showMessage(text);
                    m_engineMessage = text;
                } else if (statusBar()->currentMessage() == m_engineMessage) {
                    statusBar()->clearMessage(); // its own message only (not the session's, say)
                }
            });
    connect(m_engineMonitor, &EngineMonitor::imageMissing, this,
            [this](const QString& message) { showImageBuildDialog(message); });
    createGuidance();

    connect(m_checker, &LiveChecker::policyError, this,
            [this](const QString& message) { statusBar()->showMessage(message, 10000); });
    connect(m_checker, &LiveChecker::reportReady, this, [this](const agentrun::safety::Report& report) {
        showFindings(report.findings, tr("Live check"));
    });
    connect(m_controller, &RunController::findingsReady, this,
            [this](const agentrun::safety::Report& report) { showFindings(report.findings, tr("Run")); });
    connect(m_tabs, &EditorTabs::currentTextChanged, this, [this] {
        if (CodeEditor* editor = m_tabs->currentEditor())
            m_checker->schedule(editor->text());
    });
    connect(m_tabs, &EditorTabs::currentEditorChanged, this, [this](CodeEditor* editor) {
        if (editor)
            m_checker->schedule(editor->text());
    });
    connect(m_findingsPanel, &FindingsPanel::findingActivated, this,
            [this](const agentrun::safety::Finding& f) {
                if (CodeEditor* editor = m_tabs->currentEditor())
                    editor->jumpTo(f);
            });
    m_checker->setEnabled(m_settings.value(Settings::Key::LiveCheck).toBool());
    setPolicy(m_settings.value(Settings::Key::Policy).toString());

    restoreLayout();
    m_engineMonitor->start();
}

MainWindow::~MainWindow()
{
    // Before the controller and the editors go: closing an editor closes its session through the
    // controller. The controller closes the sessions still open (and waits) when it is destroyed.
    delete m_sessions;
    m_sessions = nullptr;
}

void MainWindow::createActions()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* newTab = file->addAction(tr("&New Snippet"), this, [this] { m_tabs->newTab(); });
    newTab->setShortcut(QKeySequence::AddTab);
    m_files = new SnippetFiles(*m_tabs, m_settings, this);
    m_tabs->saveTab = [this](int) { m_files->saveFile(false); }; // the current tab, made so by EditorTabs
    connect(m_tabs, &EditorTabs::pasteFiltered, this,
            [this](const QString& summary) { statusBar()->showMessage(summary, 10000); });
    QAction* open = file->addAction(tr("&Open…"), m_files, &SnippetFiles::openFile);
    open->setShortcut(QKeySequence::Open);
    QMenu* recent = file->addMenu(tr("Open &Recent"));
    recent->setObjectName(QStringLiteral("recentMenu"));
    m_files->setRecentMenu(recent);
    QAction* save = file->addAction(tr("&Save"), m_files, [this] { m_files->saveFile(false); });
    save->setShortcut(QKeySequence::Save);
    QAction* saveAs = file->addAction(tr("Save &As…"), m_files, [this] { m_files->saveFile(true); });
    saveAs->setShortcut(QKeySequence::SaveAs);
    QAction* closeTab =
        file->addAction(tr("&Close Snippet"), this, [this] { m_tabs->requestClose(m_tabs->currentIndex()); });
    // Ctrl+W everywhere (the platform's Close is Ctrl+F4 on some), and Ctrl+F4 too.
    closeTab->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_W), QKeySequence(Qt::CTRL | Qt::Key_F4)});
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    m_runAction =
        run->addAction(QIcon(QStringLiteral(":/icons/run.svg")), tr("&Run"), this, [this] { runCurrent(); });
    m_runAction->setObjectName(QStringLiteral("runAction"));
    // Ctrl+Return runs the cell at the caret, which is the whole snippet when it has no `# %%` line.
    m_runAction->setShortcut(QKeySequence(Qt::Key_F5));
    m_runAction->setToolTip(tr("Run the whole snippet (F5); Ctrl+Return runs the cell at the caret"));
    m_stopAction =
        run->addAction(QIcon(QStringLiteral(":/icons/stop.svg")), tr("&Stop"), this, &MainWindow::stopRun);
    m_stopAction->setObjectName(QStringLiteral("stopAction"));
    m_stopAction->setShortcut(QKeySequence(Qt::Key_Escape));
    m_stopAction->setToolTip(tr("Stop the run: the sandbox is killed (Esc)"));
    m_stopAction->setEnabled(false);
    QAction* check = run->addAction(QIcon(QStringLiteral(":/icons/check.svg")), tr("&Check"), this,
                                    &MainWindow::checkCurrent);
    check->setObjectName(QStringLiteral("checkAction"));
    check->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    check->setToolTip(tr("Run the static safety check now (Ctrl+Shift+C)"));
    m_runAnywayAction = run->addAction(tr("Run &Anyway…"), this, [this] { runAnyway(); });
    m_runAnywayAction->setObjectName(QStringLiteral("runAnywayAction"));
    m_runAnywayAction->setToolTip(tr("Run the blocked snippet without the check; asks for a reason"));
    m_runAnywayAction->setEnabled(false);
    QAction* addFiles = run->addAction(tr("Add &Input Files…"), this, [this] {
        m_inputFilesDock->show();
        m_inputFilesDock->raise();
        m_inputFilesPanel->addWithDialog();
    });
    addFiles->setObjectName(QStringLiteral("addInputFilesAction"));
    addFiles->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_I));
    addFiles->setToolTip(tr("Give host files to this tab's runs, placed in the sandbox's /tmp (Ctrl+Alt+I)"));
    run->addSeparator();
    createCellActions(run);
    run->addSeparator();
    QAction* buildImage = run->addAction(tr("&Build Sandbox Image…"), this, [this] {
        showImageBuildDialog(tr("The sandbox image is built from the project's packaging/sandbox sources."));
    });
    buildImage->setObjectName(QStringLiteral("buildImageAction"));
    QAction* live = run->addAction(tr("&Live Check"));
    live->setObjectName(QStringLiteral("liveCheckAction"));
    live->setCheckable(true);
    live->setChecked(m_settings.value(Settings::Key::LiveCheck).toBool());
    connect(live, &QAction::toggled, this, [this](bool on) {
        m_settings.setValue(Settings::Key::LiveCheck, on);
        m_checker->setEnabled(on);
    });

    QMenu* examples = menuBar()->addMenu(tr("&Examples"));
    examples->setObjectName(QStringLiteral("examplesMenu"));
    m_files->loadExamples(examples);
    m_viewMenu = menuBar()->addMenu(tr("&View"));

    QToolBar* bar = addToolBar(tr("Run"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(m_runAction);
    bar->addAction(m_stopAction);
    bar->widgetForAction(m_runAction)->setObjectName(QStringLiteral("runButton"));
    bar->widgetForAction(m_stopAction)->setObjectName(QStringLiteral("stopButton"));
    bar->addAction(check);
    bar->addAction(m_runAnywayAction);
    bar->addSeparator();
    bar->addAction(m_sessions->sessionAction());
    bar->widgetForAction(m_sessions->sessionAction())->setObjectName(QStringLiteral("sessionModeButton"));
    bar->addAction(m_sessions->restartAction());
    bar->addWidget(m_sessions->stateLabel());
    bar->addSeparator();
    m_profileBar =
        new ProfileBar(QString::fromStdString(agentrun::profile::ProfileStore::defaultDirectory()), bar);
    m_profileBar->setCapture([this](const QString& name) { return captureProfile(name); });
    m_profileBar->setCurrentName(m_settings.value(Settings::Key::Profile).toString());
    connect(m_profileBar, &ProfileBar::profileLoaded, this, &MainWindow::applyProfile);
    connect(m_profileBar, &ProfileBar::failed, this,
            [this](const QString& message) { statusBar()->showMessage(message, 10000); });
    bar->addWidget(m_profileBar);
    bar->addSeparator();
    // Which runtime and image the next run uses, next to the Run button where the choice matters.
    auto* runtime = new QLabel(bar);
    runtime->setObjectName(QStringLiteral("runtimeIndicator"));
    const auto showRuntime = [this, runtime] {
        const bool gvisor = m_settings.value(Settings::Key::Runtime).toString() == u"runsc";
        runtime->setText(tr(" %1 · %2 ")
                             .arg(gvisor ? tr("gVisor") : tr("runc"),
                                  QString::fromStdString(m_controller->runner().config().image)));
        runtime->setToolTip(
            gvisor ? tr("Runs in gVisor (runsc): a user-space kernel between the code and the host")
                   : tr("Runs with runc: namespaces, cgroups, seccomp, no capabilities"));
    };
    showRuntime();
    connect(&m_settings, &Settings::changed, runtime, [showRuntime](Settings::Key key) {
        if (key == Settings::Key::Runtime || key == Settings::Key::SandboxImage)
            showRuntime();
    });
    bar->addWidget(runtime);
    m_imageCombo = new QComboBox(bar);
    m_imageCombo->setObjectName(QStringLiteral("imageCombo"));
    m_imageCombo->setToolTip(tr("The sandbox image of the next run and of sessions opened from now on"));
    m_imageCombo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_imageCombo, &QComboBox::activated, this,
            [this](int index) { chooseImage(m_imageCombo->itemData(index).toString()); });
    bar->addWidget(m_imageCombo);
    refreshImages();
    QMenu* profiles = menuBar()->addMenu(tr("&Profiles"));
    profiles->addAction(m_profileBar->saveAsAction());
    profiles->addAction(m_profileBar->importAction());
    profiles->addAction(m_profileBar->exportAction());
    bar->addSeparator();
    bar->addSeparator();
    auto* find = new QLineEdit(bar);
    find->setObjectName(QStringLiteral("editorFindEdit"));
    find->setPlaceholderText(tr("Find in snippet (Ctrl+F)"));
    find->setClearButtonEnabled(true);
    find->setMaximumWidth(220);
    connect(find, &QLineEdit::textEdited, this, [this](const QString& text) { findInEditor(text, false); });
    connect(find, &QLineEdit::returnPressed, this, [this, find] { findInEditor(find->text(), true); });
    bar->addWidget(find);
    QAction* findAction = new QAction(tr("&Find…"), this);
    findAction->setShortcut(QKeySequence::Find);
    connect(findAction, &QAction::triggered, this, [find] {
        find->setFocus(Qt::ShortcutFocusReason);
        find->selectAll();
    });
    m_tabs->addAction(findAction);
    findAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_toolBar = bar;
}

void MainWindow::createDocks()
{
    m_consolePanel = new ConsolePanel(this);
    m_consolePanel->setWrapping(m_settings.value(Settings::Key::ConsoleWrap).toBool());
    m_consolePanel->console()->setMaximumLines(m_settings.value(Settings::Key::ConsoleMaxLines).toInt());
    connect(m_consolePanel, &ConsolePanel::wrappingToggled, this,
            [this](bool on) { m_settings.setValue(Settings::Key::ConsoleWrap, on); });
    QDockWidget* output =
        addPanel(m_consolePanel, QStringLiteral("outputDock"), tr("Output"), Qt::BottomDockWidgetArea);
    m_findingsPanel = new FindingsPanel(this);
    m_limitsPanel =
        new LimitsPanel(m_settings, QString::fromStdString(m_controller->runner().config().image), this);
    m_limitsDock =
        addPanel(m_limitsPanel, QStringLiteral("limitsDock"), tr("Limits"), Qt::RightDockWidgetArea);
    m_resourcePanel = new ResourcePanel(this);
    QDockWidget* resources =
        addPanel(m_resourcePanel, QStringLiteral("resourcesDock"), tr("Resources"), Qt::RightDockWidgetArea);
    tabifyDockWidget(m_limitsDock, resources);
    m_policyPanel = new PolicyPanel(this);
    QDockWidget* policy =
        addPanel(m_policyPanel, QStringLiteral("policyDock"), tr("Policy"), Qt::RightDockWidgetArea);
    tabifyDockWidget(m_limitsDock, policy);
    connect(m_policyPanel, &PolicyPanel::policyChanged, this, [this] {
        m_checker->setPolicy(m_policyPanel->policy(), m_policyPanel->label());
        if (!m_policyPanel->isEdited())
            m_settings.setValue(Settings::Key::Policy, m_policyPanel->source());
    });
    connect(m_policyPanel, &PolicyPanel::loadError, this,
            [this](const QString& message) { statusBar()->showMessage(message, 10000); });
    m_limitsDock->raise();
    // The cache view and bakes use the runs' engine and image.
    m_depsPanel =
        new DependenciesPanel(m_settings, engineCacheBackend(m_controller->runner().config()), this);
    QDockWidget* deps = addPanel(m_depsPanel, QStringLiteral("dependenciesDock"), tr("Dependencies"),
                                 Qt::RightDockWidgetArea);
    tabifyDockWidget(m_limitsDock, deps);
    m_limitsDock->raise();
    m_stdinPanel = new StdinPanel(m_settings, this);
    QDockWidget* stdinDock =
        addPanel(m_stdinPanel, QStringLiteral("stdinDock"), tr("Input"), Qt::BottomDockWidgetArea);
    m_inputFilesPanel = new InputFilesPanel(this);
    m_inputFilesDock =
        addPanel(m_inputFilesPanel, QStringLiteral("inputFilesDock"), tr("Files"), Qt::BottomDockWidgetArea);
    m_inputFilesPanel->setEditor(m_tabs->currentEditor());
    connect(m_tabs, &EditorTabs::currentEditorChanged, this, [this](CodeEditor* editor) {
        recallInputFiles(editor);
        m_inputFilesPanel->setEditor(editor);
    });
    // A snippet opened from disk gets the input files its tab had when it was last used.
    connect(m_tabs, &EditorTabs::fileOpened, this, [this](CodeEditor* editor) { recallInputFiles(editor); });
    connect(m_inputFilesPanel, &InputFilesPanel::entriesChanged, this,
            [this] { rememberInputFiles(m_tabs->currentEditor()); });
    m_historyPanel = new HistoryPanel(m_history, this);
    QDockWidget* history =
        addPanel(m_historyPanel, QStringLiteral("historyDock"), tr("History"), Qt::BottomDockWidgetArea);
    connect(m_historyPanel, &HistoryPanel::reopenRequested, this,
            [this](const QString& code, const QString& title) { m_tabs->newTab(title, code); });
    connect(m_historyPanel, &HistoryPanel::runAgainRequested, this,
            [this](const QString& code, const QString& title) {
                m_tabs->newTab(title, code);
                runCurrent();
            });
    m_findingsDock =
        addPanel(m_findingsPanel, QStringLiteral("findingsDock"), tr("Problems"), Qt::BottomDockWidgetArea);
    // Where each dock goes is arrangeDocks()'s (mainwindowlayout.cpp), called by restoreLayout().
    tabifyDockWidget(m_findingsDock, history);
    tabifyDockWidget(m_findingsDock, stdinDock);
    tabifyDockWidget(m_findingsDock, m_inputFilesDock);
    m_findingsDock->raise();
    createVariablesDock(m_findingsDock);
    createFiguresDock(m_findingsDock);
    createNetworkDock(output);
}

QDockWidget* MainWindow::addPanel(QWidget* panel, const QString& name, const QString& title,
                                  Qt::DockWidgetArea area)
{
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(name);
    dock->setWidget(panel);
    addDockWidget(area, dock);
    m_viewMenu->addAction(dock->toggleViewAction());
    return dock;
}

void MainWindow::findInEditor(const QString& text, bool next)
{
    CodeEditor* editor = m_tabs->currentEditor();
    if (!editor || text.isEmpty())
        return;
    const bool found = next ? editor->findNext() || editor->findFirst(text, false, false, false, true)
                            : editor->findFirst(text, false, false, false, true);
    if (!found)
        statusBar()->showMessage(tr("“%1” not found").arg(text), 3000);
}

void MainWindow::createStatusBar()
{
    m_runStatusLabel = new QLabel(tr("Ready"), this);
    m_runStatusLabel->setObjectName(QStringLiteral("runStatusLabel"));
    m_engineLabel = new QLabel(tr("Engine: checking…"), this);
    m_engineLabel->setObjectName(QStringLiteral("engineStatusLabel"));
    statusBar()->addWidget(m_runStatusLabel, 1);
    statusBar()->addPermanentWidget(m_engineLabel);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!m_tabs->requestCloseAll()) {
        event->ignore(); // the user kept the window for unsaved code
        return;
    }
    if (m_autosave)
        m_autosave->saveNow(); // the tabs as they are now, for the next start
    saveLayout();
    m_settings.sync();
    m_controller->cancel();
    m_sessions->closeAll(); // off the GUI thread; the controller waits for them as it goes
    QMainWindow::closeEvent(event);
}

bool MainWindow::runCurrent()
{
    return startRun(false, {});
}

bool MainWindow::runAnyway()
{
    if (m_controller->isRunning() || !m_runAnywayAction->isEnabled() ||
        !m_policyPanel->policy()->allowsOverride())
        return false;
    QStringList recent;
    if (m_history)
        if (auto reasons = m_history->recentOverrideReasons())
            for (const auto& reason : *reasons)
                recent << QString::fromStdString(reason);
    const auto reason = askOverrideReason(this, m_policyPanel->label(), recent);
    return reason && startRun(true, *reason, m_lastPiece);
}

MainWindow::SpecOrProblem MainWindow::runSpec(bool skipCheck, const QString& reason, const CodePiece* piece)
{
    // The workbench's adapter: the panels' values into the one description of a run (model/runspec.h).
    SpecOrProblem out;
    const auto limits = m_limitsPanel->limits();
    if (!limits) {
        out.problem = QString::fromStdString(limits.error().message);
        out.inLimits = true;
        return out;
    }
    if (const QString depsError = m_depsPanel->errorText(); !depsError.isEmpty()) {
        out.problem = depsError;
        return out;
    }
    auto input = m_stdinPanel->data();
    if (!input) {
        out.problem = QString::fromStdString(input.error().message);
        return out;
    }
    agentrun::model::RunSpec spec;
    if (CodeEditor* editor = m_tabs->currentEditor()) {
        spec.code = (piece ? piece->code : editor->text()).toStdString();
        // A tab in session mode runs in its session (opened with the first run: RunController).
        spec.sessionId = m_sessions->state(editor).id.toStdString();
        // Read now, not when they were added: the run sees the files as they are on disk.
        auto files = readInputFiles(m_inputFilesPanel->entries(editor));
        if (!files) {
            out.problem = QString::fromStdString(files.error().message);
            out.inFiles = true;
            return out;
        }
        spec.files = std::move(*files);
    }
    spec.limits = *limits;
    spec.allow = m_depsPanel->allow();
    spec.cached = m_depsPanel->cached();
    // Where the packages come from, as the panel says (it was left out: installs failed with deps.no_source).
    spec.wheelhouse = m_depsPanel->wheelhouse().toStdString();
    spec.indexUrl = m_depsPanel->indexUrl().toStdString();
    spec.stdinData = std::move(*input);
    spec.skipCheck = skipCheck;
    spec.overrideReason = skipCheck ? reason.toStdString() : std::string();
    spec.profile = m_settings.value(Settings::Key::Profile).toString().toStdString();
    spec.policy = m_policyPanel->source().toStdString();
    if (m_policyPanel->isEdited()) {
        // The executor takes a preset name or a file: an edited policy goes through a private file.
        if (!m_scratch)
            m_scratch = std::make_unique<QTemporaryDir>();
        QSaveFile file(m_scratch->filePath(QStringLiteral("policy.json")));
        if (!file.open(QIODevice::WriteOnly) ||
            file.write(QByteArray::fromStdString(m_policyPanel->policy()->toJson())) < 0 || !file.commit()) {
            out.problem = tr("cannot write the edited policy: %1").arg(file.errorString());
            return out;
        }
        spec.policy = file.fileName().toStdString();
    }
    out.spec = std::move(spec);
    return out;
}

bool MainWindow::startRun(bool skipCheck, const QString& reason, std::optional<CodePiece> piece)
{
    if (m_controller->isRunning())
        return false;
    CodeEditor* editor = m_tabs->currentEditor();
    if (!piece)
        piece = CodePiece{editor ? editor->text() : QString(), 1, 0};
    m_lastPiece = *piece;
    const bool inSession = m_sessions->inSession(editor);
    OutputConsole* console = m_consolePanel->console();
    if (!inSession) {
        console->clearConsole(); // a session's cells stay one under the other, as in a notebook
        m_figuresPanel->clear();
    }
    m_consolePanel->parentWidget()->show();
    m_runAnywayAction->setEnabled(false);

    m_inputFilesPanel->refresh(); // the files are read now: the panel shows their sizes (or absence) now
    rememberInputFiles(editor);   // the tab may have been saved under a (new) name since the list changed
    auto built = runSpec(skipCheck, reason, &*piece);
    if (!built.spec) {
        // Bad input never reaches the engine: say which field and its range, where the field is.
        console->appendStage(tr("— not started: %1").arg(built.problem));
        m_runStatusLabel->setText(tr("Not started: %1").arg(built.problem));
        if (built.inLimits) {
            m_limitsDock->show();
            m_limitsDock->raise();
        }
        if (built.inFiles) {
            m_inputFilesDock->show();
            m_inputFilesDock->raise();
        }
        return false;
    }
    if (skipCheck)
        console->appendStage(
            tr("— check overridden (%1 policy), reason: %2").arg(m_policyPanel->label(), reason));
    m_resourcePanel->startRun(built.spec->limits);
    m_runLimits = built.spec->limits;
    m_runEditor = editor;
    m_limitsPanel->markReached({});
    if (editor)
        m_tabs->setTabIcon(m_tabs->indexOf(editor), QIcon());
    agentrun::history::RecordContext context;
    context.policy = m_policyPanel->label().toStdString();
    m_sessions->beginRun(editor, piece->firstLine, built.spec->limits);
    if (!inSession)
        return m_controller->start(std::move(*built.spec), std::move(context));
    const QString id = QString::fromStdString(built.spec->sessionId);
    if (const QString kept = m_sessions->limitsNotApplied(editor, built.spec->limits); !kept.isEmpty())
        console->appendStage(tr("— the session keeps the %1 it opened with; turn Run in Session off and on "
                                "for a session with the panel's")
                                 .arg(kept));
    console->appendStage(id.isEmpty()
                             ? tr("— opening a session for this tab")
                             : tr("— in session %1, editor line %2").arg(id.left(8)).arg(piece->firstLine));
    return m_controller->startInSession(std::move(*built.spec), std::move(context));
}

void MainWindow::setMemoryLimit(qint64 bytes)
{
    auto limits = m_limitsPanel->limits();
    if (!limits) {
        statusBar()->showMessage(tr("The limits panel has an invalid field: %1")
                                     .arg(QString::fromStdString(limits.error().message)),
                                 10000);
        return;
    }
    const bool noSwap = limits->memorySwapBytes == limits->memoryBytes;
    limits->memoryBytes = bytes;
    if (noSwap || limits->memorySwapBytes < bytes)
        limits->memorySwapBytes = bytes;
    limits->tmpfsBytes = qMin<qint64>(limits->tmpfsBytes, bytes / 2);
    agentrun::model::fitTmpfsToMemory(*limits);
    m_limitsPanel->setLimits(*limits);
    statusBar()->showMessage(tr("Memory limit set to %1 for the next run").arg(sizeLabel(bytes)), 10000);
}

void MainWindow::stopRun()
{
    if (!m_controller->isRunning())
        return;
    m_controller->cancel();
    m_runStatusLabel->setText(tr("Stopping…"));
}

void MainWindow::onRunningChanged(bool running)
{
    m_runAction->setEnabled(!running);
    for (QAction* action : std::as_const(m_cellActions))
        action->setEnabled(!running);
    m_stopAction->setEnabled(running);
    if (running)
        m_runStatusLabel->setText(tr("Running…"));
}

void MainWindow::onFinished(const RunResult& result)
{
    const Outcome outcome = describeOutcome(result, m_runLimits);
    OutputConsole* console = m_consolePanel->console();
    console->appendOutcome(u"— " + outcome.line, outcome.tone);
    for (const QString& hint : outcome.hints)
        console->appendOutcome(u"— " + hint, Outcome::Tone::Warning);
    m_runStatusLabel->setText(outcome.line);
    m_runStatusLabel->setToolTip(outcome.line);
    m_runStatusLabel->setProperty("status", statusName(result.status));
    m_runStatusLabel->setStyleSheet(QStringLiteral("color: %1;").arg(toneColor(outcome.tone).name()));
    m_limitsPanel->markReached(outcome.limitField);
    if (!outcome.limitField.isEmpty()) {
        m_limitsDock->show();
        m_limitsDock->raise();
    }
    if (m_runEditor)
        m_tabs->setTabIcon(m_tabs->indexOf(m_runEditor), toneIcon(outcome.tone));
    m_resourcePanel->finishRun(result);
    m_networkPanel->showRun(result, m_runLimits);
    linkTraceback(result, m_sessions->finishRun(result));
    if (result.status == Status::EngineError)
        m_engineMonitor->checkNow(); // the engine may have gone away since the last check
    if (result.status == Status::Blocked) {
        const bool may = m_policyPanel->policy()->allowsOverride();
        m_runAnywayAction->setEnabled(may);
        m_consolePanel->console()->appendStage(
            may ? tr("— the %1 policy lets you run it anyway (Run ▸ Run Anyway…), with a reason")
                      .arg(m_policyPanel->label())
                : tr("— the %1 policy does not allow running blocked code").arg(m_policyPanel->label()));
    }
}

void MainWindow::showFindings(const std::vector<agentrun::safety::Finding>& findings, const QString& source)
{
    if (CodeEditor* editor = m_tabs->currentEditor())
        editor->setFindings(findings);
    m_findingsPanel->setFindings(findings, source);
}

void MainWindow::checkCurrent()
{
    if (CodeEditor* editor = m_tabs->currentEditor())
        m_checker->checkNow(editor->text());
    m_findingsDock->show();
    m_findingsDock->raise();
}

void MainWindow::setPolicy(const QString& name)
{
    if (!m_policyPanel->setSource(name))
        m_policyPanel->setSource(QStringLiteral("standard"));
}

void MainWindow::setImageBuilder(std::function<agentrun::Result<std::string>(
                                     const std::function<void(std::string_view)>&, const std::atomic<bool>&)>
                                     builder)
{
    m_imageBuilder = std::move(builder);
}

ImageBuildDialog* MainWindow::showImageBuildDialog(const QString& reason)
{
    if (m_imageDialog && m_imageDialog->isBuilding()) {
        m_imageDialog->raise();
        return m_imageDialog;
    }
    delete m_imageDialog;
    m_imageDialog = new ImageBuildDialog(m_imageBuilder, reason, this);
    connect(m_imageDialog, &ImageBuildDialog::buildFinished, this, [this](bool ok) {
        if (ok)
            m_engineMonitor->checkNow();
    });
    m_imageDialog->show();
    return m_imageDialog;
}

void MainWindow::applyProfile(const agentrun::profile::Profile& profile)
{
    m_settings.setLimits(profile.limits);
    m_limitsPanel->load();
    setPolicy(QString::fromStdString(profile.policy));
    m_depsPanel->setAllow(profile.allow);
    m_depsPanel->setCached(profile.cached);
    m_depsPanel->setSources(QString::fromStdString(profile.indexUrl),
                            QString::fromStdString(profile.wheelhouse));
    m_settings.setValue(Settings::Key::Profile, QString::fromStdString(profile.name));
    statusBar()->showMessage(tr("Profile %1 loaded").arg(QString::fromStdString(profile.name)), 5000);
}

agentrun::Result<agentrun::profile::Profile> MainWindow::captureProfile(const QString& name)
{
    agentrun::profile::Profile profile;
    profile.name = name.toStdString();
    auto limits = m_limitsPanel->limits();
    if (!limits)
        return std::unexpected(limits.error());
    profile.limits = *limits;
    if (const QString error = m_depsPanel->errorText(); !error.isEmpty())
        return agentrun::fail(errc::ProfileDependencies, error.toStdString());
    profile.allow = m_depsPanel->allow();
    profile.cached = m_depsPanel->cached();
    profile.indexUrl = m_depsPanel->indexUrl().toStdString();
    profile.wheelhouse = m_depsPanel->wheelhouse().toStdString();
    profile.policy = m_policyPanel->source().toStdString();
    if (m_policyPanel->isEdited()) {
        const QDir dir(QString::fromStdString(agentrun::profile::ProfileStore::defaultDirectory()) +
                       QStringLiteral("/policies"));
        QSaveFile file(dir.filePath(name + QStringLiteral(".json")));
        if (!dir.mkpath(QStringLiteral(".")) || !file.open(QIODevice::WriteOnly) ||
            file.write(QByteArray::fromStdString(m_policyPanel->policy()->toJson())) < 0 || !file.commit())
            return agentrun::fail(
                errc::ProfilePolicyFile,
                tr("Cannot write the edited policy: %1").arg(file.errorString()).toStdString());
        profile.policy = file.fileName().toStdString();
    }
    return profile;
}

void MainWindow::openPath(const QString& path)
{
    m_files->openPath(path);
}

} // namespace agentrun::ui
