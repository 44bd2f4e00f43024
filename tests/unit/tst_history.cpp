#include "agentrun/history/historystore.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

using namespace agentrun;

namespace {

run::RunResult makeResult(const std::string& id, run::Status status)
{
    run::RunResult result;
    result.runId = id;
    result.status = status;
    result.exitCode = status == run::Status::Ok ? 0 : 1;
    result.stdoutData = "hello\n";
    result.output = "hello\n";
    result.image = "agentrun-sandbox:latest";
    result.durations.totalMs = 12.5;
    result.peakMemoryBytes = 9437184;
    if (status == run::Status::Blocked) {
        result.findings.push_back(
            {"process-exec", safety::Severity::Block, 2, 1, 2, 22, "os.system runs a shell", ""});
        result.message = "Blocked by the safety check.";
    }
    return result;
}

/// Runs SQL on the file through a second connection, as another process would.
struct RawConnection
{
    sqlite3* db = nullptr;
    explicit RawConnection(const std::string& path) { sqlite3_open(path.c_str(), &db); }
    ~RawConnection() { sqlite3_close(db); }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;
    int exec(const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); }
    std::string scalar(const char* sql)
    {
        sqlite3_stmt* statement = nullptr;
        sqlite3_prepare_v2(db, sql, -1, &statement, nullptr);
        std::string value;
        if (sqlite3_step(statement) == SQLITE_ROW) {
            value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
        }
        sqlite3_finalize(statement);
        return value;
    }
};

} // namespace

class TestHistory : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::string file(const char* name) const { return m_dir.path().toStdString() + "/" + name; }

