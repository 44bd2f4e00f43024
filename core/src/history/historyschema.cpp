// The history file's schema, version by version, and the migration that brings a file to this build's.
#include "agentrun/history/historystore.h"
#include "history/schema.h"
#include "agentrun/errorcodes.h"

#include <iterator>

namespace agentrun::history {

namespace {

constexpr const char* SchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    exit_code INTEGER NOT NULL,
    message TEXT NOT NULL,
    error_code TEXT NOT NULL,
    policy TEXT NOT NULL,
    image TEXT NOT NULL,
    code BLOB NOT NULL,
    limits_json TEXT NOT NULL,
    findings_json TEXT NOT NULL,
    packages_json TEXT NOT NULL,
    stdout BLOB NOT NULL,
    stderr BLOB NOT NULL,
    output BLOB NOT NULL,
    stdout_capped INTEGER NOT NULL,
    stderr_capped INTEGER NOT NULL,
    output_capped INTEGER NOT NULL,
    stdout_truncated INTEGER NOT NULL,
    stderr_truncated INTEGER NOT NULL,
    check_ms REAL NOT NULL,
    install_ms REAL NOT NULL,
    run_ms REAL NOT NULL,
    total_ms REAL NOT NULL,
    peak_memory_bytes INTEGER NOT NULL,
    cpu_seconds REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_created ON runs(created_ms DESC, id DESC);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs(status, created_ms DESC, id DESC);
)sql";

// Schema 2: what the program read, the profile, and whether (and why) the check was overridden. Added
// columns have defaults, so rows of schema 1 read as "no stdin, no profile, checked".
constexpr const char* SchemaV2 = R"sql(
ALTER TABLE runs ADD COLUMN stdin BLOB NOT NULL DEFAULT x'';
ALTER TABLE runs ADD COLUMN stdin_capped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN profile TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN check_skipped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN override_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS runs_by_override ON runs(check_skipped, created_ms DESC, id DESC);
)sql";

// Schema 3: the code is cut like output (its size and hash kept), findings are cut, and each row knows
// the bytes it holds, so that the history is bounded by size as well as by count. Rows of schema 2 were
// never cut: their size is their code's; their hash is computed when read.
constexpr const char* SchemaV3 =
    "ALTER TABLE runs ADD COLUMN code_capped INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE runs ADD COLUMN code_bytes INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE runs ADD COLUMN code_sha256 TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE runs ADD COLUMN findings_capped INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE runs ADD COLUMN row_bytes INTEGER NOT NULL DEFAULT 0;"
    // row_bytes: RowOverheadBytes (512) plus the bytes of the variable fields, as record() counts them.
    "UPDATE runs SET code_bytes = length(CAST(code AS BLOB)), row_bytes = 512 + length(CAST(code AS BLOB)) + "
    "length(CAST(stdout AS BLOB)) + length(CAST(stderr AS BLOB)) + length(CAST(output AS BLOB)) + "
    "length(CAST(stdin AS BLOB)) + length(CAST(findings_json AS BLOB)) + length(CAST(limits_json AS BLOB)) + "
    "length(CAST(packages_json AS BLOB)) + length(CAST(message AS BLOB)) + "
    "length(CAST(override_reason AS BLOB));"
    // The pruning walks (id, row_bytes) newest first: from this index, not from the rows' big blobs.
    "CREATE INDEX IF NOT EXISTS runs_by_size ON runs(id, row_bytes);";

// Schema 4: the session a run belonged to (empty: a fresh run) and its number in the session's sandbox.
constexpr const char* SchemaV4 = "ALTER TABLE runs ADD COLUMN session_id TEXT NOT NULL DEFAULT '';"
                                 "ALTER TABLE runs ADD COLUMN session_cell INTEGER NOT NULL DEFAULT 0;";

// Schema 5: the artifacts. The figures' shapes and the collected files' names and sizes as JSON in the
// row (rows before it have none: '[]', counted in row_bytes as record() counts them); the images kept
// (within the per-run cap) in their own table, removed with their run.
constexpr const char* SchemaV5 =
    "ALTER TABLE runs ADD COLUMN figures_json TEXT NOT NULL DEFAULT '[]';"
    "ALTER TABLE runs ADD COLUMN files_json TEXT NOT NULL DEFAULT '[]';"
    "ALTER TABLE runs ADD COLUMN files_capped INTEGER NOT NULL DEFAULT 0;"
    "UPDATE runs SET row_bytes = row_bytes + 4;"
    "CREATE TABLE IF NOT EXISTS figures (run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, "
    "idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (run, idx)) WITHOUT ROWID;";

// Schema 6: the network of an allowlisted (or open) run: what the egress proxy recorded, as JSON, and the
// bytes the sandbox moved (rows before it: none, counted in row_bytes as record() counts them).
constexpr const char* SchemaV6 = "ALTER TABLE runs ADD COLUMN network_json TEXT NOT NULL DEFAULT '[]';"
                                 "ALTER TABLE runs ADD COLUMN network_bytes INTEGER NOT NULL DEFAULT 0;"
                                 "UPDATE runs SET row_bytes = row_bytes + 2;";

/// Migrations[v] takes a file from schema v to v + 1.
constexpr const char* Migrations[] = {SchemaV1, SchemaV2, SchemaV3, SchemaV4, SchemaV5, SchemaV6};
static_assert(static_cast<int>(std::size(Migrations)) == HistoryStore::SchemaVersion);

} // namespace

static_assert(RowOverheadBytes == 512, "SchemaV3's row_bytes counts the same overhead");

Result<void> migrate(Database& d)
{
    if (auto begun = d.exec("BEGIN IMMEDIATE"); !begun) {
        return begun;
    }
    const auto rollback = [&d](Error error) {
        (void)d.exec("ROLLBACK");
        return Result<void>(std::unexpected(std::move(error)));
    };
    auto version = d.prepare("PRAGMA user_version");
    if (!version || version->step() != SQLITE_ROW) {
        return rollback(Error{errc::HistoryOpen, d.lastError()});
    }
    const std::int64_t current = version->integer(0);
    *version = Statement();
    for (std::int64_t v = current; v < HistoryStore::SchemaVersion; ++v) {
        if (auto step = d.exec(Migrations[static_cast<std::size_t>(v)]); !step) {
            return rollback(step.error());
        }
    }
    const std::string setVersion = "PRAGMA user_version = " + std::to_string(HistoryStore::SchemaVersion);
    if (current < HistoryStore::SchemaVersion) {
        if (auto set = d.exec(setVersion.c_str()); !set) {
            return rollback(set.error());
        }
    }
    if (auto committed = d.exec("COMMIT"); !committed) {
        return rollback(committed.error());
    }
    return {};
}

} // namespace agentrun::history
