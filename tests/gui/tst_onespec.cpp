// One description of a run for every front end (issue 16): the same request given through the workbench's
// panels, the CLI's options and a REST body becomes the same model::RunSpec, and, run for real, the same
// history record. A front end that drifts (a field it forgets, a default of its own, a different key or
// recording rule) fails here.
#include "agentrun/history/historystore.h"
#include "agentrun/model/runspecjson.h"
#include "agentrun/run/executor.h"

#include <QLocale>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "codeeditor.h"
#include "dependenciespanel.h"
#include "limitspanel.h"
#include "mainwindow.h"
#include "policypanel.h"
#include "restroutes.h"
#include "runcontroller.h"
#include "settings.h"
#include "stdinpanel.h"

#include <httplib.h>

using namespace agentrun;

namespace {

const QString Code = QStringLiteral("name = input()\nprint('hello', name)\n");
const QString Input = QStringLiteral("spec\n");

/// The request, as a person would set it in each front end: every limit, a policy, a whitelist.
model::Limits requestLimits()
{
    model::Limits limits;
    limits.timeoutSeconds = 7.5;
    limits.memoryBytes = limits.memorySwapBytes = 96ll << 20;
    limits.cpus = 0.5;
    limits.pids = 48;
    limits.outputLimitBytes = 64ll << 10;
    limits.tmpfsBytes = 24ll << 20;
    return limits;
}

QStringList cliFlags(bool withDependencies)
{
    // The workbench always has a profile selected (its profile bar; "default" until another is chosen): the
    // other front ends name the same one.
    QStringList flags = {"--profile",      "default", "--timeout",    "7.5", "--memory", "96m",
                         "--memory-swap",  "96m",     "--cpus",       "0.5", "--pids",   "48",
                         "--output-limit", "64k",     "--tmpfs-size", "24m", "--policy", "strict"};
    if (withDependencies) // a whitelist needs a source: the CLI refuses one without
        flags << "--allow"
              << "requests"
              << "--index-url"
              << "https://index.example/simple";
    return flags;
}

nlohmann::json restBody(bool withDependencies)
{
    // The older spellings on purpose: the one codec reads them as the same fields.
    nlohmann::json body = {
        {"code", Code.toStdString()},
        {"stdin", Input.toStdString()},
        {"limits",
         {{"timeout", 7.5},
          {"memory", "96m"},
          {"memory_swap_bytes", 96ll << 20},
          {"cpus", 0.5},
          {"pids", 48},
          {"output_limit", "64k"},
          {"tmpfs_size", "24m"}}},
        {"policy", "strict"},
        {"profile", "default"},
    };
    if (withDependencies)
        body["dependencies"] = {"requests"};
    return body;
}

/// The fields where two JSON objects differ, as "key: a | b" lines (empty: the same).
QString differences(const nlohmann::json& a, const nlohmann::json& b, const std::string& prefix = {})
{
    QStringList out;
    for (const auto& [key, value] : a.items()) {
        const std::string name = prefix + key;
        if (!b.contains(key)) {
            out << QString::fromStdString(name + ": only in the first");
        } else if (value.is_object() && b[key].is_object()) {
            const QString inner = differences(value, b[key], name + ".");
            if (!inner.isEmpty())
                out << inner;
        } else if (value != b[key]) {
            out << QString::fromStdString(name + ": " + value.dump() + " | " + b[key].dump());
        }
    }
    for (const auto& [key, value] : b.items())
        if (!a.contains(key))
            out << QString::fromStdString(prefix + key + ": only in the second");
    return out.join(u'\n');
}

} // namespace

