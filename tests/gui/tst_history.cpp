// The History panel over the core's SQLite store: filters, search, details of a run, reopen and re-run,
// and runs made in the window recorded and still there after the window is recreated.
#include "agentrun/history/historystore.h"
#include "agentrun/run/executor.h"

#include <optional>

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "codeeditor.h"
#include "editortabs.h"
#include "historypanel.h"
#include "labels.h"
#include "mainwindow.h"
#include "runcontroller.h"
#include "runhistorymodel.h"
#include "settings.h"

using namespace agentrun;

namespace {

void addRun(history::HistoryStore& store, const std::string& id, const std::string& code,
            model::Status status, int exitCode)
{
    model::RunSpec request;
    request.code = code;
    model::RunResult result;
    result.runId = id;
    result.status = status;
    result.exitCode = exitCode;
    result.durations.totalMs = 41;
    result.peakMemoryBytes = 9646899;
    result.output = "out of " + id + "\n";
    if (status == model::Status::Blocked) {
        safety::Finding f;
        f.rule = "process-exec";
        f.message = "os.system runs a shell command";
        f.line = 2;
        f.column = 1;
        result.findings.push_back(f);
        result.message = "The check blocked this code.";
    }
    QVERIFY(store.record(request, result, "standard", "cli").has_value());
}

} // namespace

class TestHistory : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void modelFiltersAndSearches_data();
    void modelFiltersAndSearches();
    void panelShowsSelectedRun();
    void exportJsonAndHtml();
    void windowRunsAreRecordedAndSurviveRestart();

private:
    QTemporaryDir m_dir;
    std::optional<history::HistoryStore> m_store;
};

void TestHistory::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(QLocale::c());
    QVERIFY(m_dir.isValid());
    qputenv("XDG_DATA_HOME", m_dir.filePath(QStringLiteral("data")).toUtf8());
    const auto path = history::HistoryStore::defaultPath();
    QVERIFY2(QString::fromStdString(path.string()).startsWith(m_dir.path()), path.c_str());
    auto store = history::HistoryStore::open(path);
    QVERIFY2(store.has_value(), store ? "" : store.error().message.c_str());
    m_store.emplace(std::move(*store));
    addRun(*m_store, "aaaa0001", "print('hello')\nprint(2)", model::Status::Ok, 0);
    addRun(*m_store, "aaaa0002", "import os\nos.system('ls')", model::Status::Blocked, -1);
    addRun(*m_store, "aaaa0003", "import time\ntime.sleep(99)", model::Status::Timeout, 137);
}

void TestHistory::modelFiltersAndSearches_data()
{
    QTest::addColumn<int>("filter");
    QTest::addColumn<QString>("search");
    QTest::addColumn<QStringList>("ids");
    QTest::newRow("all") << int(ui::RunHistoryModel::Filter::All) << QString()
                         << QStringList{"aaaa0003", "aaaa0002", "aaaa0001"};
    QTest::newRow("blocked") << int(ui::RunHistoryModel::Filter::Blocked) << QString()
                             << QStringList{"aaaa0002"};
    QTest::newRow("failed") << int(ui::RunHistoryModel::Filter::Failed) << QString()
                            << QStringList{"aaaa0003"};
    QTest::newRow("ok") << int(ui::RunHistoryModel::Filter::Ok) << QString() << QStringList{"aaaa0001"};
    QTest::newRow("overridden") << int(ui::RunHistoryModel::Filter::Overridden) << QString() << QStringList{};
    QTest::newRow("text") << int(ui::RunHistoryModel::Filter::All) << QStringLiteral("IMPORT")
                          << QStringList{"aaaa0003", "aaaa0002"};
    QTest::newRow("text+status") << int(ui::RunHistoryModel::Filter::Ok) << QStringLiteral("import")
                                 << QStringList{};
}

