// The history's record of a run's artifacts (schema 5, issue 17): the figures' shapes always, their images
// within a per-run cap (beyond it: dropped with a note), the collected files' names and sizes; the images go
// with their run when it is pruned; a file of schema 4 migrates.
#include "agentrun/base64.h"
#include "agentrun/history/historystore.h"

#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <cstdlib>

using namespace agentrun;

namespace {

model::Figure figure(std::size_t bytes, char fill, int width, int height)
{
    model::Figure f;
    f.mime = "image/png";
    f.width = width;
    f.height = height;
    f.bytes = "\x89PNG" + std::string(bytes - 4, fill);
    f.stdoutOffset = 3;
    return f;
}

model::RunResult resultWithArtifacts(const std::string& id)
{
    model::RunResult result;
    result.runId = id;
    result.status = model::Status::Ok;
    result.exitCode = 0;
    result.stdoutData = "ab\ncd";
    result.figures = {figure(1000, 'a', 640, 480), figure(2000, 'b', 800, 600), figure(3000, 'c', 10, 20)};
    result.files.requested = true;
    result.files.inMemory = true;
    result.files.copied = {"out.csv", "outputs/plot.png"};
    result.files.sizes = {8, 12075};
    return result;
}

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
        if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0)) {
            value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
        }
        sqlite3_finalize(statement);
        return value;
    }
};

/// A file as agentrun wrote it at user_version 4 (its columns as schemas 1–4 made them), frozen here.
constexpr const char* SchemaV4File = R"sql(
CREATE TABLE runs (
    id INTEGER PRIMARY KEY, run_id TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL, source TEXT NOT NULL,
    status TEXT NOT NULL, exit_code INTEGER NOT NULL, message TEXT NOT NULL, error_code TEXT NOT NULL,
    policy TEXT NOT NULL, image TEXT NOT NULL, code BLOB NOT NULL, limits_json TEXT NOT NULL,
    findings_json TEXT NOT NULL, packages_json TEXT NOT NULL, stdout BLOB NOT NULL, stderr BLOB NOT NULL,
    output BLOB NOT NULL, stdout_capped INTEGER NOT NULL, stderr_capped INTEGER NOT NULL,
    output_capped INTEGER NOT NULL, stdout_truncated INTEGER NOT NULL, stderr_truncated INTEGER NOT NULL,
    check_ms REAL NOT NULL, install_ms REAL NOT NULL, run_ms REAL NOT NULL, total_ms REAL NOT NULL,
    peak_memory_bytes INTEGER NOT NULL, cpu_seconds REAL NOT NULL,
    stdin BLOB NOT NULL DEFAULT x'', stdin_capped INTEGER NOT NULL DEFAULT 0,
    profile TEXT NOT NULL DEFAULT '', check_skipped INTEGER NOT NULL DEFAULT 0,
    override_reason TEXT NOT NULL DEFAULT '', code_capped INTEGER NOT NULL DEFAULT 0,
    code_bytes INTEGER NOT NULL DEFAULT 0, code_sha256 TEXT NOT NULL DEFAULT '',
    findings_capped INTEGER NOT NULL DEFAULT 0, row_bytes INTEGER NOT NULL DEFAULT 0,
    session_id TEXT NOT NULL DEFAULT '', session_cell INTEGER NOT NULL DEFAULT 0);
CREATE INDEX runs_by_created ON runs(created_ms DESC, id DESC);
CREATE INDEX runs_by_status ON runs(status, created_ms DESC, id DESC);
CREATE INDEX runs_by_override ON runs(check_skipped, created_ms DESC, id DESC);
CREATE INDEX runs_by_size ON runs(id, row_bytes);
INSERT INTO runs (id, run_id, created_ms, source, status, exit_code, message, error_code, policy, image, code,
    limits_json, findings_json, packages_json, stdout, stderr, output, stdout_capped, stderr_capped,
    output_capped, stdout_truncated, stderr_truncated, check_ms, install_ms, run_ms, total_ms,
    peak_memory_bytes, cpu_seconds, code_bytes, row_bytes, session_id, session_cell)
VALUES (1, 'v4run00000000001', 1700000000000, 'rest', 'ok', 0, '', '', 'standard', 'agentrun-sandbox:latest',
    CAST('print(1)' AS BLOB), '{}', '[]', '[]', CAST('1' AS BLOB), x'', CAST('1' AS BLOB), 0, 0, 0, 0, 0,
    1.0, 0.0, 40.0, 41.0, 9437184, 0.01, 8, 600, 'abcdef0123456789', 3);
PRAGMA user_version = 4;
)sql";

} // namespace

class TestHistoryArtifacts : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::string file(const char* name) const { return m_dir.path().toStdString() + "/" + name; }

