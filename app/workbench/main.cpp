// agentrun-workbench: constructs the services and the window; everything else lives in agentrun_ui.
#include "agentrun/history/historystore.h"
#include "agentrun/run/fleet.h"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <QApplication>
#include <QCommandLineParser>
#include <QTemporaryDir>

#include "mainwindow.h"
#include "screenshotter.h"
#include "settings.h"

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("AgentRun"));
    QApplication::setApplicationName(QStringLiteral("AgentRun Workbench"));
    QApplication::setApplicationVersion(QStringLiteral(AGENTRUN_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("agentrun-workbench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Run LLM-generated Python safely."));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption screenshots(
        QStringLiteral("screenshots"),
        QApplication::translate("main", "Render the documentation screenshots into DIR."),
        QStringLiteral("DIR"));
    screenshots.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(screenshots);
    const QCommandLineOption engines(
        QStringLiteral("engine"),
        QApplication::translate("main",
                                "Run on this engine: a docker context name, unix:///PATH or tcp://HOST:PORT "
                                "(TLS as the docker CLI), optionally ,runs=N. Repeat it for a fleet: each "
                                "run goes to an engine with room, a session stays on its engine."),
        QStringLiteral("ADDRESS[,runs=N]"));
    parser.addOption(engines);
    parser.addPositionalArgument(QStringLiteral("files"),
                                 QApplication::translate("main", "Python files to open."),
                                 QStringLiteral("[files…]"));
    parser.process(app);

    // As for `agentrun run`: the image and engine of the environment (another sandbox image's absence
    // is what the first-start dialog offers to fix, building it under that name).
    const agentrun::run::ExecutorConfig config = agentrun::run::configFromEnvironment();
    // --engine: a fleet of the engines named (each resolved now, refused before the window opens);
    // without it, the engine of the environment.
    std::vector<std::string> named;
    for (const QString& value : parser.values(engines))
        named.push_back(value.toStdString());
    auto fleetEngines = agentrun::run::parseFleetEngines(named);
    if (!fleetEngines) {
        std::fprintf(stderr, "agentrun-workbench: %s\n", fleetEngines.error().message.c_str());
        return 2;
    }
    agentrun::run::Fleet runner(config, std::move(*fleetEngines));
    // Screenshots must not depend on (or change) the user's settings.
    QTemporaryDir scratch;
    agentrun::ui::Settings settings(
        parser.isSet(screenshots) ? scratch.filePath(QStringLiteral("settings.ini")) : QString());
    // Every run is recorded in the same SQLite history the CLI and the REST server write.
    const auto historyPath =
        parser.isSet(screenshots)
            ? std::filesystem::path(scratch.filePath(QStringLiteral("history.sqlite3")).toStdString())
            : agentrun::history::HistoryStore::defaultPath();
    std::optional<agentrun::history::HistoryStore> history;
    if (auto opened = agentrun::history::HistoryStore::open(historyPath))
        history.emplace(std::move(*opened));
    else
        qWarning("history not available: %s", opened.error().message.c_str());
    agentrun::ui::MainWindow window(runner, settings, history ? &*history : nullptr);
    // The tabs of the last session come back (and are saved from now on); screenshots leave them alone.
    if (!parser.isSet(screenshots))
        window.restoreSession();
    for (const QString& file : parser.positionalArguments())
        window.openPath(file);
    window.show();
    if (parser.isSet(screenshots))
        agentrun::ui::Screenshotter::start(window, parser.value(screenshots));
    return QApplication::exec();
}