void TestHistory::modelFiltersAndSearches()
{
    QFETCH(int, filter);
    QFETCH(QString, search);
    QFETCH(QStringList, ids);
    ui::RunHistoryModel model(&*m_store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 3);
    model.setFilter(ui::RunHistoryModel::Filter(filter));
    model.setSearchText(search);
    QStringList got;
    for (int row = 0; row < model.rowCount(); ++row)
        got << model.index(row, 0).data(ui::RunHistoryModel::RunIdRole).toString();
    QCOMPARE(got, ids);
    QVERIFY(model.lastError().isEmpty());
}

void TestHistory::panelShowsSelectedRun()
{
    ui::HistoryPanel panel(&*m_store);
    auto* model = panel.model();
    QCOMPARE(model->rowCount(), 3);
    // Newest first: the timeout, then the blocked run.
    QCOMPARE(model->index(1, ui::RunHistoryModel::StatusColumn).data().toString(), QStringLiteral("blocked"));
    QCOMPARE(model->index(0, ui::RunHistoryModel::ExitColumn).data().toString(), QStringLiteral("137"));
    QCOMPARE(model->index(0, ui::RunHistoryModel::DurationColumn).data().toString(), QStringLiteral("41 ms"));
    QCOMPARE(model->index(0, ui::RunHistoryModel::PeakColumn).data().toString(), QStringLiteral("9.2 MiB"));
    QCOMPARE(model->index(0, ui::RunHistoryModel::CodeColumn).data().toString(),
             QStringLiteral("import time"));

    auto* open = panel.findChild<QPushButton*>(QStringLiteral("historyOpenButton"));
    auto* again = panel.findChild<QPushButton*>(QStringLiteral("historyRunAgainButton"));
    QVERIFY(open && again);
    QVERIFY(!open->isEnabled());
    panel.selectRow(1);
    QCOMPARE(panel.selectedRunId(), QStringLiteral("aaaa0002"));
    QCOMPARE(panel.findChild<QPlainTextEdit*>(QStringLiteral("historyCodeView"))->toPlainText(),
             QStringLiteral("import os\nos.system('ls')"));
    const QString findings =
        panel.findChild<QPlainTextEdit*>(QStringLiteral("historyFindingsView"))->toPlainText();
    QVERIFY2(findings.contains(QStringLiteral("block  2:1  process-exec  os.system runs a shell command")),
             qPrintable(findings));
    QVERIFY(panel.findChild<QPlainTextEdit*>(QStringLiteral("historyOutputView"))
                ->toPlainText()
                .startsWith(QStringLiteral("out of aaaa0002\n")));

    QSignalSpy reopen(&panel, &ui::HistoryPanel::reopenRequested);
    QSignalSpy rerun(&panel, &ui::HistoryPanel::runAgainRequested);
    QTest::mouseClick(open, Qt::LeftButton);
    QCOMPARE(reopen.size(), 1);
    QCOMPARE(reopen.at(0).at(0).toString(), QStringLiteral("import os\nos.system('ls')"));
    QTest::mouseClick(again, Qt::LeftButton);
    QCOMPARE(rerun.size(), 1);

    // The filter combo and the search box drive the model.
    auto* filter = panel.findChild<QComboBox*>(QStringLiteral("historyFilterCombo"));
    filter->setCurrentIndex(filter->findData(int(ui::RunHistoryModel::Filter::Blocked)));
    QCOMPARE(model->rowCount(), 1);
    filter->setCurrentIndex(0);
    panel.findChild<QLineEdit*>(QStringLiteral("historySearchEdit"))->setText(QStringLiteral("hello"));
    QCOMPARE(model->rowCount(), 1);
    QCOMPARE(model->index(0, 0).data(ui::RunHistoryModel::RunIdRole).toString(), QStringLiteral("aaaa0001"));
}