class TestOneSpec : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        // One history for all three front ends: the CLI and the server inherit it.
        qputenv("XDG_DATA_HOME", m_dir.filePath(QStringLiteral("data")).toUtf8());
        QFile input(m_dir.filePath(QStringLiteral("input.txt")));
        QVERIFY(input.open(QIODevice::WriteOnly));
        input.write(Input.toUtf8());
        input.close();
        QFile code(m_dir.filePath(QStringLiteral("snippet.py")));
        QVERIFY(code.open(QIODevice::WriteOnly));
        code.write(Code.toUtf8());
        code.close();
    }

    void theSameRequestIsTheSameSpec()
    {
        // Workbench: the panels.
        ui::Settings settings(m_dir.filePath(QStringLiteral("spec.ini")));
        ui::MainWindow window(m_executor, settings);
        fillPanels(window, true);
        const auto built = window.runSpec();
        QVERIFY2(built.spec.has_value(), qPrintable(built.problem));
        const nlohmann::json workbench = model::toJson(*built.spec);

        // CLI: the options, printed by --dry-run.
        QProcess cli;
        cli.start(QStringLiteral(AGENTRUN_CLI),
                  QStringList{"run", "--dry-run", "--stdin", m_dir.filePath("input.txt")} + cliFlags(true) +
                      QStringList{m_dir.filePath("snippet.py")});
        QVERIFY(cli.waitForFinished(60000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        const auto printed = nlohmann::json::parse(cli.readAllStandardOutput().toStdString(), nullptr, false);
        QVERIFY(!printed.is_discarded());
        // Read back through the codec: what the CLI printed is a complete description.
        auto cliSpec = model::runSpecFromJson(printed, model::RunSpec{});
        QVERIFY2(cliSpec.has_value(), cliSpec ? "" : cliSpec.error().message.c_str());
        const nlohmann::json fromCli = model::toJson(*cliSpec);

        // REST: the body through the server's adapter, over the server's defaults.
        cli::ServeConfig config;
        config.defaults.indexUrl = "https://index.example/simple"; // serve --index-url
        bool stream = true;
        auto restSpec = cli::runSpecFromBody(restBody(true), config, stream);
        QVERIFY2(restSpec.has_value(), restSpec ? "" : restSpec.error().message.c_str());
        QVERIFY(!stream);
        const nlohmann::json fromRest = model::toJson(*restSpec);

        QCOMPARE(differences(fromCli, workbench), QString());  // CLI | workbench
        QCOMPARE(differences(fromRest, workbench), QString()); // REST | workbench
        QCOMPARE(workbench["limits"]["tmpfs"].get<std::int64_t>(), 24ll << 20);
        QCOMPARE(QString::fromStdString(workbench["dependencies"].dump()), QStringLiteral("[\"requests\"]"));
    }

    void theSameRequestIsTheSameRecord()
    {
        const auto ping = m_executor.ping();
        if (!ping)
            QFAIL(qPrintable(QStringLiteral("The Docker engine or the sandbox image is not available: %1 — "
                                            "./packaging/quickstart.sh sets it up.")
                                 .arg(QString::fromStdString(ping.error().message))));
        const auto historyPath = history::HistoryStore::defaultPath();
        std::filesystem::remove(historyPath);

        // Workbench.
        {
            auto store = history::HistoryStore::open(historyPath);
            QVERIFY(store.has_value());
            ui::Settings settings(m_dir.filePath(QStringLiteral("record.ini")));
            ui::MainWindow window(m_executor, settings, &*store);
            fillPanels(window, false);
            auto* controller = window.findChild<ui::RunController*>(QStringLiteral("runController"));
            QVERIFY(controller);
            QSignalSpy finished(controller, &ui::RunController::finished);
            QVERIFY(window.runCurrent());
            QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 120000);
        }
        // CLI.
        QProcess cli;
        cli.start(QStringLiteral(AGENTRUN_CLI), QStringList{"run", "--stdin", m_dir.filePath("input.txt")} +
                                                    cliFlags(false) +
                                                    QStringList{m_dir.filePath("snippet.py")});
        QVERIFY(cli.waitForFinished(120000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        // REST: a real server, the same history file.
        QProcess serve;
        serve.setProcessChannelMode(QProcess::MergedChannels);
        serve.start(QStringLiteral(AGENTRUN_CLI), {"serve", "--listen", "127.0.0.1:0"});
        int port = 0;
        QByteArray log;
        for (int i = 0; i < 600 && port == 0 && serve.state() != QProcess::NotRunning; ++i) {
            serve.waitForReadyRead(100);
            log += serve.readAll();
            const auto at = log.indexOf("listening on http://127.0.0.1:");
            if (at >= 0 && log.indexOf(' ', at + 30) > 0)
                port = log.mid(at + 30, log.indexOf(' ', at + 30) - at - 30).toInt();
        }
        QVERIFY2(port > 0, log.constData());
        httplib::Client client("127.0.0.1", port);
        client.set_read_timeout(120, 0);
        auto answer = client.Post("/v2/runs", restBody(false).dump(), "application/json");
        QVERIFY(answer);
        QVERIFY2(answer->status == 200, answer->body.c_str());
        serve.terminate();
        QVERIFY(serve.waitForFinished(60000));

        auto store = history::HistoryStore::open(historyPath);
        QVERIFY(store.has_value());
        auto rows = store->list({});
        QVERIFY(rows.has_value());
        QCOMPARE(rows->size(), std::size_t{3});
        std::map<std::string, nlohmann::json> bySource;
        for (const auto& row : *rows) {
            auto record = store->get(row.runId);
            QVERIFY(record.has_value());
            auto json = history::toJson(*record);
            QCOMPARE(QString::fromStdString(json["stdout"].get<std::string>()),
                     QStringLiteral("hello spec\n"));
            // What legitimately differs: which front end, when, how long, the id.
            for (const char* key : {"run_id", "created_at", "source", "duration_ms", "durations",
                                    "peak_memory_bytes", "cpu_seconds"})
                json.erase(key);
            bySource[record->source] = json;
        }
        QCOMPARE(bySource.size(), std::size_t{3});
        const auto& workbench = bySource["workbench"];
        QCOMPARE(differences(bySource["cli"], workbench), QString());  // CLI | workbench
        QCOMPARE(differences(bySource["rest"], workbench), QString()); // REST | workbench
    }

private:
    void fillPanels(ui::MainWindow& window, bool withDependencies)
    {
        auto* editor = window.findChild<ui::CodeEditor*>(QStringLiteral("codeEditor"));
        auto* limits = window.findChild<ui::LimitsPanel*>();
        auto* policy = window.findChild<ui::PolicyPanel*>();
        auto* deps = window.findChild<ui::DependenciesPanel*>(QStringLiteral("dependenciesPanel"));
        auto* input = window.findChild<ui::StdinPanel*>();
        QVERIFY(editor && limits && policy && deps && input);
        editor->setText(Code);
        QVERIFY(limits->setLimits(requestLimits()).isEmpty());
        QVERIFY(policy->setSource(QStringLiteral("strict")));
        if (withDependencies) {
            deps->setAllow({"requests"});
            deps->setSources(QStringLiteral("https://index.example/simple"), QString());
        }
        input->setText(Input);
    }

    QTemporaryDir m_dir;
    run::Executor m_executor;
};

QTEST_MAIN(TestOneSpec)
#include "tst_onespec.moc"