private Q_SLOTS:
    void recordsAndReadsBack()
    {
        auto store = history::HistoryStore::open(file("a/b/history.sqlite3"));
        QVERIFY2(store.has_value(), store ? "" : store.error().message.c_str());
        run::RunRequest request;
        request.code = std::string("print('h\xc3\xa9')\n\x00\xff", 16);
        request.limits.memoryBytes = 128ll << 20;
        run::RunResult result = makeResult("0123456789abcdef", run::Status::Ok);
        result.stderrData = std::string(history::MaxStoredOutputBytes + 10, 'e');
        QVERIFY(store->record(request, result, "strict", "rest").has_value());

        auto record = store->get("0123456789abcdef");
        QVERIFY(record.has_value());
        QCOMPARE(record->code, request.code); // bytes kept exactly, NUL and invalid UTF-8 included
        QCOMPARE(record->status, std::string("ok"));
        QCOMPARE(record->policy, std::string("strict"));
        QCOMPARE(record->source, std::string("rest"));
        QCOMPARE(record->stdoutData, std::string("hello\n"));
        QCOMPARE(record->stderrData.size(), history::MaxStoredOutputBytes);
        QVERIFY(record->stderrCapped);
        QVERIFY(!record->stdoutCapped);
        QCOMPARE(record->limits.value("memory_bytes", 0ll), 128ll << 20);
        QCOMPARE(record->peakMemoryBytes, 9437184ll);
        QCOMPARE(record->durations.totalMs, 12.5);

        const auto json = history::toJson(*record);
        QCOMPARE(json["history_capped"]["stderr"].get<bool>(), true);
        QVERIFY(json["created_at"].get<std::string>().ends_with("Z"));

        auto prefix = store->get("0123");
        QVERIFY(prefix.has_value());
        QCOMPARE(prefix->runId, std::string("0123456789abcdef"));
        auto missing = store->get("ffffffff");
        QVERIFY(!missing.has_value());
        QCOMPARE(missing.error().code, std::string("history.not_found"));
    }

    void schemaIsVersionedAndWal()
    {
        const std::string path = file("schema.sqlite3");
        QVERIFY(history::HistoryStore::open(path).has_value());
        RawConnection raw(path);
        QCOMPARE(raw.scalar("PRAGMA user_version"), std::string("1"));
        QCOMPARE(raw.scalar("PRAGMA journal_mode"), std::string("wal"));
        QCOMPARE(raw.exec("PRAGMA user_version = 99"), SQLITE_OK);
        auto newer = history::HistoryStore::open(path);
        QVERIFY(!newer.has_value());
        QCOMPARE(newer.error().code, std::string("history.open"));
        QVERIFY2(newer.error().message.find("newer agentrun") != std::string::npos,
                 newer.error().message.c_str());
    }

    void listsNewestFirstWithFilters()
    {
        auto store = history::HistoryStore::open(file("list.sqlite3"));
        QVERIFY(store.has_value());
        run::RunRequest request;
        request.code = "\n\n   import os\nos.system('ls')\n";
        for (int i = 0; i < 5; ++i) {
            const auto status = i % 2 == 0 ? run::Status::Blocked : run::Status::Ok;
            QVERIFY(store->record(request, makeResult("run" + std::to_string(i), status), "standard")
                        .has_value());
        }
        auto all = store->list({});
        QVERIFY(all.has_value());
        QCOMPARE(all->size(), std::size_t{5});
        QCOMPARE(all->front().runId, std::string("run4"));
        QCOMPARE(all->front().codePreview, std::string("import os"));

        auto blocked = store->list({"blocked", 2, 0});
        QVERIFY(blocked.has_value());
        QCOMPARE(blocked->size(), std::size_t{2});
        QCOMPARE((*blocked)[0].runId, std::string("run4"));
        QCOMPARE((*blocked)[1].runId, std::string("run2"));
        auto page = store->list({"blocked", 2, 2});
        QCOMPARE(page->size(), std::size_t{1});
        QCOMPARE((*page)[0].runId, std::string("run0"));
        QVERIFY(history::isKnownStatus("out_of_memory"));
        QVERIFY(!history::isKnownStatus("fine"));
    }

    void prunesBeyondMaxRuns()
    {
        auto store = history::HistoryStore::open(file("prune.sqlite3"));
        QVERIFY(store.has_value());
        store->setMaxRuns(3);
        for (int i = 0; i < 6; ++i) {
            QVERIFY(store->record({}, makeResult("p" + std::to_string(i), run::Status::Ok), "standard")
                        .has_value());
        }
        auto all = store->list({});
        QCOMPARE(all->size(), std::size_t{3});
        QCOMPARE(all->back().runId, std::string("p3"));
    }

    void failedWriteIsAnErrorAndLeavesNoRow()
    {
        const std::string path = file("locked.sqlite3");
        auto store = history::HistoryStore::open(path);
        QVERIFY(store.has_value());
        store->setBusyTimeout(std::chrono::milliseconds(50));
        RawConnection other(path);
        QCOMPARE(other.exec("BEGIN EXCLUSIVE"), SQLITE_OK);
        auto written = store->record({}, makeResult("locked1", run::Status::Ok), "standard");
        QVERIFY(!written.has_value());
        QCOMPARE(written.error().code, std::string("history.write"));
        const std::string expected = "Could not write the run history to " + path + ": ";
        QVERIFY2(written.error().message.starts_with(expected), written.error().message.c_str());
        QCOMPARE(other.exec("COMMIT"), SQLITE_OK);
        QCOMPARE(store->get("locked1").error().code, std::string("history.not_found"));
        QVERIFY(store->record({}, makeResult("locked2", run::Status::Ok), "standard").has_value());
    }

    void unopenablePathIsAnError()
    {
        const std::string blocker = file("plainfile");
        QFile f(QString::fromStdString(blocker));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        auto store = history::HistoryStore::open(blocker + "/history.sqlite3");
        QVERIFY(!store.has_value());
        QCOMPARE(store.error().code, std::string("history.open"));
        QVERIFY(store.error().message.starts_with("Could not open the run history at " + blocker));
    }

    // A blocked run needs no engine: the CLI records it, and a history it cannot write is only a warning.
    void cliRecordsBlockedRunsAndOnlyWarnsOnFailure()
    {
        const auto runCli = [](const QString& dataHome, const QStringList& args, const QByteArray& input) {
            QProcess cli;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert("XDG_DATA_HOME", dataHome);
            cli.setProcessEnvironment(env);
            cli.start(AGENTRUN_CLI, args);
            cli.write(input);
            cli.closeWriteChannel();
            cli.waitForFinished(30000);
            return std::make_tuple(cli.exitCode(), cli.readAllStandardOutput(), cli.readAllStandardError());
        };
        const QByteArray code = "import os\nos.system('ls')\n";
        const QString home = QString::fromStdString(file("clihome"));
        auto [status, out, err] = runCli(home, {"run", "-"}, code);
        QCOMPARE(status, 125);
        auto [listStatus, list, listErr] =
            runCli(home, {"history", "list", "--status", "blocked", "--json"}, {});
        QCOMPARE(listStatus, 0);
        const auto runs = nlohmann::json::parse(list.toStdString())["runs"];
        QCOMPARE(runs.size(), std::size_t{1});
        QCOMPARE(runs[0]["code_preview"].get<std::string>(), std::string("import os"));
        auto [showStatus, shown, showErr] = runCli(
            home, {"history", "show", QString::fromStdString(runs[0]["run_id"].get<std::string>())}, {});
        QCOMPARE(showStatus, 0);
        QVERIFY(shown.contains("os.system('ls')"));

        const std::string blocker = file("notadir");
        QFile f(QString::fromStdString(blocker));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        auto [failedStatus, failedOut, failedErr] =
            runCli(QString::fromStdString(blocker), {"run", "-"}, code);
        QCOMPARE(failedStatus, 125);
        QVERIFY2(failedErr.contains("agentrun: warning: Could not open the run history at"),
                 failedErr.constData());
    }

    void defaultPathFollowsXdg()
    {
        qputenv("XDG_DATA_HOME", "/somewhere/data");
        QCOMPARE(history::HistoryStore::defaultPath().string(),
                 std::string("/somewhere/data/agentrun/history.sqlite3"));
        qunsetenv("XDG_DATA_HOME");
        qputenv("HOME", "/home/someone");
        QCOMPARE(history::HistoryStore::defaultPath().string(),
                 std::string("/home/someone/.local/share/agentrun/history.sqlite3"));
    }
};

QTEST_APPLESS_MAIN(TestHistory)
#include "tst_history.moc"