void TestHistory::exportJsonAndHtml()
{
    ui::HistoryPanel panel(&*m_store);
    QString error;
    QVERIFY(!panel.exportRun(m_dir.filePath(QStringLiteral("none.json")), &error));
    QCOMPARE(error, QStringLiteral("Select a run first."));
    panel.selectRow(1); // the blocked run
    QCOMPARE(panel.selectedRunId(), QStringLiteral("aaaa0002"));

    const QString json = m_dir.filePath(QStringLiteral("run.json"));
    QVERIFY(panel.exportRun(json, &error));
    QFile jsonFile(json);
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    const auto parsed = nlohmann::json::parse(jsonFile.readAll().toStdString(), nullptr, false);
    QVERIFY(!parsed.is_discarded());
    QCOMPARE(parsed.value("run_id", ""), std::string("aaaa0002"));
    QCOMPARE(parsed.value("status", ""), std::string("blocked"));
    QCOMPARE(parsed.value("code", ""), std::string("import os\nos.system('ls')"));

    const QString html = m_dir.filePath(QStringLiteral("run.html"));
    QVERIFY(panel.exportRun(html, &error));
    QFile htmlFile(html);
    QVERIFY(htmlFile.open(QIODevice::ReadOnly));
    const QString report = QString::fromUtf8(htmlFile.readAll());
    QVERIFY(report.startsWith(QStringLiteral("<!DOCTYPE html>")));
    QVERIFY(report.contains(QStringLiteral("<h1>Run aaaa0002: blocked</h1>")));
    QVERIFY(report.contains(QStringLiteral("os.system(&#39;ls&#39;)")) ||
            report.contains(QStringLiteral("os.system('ls')")));
    QVERIFY(report.contains(QStringLiteral("process-exec  os.system runs a shell command")));

    QVERIFY(!panel.exportRun(m_dir.filePath(QStringLiteral("no/such/dir/run.json")), &error));
    QVERIFY2(error.startsWith(QStringLiteral("Cannot write ")), qPrintable(error));
}

void TestHistory::windowRunsAreRecordedAndSurviveRestart()
{
    run::Executor executor;
    if (const auto ping = executor.ping(); !ping)
        QFAIL(qPrintable(QStringLiteral("The Docker engine or the sandbox image is not available: ") +
                         QString::fromStdString(ping.error().message)));
    ui::Settings settings(m_dir.filePath(QStringLiteral("s.ini")));
    const QString code = QStringLiteral("print('recorded by the workbench')");
    {
        ui::MainWindow window(executor, settings, &*m_store);
        QSignalSpy finished(window.runController(), &ui::RunController::finished);
        window.editorTabs()->currentEditor()->setText(code);
        QVERIFY(window.runCurrent());
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
        const auto result = finished.at(0).at(0).value<model::RunResult>();
        QVERIFY2(result.status == model::Status::Ok, qPrintable(QString::fromStdString(result.message)));
        // Recorded before finished() is emitted, so the panel already lists it.
        auto* model = window.historyPanel()->model();
        QCOMPARE(model->rowCount(), 4);
        QCOMPARE(model->index(0, 0).data(ui::RunHistoryModel::RunIdRole).toString(),
                 QString::fromStdString(result.runId));
        QCOMPARE(model->index(0, ui::RunHistoryModel::CodeColumn).data().toString(), code);
        auto record = m_store->get(result.runId);
        QVERIFY(record.has_value());
        QCOMPARE(record->source, std::string("workbench"));
        QCOMPARE(record->stdoutData, std::string("recorded by the workbench\n"));
    }
    // A new window (as after a restart) lists it, and "Run again" runs the stored code once more.
    ui::MainWindow window(executor, settings, &*m_store);
    auto* panel = window.historyPanel();
    QCOMPARE(panel->model()->rowCount(), 4);
    panel->selectRow(0);
    QSignalSpy finished(window.runController(), &ui::RunController::finished);
    QTest::mouseClick(panel->findChild<QPushButton*>(QStringLiteral("historyRunAgainButton")),
                      Qt::LeftButton);
    QCOMPARE(window.editorTabs()->currentEditor()->text(), code);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
    QCOMPARE(panel->model()->rowCount(), 5);
    QCOMPARE(panel->model()->index(0, ui::RunHistoryModel::StatusColumn).data().toString(),
             QStringLiteral("ok"));
}

QTEST_MAIN(TestHistory)
#include "tst_history.moc"