private Q_SLOTS:
    void init() { ::unsetenv("AGENTRUN_HISTORY_FIGURE_BYTES"); }

    void recordsFiguresWithinTheCapAndFiles()
    {
        auto store = history::HistoryStore::open(file("cap.sqlite3"));
        QVERIFY2(store, store ? "" : store.error().message.c_str());
        store->setMaxFigureBytes(3500); // the first two images (1000 + 2000 bytes) fit, the third does not
        const auto result = resultWithArtifacts("0123456789abcdef");
        QVERIFY(store->record(model::RunSpec{}, result, "standard", "rest"));
        auto record = store->get("0123456789abcdef");
        QVERIFY2(record, record ? "" : record.error().message.c_str());
        QCOMPARE(record->figures.size(), std::size_t{3});
        for (int i = 0; i < 3; ++i) {
            const auto& stored = record->figures[static_cast<std::size_t>(i)];
            const auto& original = result.figures[static_cast<std::size_t>(i)];
            QCOMPARE(stored.index, i);
            QCOMPARE(stored.mime, std::string("image/png"));
            QCOMPARE(stored.width, original.width);
            QCOMPARE(stored.height, original.height);
            QCOMPARE(stored.bytes, static_cast<std::int64_t>(original.bytes.size()));
            QCOMPARE(stored.stdoutOffset, std::int64_t{3});
        }
        QVERIFY(record->figures[0].stored && record->figures[0].data == result.figures[0].bytes);
        QVERIFY(record->figures[1].stored && record->figures[1].data == result.figures[1].bytes);
        QVERIFY(!record->figures[2].stored);
        QVERIFY(record->figures[2].data.empty());
        QVERIFY2(record->figures[2].note.starts_with("image not kept: the history keeps at most"),
                 record->figures[2].note.c_str());
        QCOMPARE(record->collectedFiles.size(), std::size_t{2});
        QCOMPARE(record->collectedFiles[1].path, std::string("outputs/plot.png"));
        QCOMPARE(record->collectedFiles[1].size, std::int64_t{12075});

        // The JSON of `history show --json` and GET /v2/runs/{id}.
        const auto json = history::toJson(*record);
        QCOMPARE(json["figures"].size(), std::size_t{3});
        QCOMPARE(base64Decode(json["figures"][1]["data"].get<std::string>()).value_or(""),
                 result.figures[1].bytes);
        QCOMPARE(json["figures"][2]["stored"].get<bool>(), false);
        QVERIFY(!json["figures"][2].contains("data"));
        QVERIFY(json["figures"][2].contains("note"));
        QCOMPARE(json["collected_files"][0]["path"].get<std::string>(), std::string("out.csv"));
        QCOMPARE(json["collected_files"][0]["size"].get<std::int64_t>(), std::int64_t{8});
        QCOMPARE(json["history_capped"]["collected_files"].get<bool>(), false);
    }

    void theImagesCountAgainstTheRowAndGoWithIt()
    {
        const std::string path = file("prune.sqlite3");
        auto store = history::HistoryStore::open(path);
        QVERIFY(store);
        QVERIFY(store->record(model::RunSpec{}, resultWithArtifacts("aaaa000000000001"), "standard"));
        auto withImages = store->storedBytes();
        auto none = resultWithArtifacts("aaaa000000000002");
        none.figures.clear();
        QVERIFY(store->record(model::RunSpec{}, none, "standard"));
        QVERIFY(withImages);
        QVERIFY2(*withImages > 6000, std::to_string(*withImages).c_str()); // the 6000 bytes of images count
        RawConnection raw(path);
        QCOMPARE(raw.scalar("SELECT count(*) FROM figures"), std::string("3"));
        store->setMaxRuns(1);
        auto last = resultWithArtifacts("aaaa000000000003");
        last.figures.resize(1);
        QVERIFY(store->record(model::RunSpec{}, last, "standard"));
        // The run with three images was pruned: its images went with it (ON DELETE CASCADE).
        QCOMPARE(raw.scalar("SELECT count(*) FROM runs"), std::string("1"));
        QCOMPARE(raw.scalar("SELECT count(*) FROM figures"), std::string("1"));
    }

    void theCapComesFromTheEnvironment()
    {
        ::setenv("AGENTRUN_HISTORY_FIGURE_BYTES", "0", 1);
        auto store = history::HistoryStore::open(file("env.sqlite3"));
        QVERIFY(store);
        QVERIFY(store->record(model::RunSpec{}, resultWithArtifacts("bbbb000000000001"), "standard"));
        auto record = store->get("bbbb000000000001");
        QVERIFY(record);
        QCOMPARE(record->figures.size(), std::size_t{3});
        for (const auto& f : record->figures) {
            QVERIFY(!f.stored && f.data.empty() && !f.note.empty()); // sizes only
        }
        ::setenv("AGENTRUN_HISTORY_FIGURE_BYTES", "lots", 1);
        auto refused = history::HistoryStore::open(file("env2.sqlite3"));
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, std::string("history.figure_bytes"));
        ::unsetenv("AGENTRUN_HISTORY_FIGURE_BYTES");
    }

    void manyFilesAreCutAndSaySo()
    {
        auto store = history::HistoryStore::open(file("files.sqlite3"));
        QVERIFY(store);
        auto result = resultWithArtifacts("cccc000000000001");
        result.files.copied.clear();
        result.files.sizes.clear();
        for (int i = 0; i < 5000; ++i) {
            result.files.copied.push_back("outputs/" + std::string(200, 'n') + std::to_string(i));
            result.files.sizes.push_back(1);
        }
        QVERIFY(store->record(model::RunSpec{}, result, "standard"));
        auto record = store->get("cccc000000000001");
        QVERIFY(record);
        QVERIFY(record->filesCapped);
        QVERIFY(!record->collectedFiles.empty());
        QVERIFY(record->collectedFiles.size() < 5000);
    }

    // A file of schema 4 opens, keeps its row (read with no artifacts), takes runs with them; the migration
    // runs once.
    void migratesFromSchema4()
    {
        const std::string path = file("v4.sqlite3");
        {
            RawConnection raw(path);
            QCOMPARE(raw.exec(SchemaV4File), SQLITE_OK);
            QCOMPARE(raw.scalar("PRAGMA user_version"), std::string("4"));
        }
        for (int round = 0; round < 2; ++round) {
            auto store = history::HistoryStore::open(path);
            QVERIFY2(store, store ? "" : store.error().message.c_str());
            auto old = store->get("v4run00000000001");
            QVERIFY2(old, old ? "" : old.error().message.c_str());
            QCOMPARE(old->sessionId, std::string("abcdef0123456789"));
            QVERIFY(old->figures.empty());
            QVERIFY(old->collectedFiles.empty());
            QCOMPARE(history::toJson(*old)["figures"].size(), std::size_t{0});
            if (round == 0) {
                QVERIFY(store->record(model::RunSpec{}, resultWithArtifacts("dddd000000000001"), "rest"));
            }
            auto fresh = store->get("dddd000000000001");
            QVERIFY(fresh);
            QCOMPARE(fresh->figures.size(), std::size_t{3});
            QVERIFY(fresh->figures[0].stored);
            QCOMPARE(fresh->figures[0].data, resultWithArtifacts("x").figures[0].bytes);
        }
        RawConnection raw(path);
        QCOMPARE(raw.scalar("PRAGMA user_version"), std::to_string(history::HistoryStore::SchemaVersion));
        // 598 bytes of the row's own + 4 for schema 5's empty lists + 2 for schema 6's.
        QCOMPARE(raw.scalar("SELECT row_bytes FROM runs WHERE run_id = 'v4run00000000001'"),
                 std::string("606"));
    }

    // Schema 6 (issue 19): what the egress proxy recorded and the bytes moved, the first 500 requests.
    void keepsTheNetwork()
    {
        auto store = history::HistoryStore::open(file("network.sqlite3"));
        QVERIFY(store);
        model::RunResult result;
        result.runId = "eeee000000000001";
        result.status = model::Status::NetworkLimit;
        result.networkBytes = 3 << 20;
        result.connections.push_back({"api.test", 443, "CONNECT", true, 200, 812, 4411, 37});
        for (int i = 0; i < 600; ++i) {
            result.connections.push_back(
                {"other" + std::to_string(i) + ".test", 80, "GET", false, 403, 90, 3890, 0});
        }
        QVERIFY(store->record(model::RunSpec{}, result, "standard"));
        auto record = store->get("eeee000000000001");
        QVERIFY(record);
        QCOMPARE(record->status, std::string("network_limit"));
        QCOMPARE(record->networkBytes, std::int64_t{3 << 20});
        QCOMPARE(record->connections.size(), history::MaxStoredConnections);
        QVERIFY(record->connections.front() == result.connections.front());
        QVERIFY(record->connections.back() == result.connections[history::MaxStoredConnections - 1]);
        const auto json = history::toJson(*record);
        QCOMPARE(json["network"]["bytes"].get<std::int64_t>(), std::int64_t{3 << 20});
        QCOMPARE(json["network"]["connections"][0]["host"].get<std::string>(), std::string("api.test"));
        QVERIFY(json["network"]["connections"][0]["allowed"].get<bool>());
        // A run without network has no "network" object.
        result.runId = "eeee000000000002";
        result.connections.clear();
        result.networkBytes = 0;
        QVERIFY(store->record(model::RunSpec{}, result, "standard"));
        QVERIFY(!history::toJson(*store->get("eeee000000000002")).contains("network"));
    }
};

QTEST_GUILESS_MAIN(TestHistoryArtifacts)
#include "tst_historyartifacts.moc"
