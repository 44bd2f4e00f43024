#include "agentrun/history/historystore.h"
#include "agentrun/model/runspecjson.h"

#include <QCryptographicHash>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

using namespace agentrun;

namespace {

model::RunResult makeResult(const std::string& id, model::Status status)
{
    model::RunResult result;
    result.runId = id;
    result.status = status;
    result.exitCode = status == model::Status::Ok ? 0 : 1;
    result.stdoutData = "hello\n";
    result.output = "hello\n";
    result.image = "agentrun-sandbox:latest";
    result.durations.totalMs = 12.5;
    result.peakMemoryBytes = 9437184;
    if (status == model::Status::Blocked) {
        result.findings.push_back(
            {"process-exec", safety::Severity::Block, 2, 1, 2, 22, "os.system runs a shell", ""});
        result.message = "Blocked by the safety check.";
    }
    return result;
}

std::string sha256(const std::string& bytes)
{
    return QCryptographicHash::hash(QByteArray::fromStdString(bytes), QCryptographicHash::Sha256)
        .toHex()
        .toStdString();
}

/// The file and its write-ahead log: what the history takes on disk.
qint64 diskBytes(const std::string& path)
{
    return QFileInfo(QString::fromStdString(path)).size() +
           QFileInfo(QString::fromStdString(path + "-wal")).size();
}

/// A blocked run of `codeBytes` of code with one finding per line, as a big hostile request makes.
std::pair<model::RunSpec, model::RunResult> bigBlockedRun(const std::string& id, std::size_t codeBytes)
{
    model::RunSpec request;
    const std::string line = "import os; os.system('x')  # padding padding padding padding padding\n";
    while (request.code.size() < codeBytes) {
        request.code += line;
    }
    request.code.resize(codeBytes);
    auto result = makeResult(id, model::Status::Blocked);
    for (int i = 0; i < 20000; ++i) {
        result.findings.push_back(
            {"process-exec", safety::Severity::Block, i + 2, 1, i + 2, 22, "os.system runs a shell", ""});
    }
    return {request, result};
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

/// The schema as agentrun wrote it at user_version 1, frozen here: a file of that age must keep working.
constexpr const char* SchemaV1File = R"sql(
CREATE TABLE runs (
    id INTEGER PRIMARY KEY, run_id TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL, source TEXT NOT NULL,
    status TEXT NOT NULL, exit_code INTEGER NOT NULL, message TEXT NOT NULL, error_code TEXT NOT NULL,
    policy TEXT NOT NULL, image TEXT NOT NULL, code BLOB NOT NULL, limits_json TEXT NOT NULL,
    findings_json TEXT NOT NULL, packages_json TEXT NOT NULL, stdout BLOB NOT NULL, stderr BLOB NOT NULL,
    output BLOB NOT NULL, stdout_capped INTEGER NOT NULL, stderr_capped INTEGER NOT NULL,
    output_capped INTEGER NOT NULL, stdout_truncated INTEGER NOT NULL, stderr_truncated INTEGER NOT NULL,
    check_ms REAL NOT NULL, install_ms REAL NOT NULL, run_ms REAL NOT NULL, total_ms REAL NOT NULL,
    peak_memory_bytes INTEGER NOT NULL, cpu_seconds REAL NOT NULL);
CREATE INDEX runs_by_created ON runs(created_ms DESC, id DESC);
CREATE INDEX runs_by_status ON runs(status, created_ms DESC, id DESC);
INSERT INTO runs VALUES (1, 'old0000000000001', 1700000000000, 'cli', 'ok', 0, '', '', 'strict',
    'agentrun-sandbox:latest', CAST('print(1)' AS BLOB),
    '{"cpus":0.5,"memory_bytes":134217728,"memory_swap_bytes":134217728,"network":"none","output_limit_bytes":65536,"pids":64,"runtime":"runc","timeout_seconds":7.5,"tmpfs_bytes":16777216}',
    '[]', '[]', CAST('1' AS BLOB), x'', CAST('1' AS BLOB), 0, 0, 0, 0, 0, 1.0, 0.0, 40.0, 41.0, 9437184, 0.01);
PRAGMA user_version = 1;
)sql";

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
        model::RunSpec request;
        request.code = std::string("print('h\xc3\xa9')\n\x00\xff", 16);
        request.limits.memoryBytes = 128ll << 20;
        model::RunResult result = makeResult("0123456789abcdef", model::Status::Ok);
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
        QCOMPARE(record->limits.value("memory", 0ll), 128ll << 20); // model::toJson's names
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
        QCOMPARE(raw.scalar("PRAGMA user_version"), std::to_string(history::HistoryStore::SchemaVersion));
        QCOMPARE(raw.scalar("PRAGMA journal_mode"), std::string("wal"));
        QCOMPARE(raw.exec("PRAGMA user_version = 99"), SQLITE_OK);
        auto newer = history::HistoryStore::open(path);
        QVERIFY(!newer.has_value());
        QCOMPARE(newer.error().code, std::string("history.open"));
        QVERIFY2(newer.error().message.find("newer agentrun") != std::string::npos,
                 newer.error().message.c_str());
    }

    // A file written by the previous schema opens, keeps its rows (read with the new fields empty) and
    // takes runs with the new fields; the migration runs once.
    void migratesFromSchema1()
    {
        const std::string path = file("v1.sqlite3");
        {
            RawConnection raw(path);
            QCOMPARE(raw.exec(SchemaV1File), SQLITE_OK);
            QCOMPARE(raw.scalar("PRAGMA user_version"), std::string("1"));
        }
        {
            auto store = history::HistoryStore::open(path);
            QVERIFY2(store.has_value(), store ? "" : store.error().message.c_str());
            auto old = store->get("old0000000000001");
            QVERIFY2(old.has_value(), old ? "" : old.error().message.c_str());
            QCOMPARE(old->code, std::string("print(1)"));
            QCOMPARE(old->policy, std::string("strict"));
            QCOMPARE(old->durations.totalMs, 41.0);
            QVERIFY(old->stdinData.empty());
            QVERIFY(!old->stdinCapped);
            QVERIFY(old->profile.empty());
            QVERIFY(!old->checkSkipped);
            QVERIFY(old->overrideReason.empty());
            // The limits of a run recorded before the migration restore exactly.
            auto limits = history::limitsFromJson(old->limits);
            QVERIFY2(limits.has_value(), limits ? "" : limits.error().message.c_str());
            QCOMPARE(limits->timeoutSeconds, 7.5);
            QCOMPARE(limits->memoryBytes, 128ll << 20);
            QCOMPARE(limits->cpus, 0.5);
            QCOMPARE(limits->pids, 64ll);
            QCOMPARE(limits->outputLimitBytes, 65536ll);
            QCOMPARE(limits->tmpfsBytes, 16ll << 20);

            model::RunSpec request;
            request.code = "import os\nos.system('true')\n";
            request.stdinData = "yes\n";
            request.skipCheck = true;
            history::RecordContext context;
            context.policy = "standard";
            context.source = "workbench";
            request.profile = "tight";
            request.overrideReason = "runs true, harmless";
            QVERIFY(store->record(request, makeResult("new0000000000002", model::Status::Ok), context));
            auto fresh = store->get("new0000000000002");
            QVERIFY(fresh.has_value());
            QCOMPARE(fresh->stdinData, std::string("yes\n"));
            QCOMPARE(fresh->profile, std::string("tight"));
            QVERIFY(fresh->checkSkipped);
            QCOMPARE(fresh->overrideReason, std::string("runs true, harmless"));
            const auto json = history::toJson(*fresh);
            QCOMPARE(json["override_reason"].get<std::string>(), std::string("runs true, harmless"));
            QCOMPARE(json["check_skipped"].get<bool>(), true);
            QCOMPARE(json["stdin"].get<std::string>(), std::string("yes\n"));
            auto all = store->list({});
            QVERIFY(all.has_value());
            QCOMPARE(all->size(), std::size_t{2});
        }
        {
            auto store = history::HistoryStore::open(path);
            auto old = store->get("old0000000000001");
            QVERIFY(old.has_value());
            QVERIFY(!old->codeCapped);
            QCOMPARE(old->codeBytes, 8ll); // print(1)
            QCOMPARE(old->codeSha256, sha256("print(1)"));
            auto stored = store->storedBytes();
            QVERIFY(stored.has_value());
            QVERIFY2(*stored > 2 * 512, std::to_string(*stored).c_str()); // both rows are counted
        }
        RawConnection raw(path);
        QCOMPARE(raw.scalar("PRAGMA user_version"), std::to_string(history::HistoryStore::SchemaVersion));
        QCOMPARE(raw.scalar("SELECT count(*) FROM runs"), std::string("2"));
        // Opening again does not migrate twice (a second ALTER TABLE ADD COLUMN would fail).
        QVERIFY(history::HistoryStore::open(path).has_value());
    }

    void oneRecordingPolicy()
    {
        // Every front end records through record(), which keeps blocked code and engine errors but not a
        // request refused as invalid before anything started (the workbench used to record those too).
        auto store = history::HistoryStore::open(file("policy.sqlite3"));
        QVERIFY(store.has_value());
        model::RunSpec request;
        request.code = "print(1)\n";
        for (const auto& [id, status] : {std::pair{"kept-blocked", model::Status::Blocked},
                                         std::pair{"kept-engine", model::Status::EngineError},
                                         std::pair{"not-invalid", model::Status::InvalidRequest}}) {
            QCOMPARE(history::isRecorded(makeResult(id, status)), status != model::Status::InvalidRequest);
            QVERIFY(store->record(request, makeResult(id, status), "standard", "workbench").has_value());
        }
        QVERIFY(store->get("kept-blocked").has_value());
        QVERIFY(store->get("kept-engine").has_value());
        QVERIFY(!store->get("not-invalid").has_value());
    }

    void overrideReasonsAreKeptAndListed()
    {
        auto store = history::HistoryStore::open(file("override.sqlite3"));
        QVERIFY(store.has_value());
        const auto add = [&](const std::string& id, bool skip, const std::string& reason) {
            model::RunSpec request;
            request.code = "import os\n";
            request.skipCheck = skip;
            history::RecordContext context;
            context.policy = "standard";
            request.overrideReason = reason;
            return store->record(request, makeResult(id, model::Status::Ok), context).has_value();
        };
        QVERIFY(add("o1", true, "first reason"));
        QVERIFY(add("o2", false, "ignored: the check ran"));
        QVERIFY(add("o3", true, "second reason"));
        QVERIFY(add("o4", true, "first reason"));
        QVERIFY(add("o5", true, ""));
        QVERIFY(store->get("o2")->overrideReason.empty()); // a reason counts only with an override

        history::HistoryFilter overridden;
        overridden.overriddenOnly = true;
        auto rows = store->list(overridden);
        QVERIFY(rows.has_value());
        QStringList ids;
        for (const auto& row : *rows) {
            QVERIFY(row.checkSkipped);
            ids << QString::fromStdString(row.runId);
        }
        QCOMPARE(ids, (QStringList{"o5", "o4", "o3", "o1"}));
        QCOMPARE((*rows)[1].overrideReason, std::string("first reason"));
        overridden.status = "blocked";
        QCOMPARE(store->list(overridden)->size(), std::size_t{0});

        auto reasons = store->recentOverrideReasons(10);
        QVERIFY(reasons.has_value());
        QCOMPARE(*reasons, (std::vector<std::string>{"first reason", "second reason"}));
        QCOMPARE(store->recentOverrideReasons(1)->size(), std::size_t{1});
    }

    void limitsFromJson_data()
    {
        QTest::addColumn<QString>("edit");
        QTest::addColumn<QString>("code");
        QTest::newRow("as stored") << QString() << QString();
        QTest::newRow("missing field") << "remove:pids"
                                       << "history.limits";
        QTest::newRow("mistyped field") << "string:memory"
                                        << "history.limits";
        QTest::newRow("older spelling") << "rename:memory_bytes" << QString();
        QTest::newRow("fraction for an integer") << "half:pids"
                                                 << "history.limits";
        QTest::newRow("out of range") << "big:memory"
                                      << "history.limits";
    }

    void limitsFromJson()
    {
        QFETCH(QString, edit);
        QFETCH(QString, code);
        model::Limits original;
        original.timeoutSeconds = 2.5;
        original.memoryBytes = 100000ll * 1024; // not a whole MiB: restored to the byte
        original.memorySwapBytes = original.memoryBytes * 2;
        original.cpus = 0.75;
        original.pids = 33;
        original.outputLimitBytes = 3000;
        original.tmpfsBytes = 5ll << 20;
        original.network = "bridge";
        original.runtime = "runsc";
        auto json = model::toJson(original);
        const QString key = edit.section(u':', 1);
        const std::string field = key.toStdString();
        if (edit.startsWith(u"remove"))
            json.erase(field);
        else if (edit.startsWith(u"string"))
            json[field] = "lots";
        else if (edit.startsWith(u"rename")) {
            json[field] = json["memory"];
            json.erase("memory");
        } else if (edit.startsWith(u"half"))
            json[field] = 32.5;
        else if (edit.startsWith(u"big"))
            json[field] = 1ll << 50;
        const auto restored = history::limitsFromJson(json);
        if (code.isEmpty()) {
            QVERIFY2(restored.has_value(), restored ? "" : restored.error().message.c_str());
            QVERIFY(*restored == original);
        } else {
            QVERIFY(!restored.has_value());
            QCOMPARE(QString::fromStdString(restored.error().code), code);
            if (code == u"history.limits")
                QVERIFY2(restored.error().message.find(field) != std::string::npos,
                         restored.error().message.c_str());
        }
    }

    void listsNewestFirstWithFilters()
    {
        auto store = history::HistoryStore::open(file("list.sqlite3"));
        QVERIFY(store.has_value());
        model::RunSpec request;
        request.code = "\n\n   import os\nos.system('ls')\n";
        for (int i = 0; i < 5; ++i) {
            const auto status = i % 2 == 0 ? model::Status::Blocked : model::Status::Ok;
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
            QVERIFY(store->record({}, makeResult("p" + std::to_string(i), model::Status::Ok), "standard")
                        .has_value());
        }
        auto all = store->list({});
        QCOMPARE(all->size(), std::size_t{3});
        QCOMPARE(all->back().runId, std::string("p3"));
    }

    // Issue 21 item 8: code is cut like output (head kept, flagged, size and hash kept), and so are
    // findings. 20 blocked requests of 1.9 MiB each grew the file by 42 MiB before.
    void capsStoredCodeAndFindings()
    {
        const std::string path = file("bigcode.sqlite3");
        auto store = history::HistoryStore::open(path);
        QVERIFY(store.has_value());
        const qint64 before = diskBytes(path);
        const std::size_t codeBytes = 1900 * 1024;
        for (int i = 0; i < 20; ++i) {
            auto [request, result] = bigBlockedRun("big" + std::to_string(i), codeBytes);
            QVERIFY(store->record(request, result, "standard", "rest").has_value());
        }
        const qint64 grown = diskBytes(path) - before;
        std::printf("20 blocked runs of 1.9 MiB code: the history grew by %.1f MiB\n", grown / 1048576.0);
        QVERIFY2(grown < 16ll << 20, std::to_string(grown).c_str()); // 20 x (256 KiB code + 64 KiB findings)

        const auto [request, result] = bigBlockedRun("big19", codeBytes);
        auto record = store->get("big19");
        QVERIFY(record.has_value());
        QVERIFY(record->codeCapped);
        QCOMPARE(record->code.size(), history::MaxStoredCodeBytes);
        QCOMPARE(record->code, request.code.substr(0, history::MaxStoredCodeBytes)); // the head
        QCOMPARE(record->codeBytes, static_cast<std::int64_t>(codeBytes));
        QCOMPARE(record->codeSha256, sha256(request.code));
        QVERIFY(record->findingsCapped);
        QVERIFY(!record->findings.empty());
        QVERIFY(record->findings.dump().size() <= history::MaxStoredFindingsBytes);
        QCOMPARE(record->findings[0].value("line", 0), 2); // the first ones are kept
        const auto json = history::toJson(*record);
        QCOMPARE(json["history_capped"]["code"].get<bool>(), true);
        QCOMPARE(json["history_capped"]["findings"].get<bool>(), true);
        QCOMPARE(json["code_bytes"].get<std::int64_t>(), static_cast<std::int64_t>(codeBytes));
        QCOMPARE(json["code_sha256"].get<std::string>(), sha256(request.code));

        // Code that fits is kept whole, with its size and hash; a cut never splits a UTF-8 sequence.
        model::RunSpec small;
        small.code = "print('h\xc3\xa9')\n";
        QVERIFY(store->record(small, makeResult("small0001", model::Status::Ok), "standard").has_value());
        auto kept = store->get("small0001");
        QCOMPARE(kept->code, small.code);
        QVERIFY(!kept->codeCapped);
        QCOMPARE(kept->codeSha256, sha256(small.code));
        model::RunSpec wide;
        wide.code = "#" + std::string(history::MaxStoredCodeBytes, 'x');
        wide.code.replace(history::MaxStoredCodeBytes - 1, 2, "\xc3\xa9");
        QVERIFY(store->record(wide, makeResult("wide0001", model::Status::Ok), "standard").has_value());
        auto cut = store->get("wide0001");
        QCOMPARE(cut->code.size(), history::MaxStoredCodeBytes - 1);
        QVERIFY(cut->codeCapped);
    }

    // Issue 21 item 8: the history is bounded by the bytes it holds, not only by its number of rows.
    void prunesBeyondMaxBytes()
    {
        const std::string path = file("bytes.sqlite3");
        auto store = history::HistoryStore::open(path);
        QVERIFY(store.has_value());
        store->setMaxBytes(1); // raised to the minimum
        const std::int64_t bound = history::MinMaxHistoryBytes;
        for (int i = 0; i < 40; ++i) {
            model::RunSpec request;
            request.code = std::string(history::MaxStoredCodeBytes, 'c');
            request.stdinData = std::string(history::MaxStoredOutputBytes, 'i');
            auto result = makeResult("s" + std::to_string(i), model::Status::Ok);
            result.stdoutData = result.stderrData = result.output =
                std::string(history::MaxStoredOutputBytes, 'o');
            QVERIFY(store->record(request, result, "standard").has_value());
            auto stored = store->storedBytes();
            QVERIFY(stored.has_value());
            QVERIFY2(*stored <= bound, std::to_string(*stored).c_str());
        }
        history::HistoryFilter everything;
        everything.limit = 1000;
        auto all = store->list(everything);
        QVERIFY(all.has_value());
        QVERIFY2(all->size() >= 2 && all->size() < 40, std::to_string(all->size()).c_str());
        QCOMPARE(all->front().runId, std::string("s39")); // the newest stay, the oldest went
        QCOMPARE(all->back().runId, "s" + std::to_string(40 - all->size()));
        // Deleted rows' pages are reused: the file stays near the bound (40 rows would be 50 MiB).
        QVERIFY2(diskBytes(path) < 4 * bound, std::to_string(diskBytes(path)).c_str());

        // A run bigger than the bound on its own is still recorded (and replaces everything else).
        model::RunSpec huge;
        huge.code = "x";
        auto result = makeResult("huge0001", model::Status::Ok);
        result.findings.clear();
        for (int i = 0; i < 2000; ++i) {
            result.findings.push_back({"r", safety::Severity::Warn, i, 1, i, 2, std::string(100, 'f'), ""});
        }
        result.stdoutData = result.stderrData = result.output = std::string(1 << 20, 'o');
        QVERIFY(store->record(huge, result, "standard").has_value());
        QVERIFY(store->get("huge0001").has_value());
    }

    void maxBytesFromTheEnvironment()
    {
        const std::string path = file("env.sqlite3");
        for (const char* bad : {"1m", "lots", "-5"}) {
            qputenv("AGENTRUN_HISTORY_MAX_BYTES", bad);
            auto store = history::HistoryStore::open(path);
            QVERIFY2(!store.has_value(), bad);
            QCOMPARE(store.error().code, std::string("history.max_bytes"));
            QVERIFY2(store.error().message.find("AGENTRUN_HISTORY_MAX_BYTES") != std::string::npos &&
                         store.error().message.find("at least 4 MiB") != std::string::npos,
                     store.error().message.c_str());
        }
        qputenv("AGENTRUN_HISTORY_MAX_BYTES", "8m");
        auto store = history::HistoryStore::open(path);
        qunsetenv("AGENTRUN_HISTORY_MAX_BYTES");
        QVERIFY2(store.has_value(), store ? "" : store.error().message.c_str());
        for (int i = 0; i < 12; ++i) {
            model::RunSpec request;
            request.code = std::string(history::MaxStoredCodeBytes, 'c');
            auto result = makeResult("e" + std::to_string(i), model::Status::Ok);
            result.stdoutData = result.output = std::string(history::MaxStoredOutputBytes, 'o');
            QVERIFY(store->record(request, result, "standard").has_value());
        }
        QVERIFY(*store->storedBytes() <= 8ll << 20);
        QVERIFY(*store->storedBytes() > 6ll << 20); // 8 MiB, not the minimum
    }

    void failedWriteIsAnErrorAndLeavesNoRow()
    {
        const std::string path = file("locked.sqlite3");
        auto store = history::HistoryStore::open(path);
        QVERIFY(store.has_value());
        store->setBusyTimeout(std::chrono::milliseconds(50));
        RawConnection other(path);
        QCOMPARE(other.exec("BEGIN EXCLUSIVE"), SQLITE_OK);
        auto written = store->record({}, makeResult("locked1", model::Status::Ok), "standard");
        QVERIFY(!written.has_value());
        QCOMPARE(written.error().code, std::string("history.write"));
        const std::string expected = "Could not write the run history to " + path + ": ";
        QVERIFY2(written.error().message.starts_with(expected), written.error().message.c_str());
        QCOMPARE(other.exec("COMMIT"), SQLITE_OK);
        QCOMPARE(store->get("locked1").error().code, std::string("history.not_found"));
        QVERIFY(store->record({}, makeResult("locked2", model::Status::Ok), "standard").has_value());
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

    // `run --no-check --reason` keeps the reason; `history` lists and shows it. The engine is a dead
    // socket, so the run ends as engine_error after the (skipped) check, without any container.
    void cliKeepsTheOverrideReason()
    {
        const QString home = QString::fromStdString(file("reasonhome"));
        const auto runCli = [&home](const QStringList& args, const QByteArray& input) {
            QProcess cli;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert("XDG_DATA_HOME", home);
            env.insert("DOCKER_HOST", "unix://" + home + "/no-engine.sock");
            cli.setProcessEnvironment(env);
            cli.start(AGENTRUN_CLI, args);
            cli.write(input);
            cli.closeWriteChannel();
            cli.waitForFinished(30000);
            QByteArray text = cli.readAllStandardOutput();
            text += cli.readAllStandardError();
            return std::make_pair(cli.exitCode(), text);
        };
        const QByteArray code = "import os\nos.system('true')\n";
        auto [usage, usageText] = runCli({"run", "--reason", "why not", "-"}, code);
        QCOMPARE(usage, 2);
        QVERIFY2(usageText.contains("--reason says why the check is skipped"), usageText.constData());

        auto [status, text] = runCli({"run", "--no-check", "--reason", "only runs true", "-"}, code);
        QCOMPARE(status, 3);
        auto [listStatus, list] = runCli({"history", "list", "--overridden", "--json"}, {});
        QCOMPARE(listStatus, 0);
        const auto runs = nlohmann::json::parse(list.toStdString())["runs"];
        QCOMPARE(runs.size(), std::size_t{1});
        QCOMPARE(runs[0]["override_reason"].get<std::string>(), std::string("only runs true"));
        QCOMPARE(runs[0]["check_skipped"].get<bool>(), true);
        const QString id = QString::fromStdString(runs[0]["run_id"].get<std::string>());
        auto [showStatus, shown] = runCli({"history", "show", id}, {});
        QCOMPARE(showStatus, 0);
        QVERIFY2(shown.contains("  check:   overridden, reason: only runs true\n"), shown.constData());
        auto [plainStatus, plain] = runCli({"history", "list"}, {});
        QCOMPARE(plainStatus, 0);
        QVERIFY2(plain.contains("engine_error !"), plain.constData());
        QVERIFY2(plain.contains("check overridden: only runs true"), plain.constData());

        // A run with the check is not listed as overridden.
        runCli({"run", "-"}, code);
        auto [againStatus, again] = runCli({"history", "list", "--overridden", "--json"}, {});
        QCOMPARE(nlohmann::json::parse(again.toStdString())["runs"].size(), std::size_t{1});
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
