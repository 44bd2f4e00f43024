#include "agentrun/history/historystore.h"

#include "agentrun/safety/reportjson.h"
#include "history/sqlite.h"

#include <cstdlib>
#include <iterator>
#include <mutex>
#include <system_error>

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

/// Migrations[v] takes a file from schema v to v + 1.
constexpr const char* Migrations[] = {SchemaV1, SchemaV2};
static_assert(static_cast<int>(std::size(Migrations)) == HistoryStore::SchemaVersion);

constexpr const char* SelectColumns =
    "run_id, created_ms, source, status, exit_code, message, error_code, policy, image, code, limits_json, "
    "findings_json, packages_json, stdout, stderr, output, stdout_capped, stderr_capped, output_capped, "
    "stdout_truncated, stderr_truncated, check_ms, install_ms, run_ms, total_ms, peak_memory_bytes, "
    "cpu_seconds, stdin, stdin_capped, profile, check_skipped, override_reason";

std::int64_t nowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Cuts to the cap; the flag says whether anything was cut.
std::string_view capped(std::string_view bytes, bool& cut)
{
    cut = bytes.size() > MaxStoredOutputBytes;
    return cut ? bytes.substr(0, MaxStoredOutputBytes) : bytes;
}

nlohmann::json parseOr(const std::string& text, nlohmann::json fallback)
{
    auto parsed = nlohmann::json::parse(text, nullptr, false);
    return parsed.is_discarded() ? fallback : parsed;
}

RunRecord readRecord(const Statement& row)
{
    RunRecord r;
    int c = 0;
    r.runId = row.text(c++);
    r.createdMs = row.integer(c++);
    r.source = row.text(c++);
    r.status = row.text(c++);
    r.exitCode = static_cast<int>(row.integer(c++));
    r.message = row.text(c++);
    r.errorCode = row.text(c++);
    r.policy = row.text(c++);
    r.image = row.text(c++);
    r.code = row.text(c++);
    r.limits = parseOr(row.text(c++), nlohmann::json::object());
    r.findings = parseOr(row.text(c++), nlohmann::json::array());
    const auto packages = parseOr(row.text(c++), nlohmann::json::array());
    for (const auto& package : packages) {
        if (package.is_string()) {
            r.packages.push_back(package.get<std::string>());
        }
    }
    r.stdoutData = row.text(c++);
    r.stderrData = row.text(c++);
    r.output = row.text(c++);
    r.stdoutCapped = row.integer(c++) != 0;
    r.stderrCapped = row.integer(c++) != 0;
    r.outputCapped = row.integer(c++) != 0;
    r.stdoutTruncated = row.integer(c++) != 0;
    r.stderrTruncated = row.integer(c++) != 0;
    r.durations.checkMs = row.real(c++);
    r.durations.installMs = row.real(c++);
    r.durations.runMs = row.real(c++);
    r.durations.totalMs = row.real(c++);
    r.peakMemoryBytes = row.integer(c++);
    r.cpuSeconds = row.real(c++);
    r.stdinData = row.text(c++);
    r.stdinCapped = row.integer(c++) != 0;
    r.profile = row.text(c++);
    r.checkSkipped = row.integer(c++) != 0;
    r.overrideReason = row.text(c++);
    return r;
}

std::string preview(const std::string& code)
{
    std::size_t start = 0;
    while (start < code.size()) {
        std::size_t end = code.find('\n', start);
        if (end == std::string::npos) {
            end = code.size();
        }
        std::string line = code.substr(start, end - start);
        const auto first = line.find_first_not_of(" \t\r");
        if (first != std::string::npos) {
            line = line.substr(first);
            if (line.size() > 80) {
                std::size_t cut = 80;
                while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) {
                    --cut; // never split a UTF-8 sequence
                }
                line = line.substr(0, cut) + "…";
            }
            return line;
        }
        start = end + 1;
    }
    return {};
}

/// Brings the file to SchemaVersion, one step per version, in one transaction. The version is read again
/// under the write lock: another process may have migrated the file since it was first read.
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
        return rollback(Error{"history.open", d.lastError()});
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

} // namespace

class HistoryStore::Impl
{
public:
    std::filesystem::path path;
    Database db;
    std::mutex mutex;
    std::int64_t maxRuns = 10000;

    Error writeError(const std::string& detail) const
    {
        return Error{"history.write", "Could not write the run history to " + path.string() + ": " + detail};
    }
    Error readError(const std::string& detail) const
    {
        return Error{"history.read", "Could not read the run history in " + path.string() + ": " + detail};
    }
};

HistoryStore::HistoryStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
HistoryStore::HistoryStore(HistoryStore&&) noexcept = default;
HistoryStore& HistoryStore::operator=(HistoryStore&&) noexcept = default;
HistoryStore::~HistoryStore() = default;

std::filesystem::path HistoryStore::defaultPath()
{
    const char* xdg = std::getenv("XDG_DATA_HOME");
    std::filesystem::path base;
    if (xdg && *xdg == '/') {
        base = xdg;
    } else {
        const char* home = std::getenv("HOME");
        base = std::filesystem::path(home && *home ? home : ".") / ".local" / "share";
    }
    return base / "agentrun" / "history.sqlite3";
}

Result<HistoryStore> HistoryStore::open(const std::filesystem::path& path)
{
    const auto openError = [&](const std::string& detail) {
        return fail("history.open", "Could not open the run history at " + path.string() + ": " + detail);
    };
    if (path.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(path.parent_path(), ec);
        if (ec) {
            return openError("cannot create its folder (" + ec.message() + ")");
        }
    }
    auto db = Database::open(path.string());
    if (!db) {
        return openError(db.error().message);
    }
    sqlite3_busy_timeout(db->handle(), 5000);
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->db = std::move(*db);
    Database& d = impl->db;

    auto version = d.prepare("PRAGMA user_version");
    if (!version || version->step() != SQLITE_ROW) {
        return openError(d.lastError());
    }
    const std::int64_t current = version->integer(0);
    *version = Statement();
    if (current > SchemaVersion) {
        return openError("it was written by a newer agentrun (schema " + std::to_string(current) +
                         ", this build knows " + std::to_string(SchemaVersion) +
                         "); use a newer agentrun or another file");
    }
    // WAL: readers (history list) never block the writer (a server recording runs).
    if (auto wal = d.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
        !wal) {
        return openError(wal.error().message);
    }
    if (current < SchemaVersion) {
        if (auto migrated = migrate(d); !migrated) {
            return openError(migrated.error().message);
        }
    }
    return HistoryStore(std::move(impl));
}

const std::filesystem::path& HistoryStore::path() const
{
    return m_impl->path;
}

void HistoryStore::setMaxRuns(std::int64_t maxRuns)
{
    std::lock_guard lock(m_impl->mutex);
    m_impl->maxRuns = maxRuns;
}

void HistoryStore::setBusyTimeout(std::chrono::milliseconds timeout)
{
    std::lock_guard lock(m_impl->mutex);
    sqlite3_busy_timeout(m_impl->db.handle(), static_cast<int>(timeout.count()));
}

Result<void> HistoryStore::record(const run::RunRequest& request, const run::RunResult& result,
                                  std::string_view policyName, std::string_view source)
{
    RecordContext context;
    context.policy = policyName;
    context.source = source;
    return record(request, result, context);
}

Result<void> HistoryStore::record(const run::RunRequest& request, const run::RunResult& result,
                                  const RecordContext& context)
{
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& finding : result.findings) {
        findings.push_back(safety::toJson(finding));
    }
    const auto dump = [](const nlohmann::json& json) {
        return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    bool stdoutCut = false;
    bool stderrCut = false;
    bool outputCut = false;
    const std::string_view out = capped(result.stdoutData, stdoutCut);
    const std::string_view err = capped(result.stderrData, stderrCut);
    const std::string_view combined = capped(result.output, outputCut);
    bool stdinCut = false;
    const std::string_view input = capped(request.stdinData, stdinCut);

    std::lock_guard lock(m_impl->mutex);
    Database& d = m_impl->db;
    if (auto begun = d.exec("BEGIN IMMEDIATE"); !begun) {
        return std::unexpected(m_impl->writeError(begun.error().message));
    }
    const auto rollback = [&](const std::string& detail) {
        (void)d.exec("ROLLBACK");
        return std::unexpected(m_impl->writeError(detail));
    };
    auto insert = d.prepare(
        "INSERT INTO runs (run_id, created_ms, source, status, exit_code, message, error_code, policy, "
        "image, code, "
        "limits_json, findings_json, packages_json, stdout, stderr, output, stdout_capped, stderr_capped, "
        "output_capped, stdout_truncated, stderr_truncated, check_ms, install_ms, run_ms, total_ms, "
        "peak_memory_bytes, cpu_seconds, stdin, stdin_capped, profile, check_skipped, override_reason) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!insert) {
        return rollback(insert.error().message);
    }
    Statement& s = *insert;
    int i = 1;
    s.bind(i++, result.runId);
    s.bind(i++, nowMs());
    s.bind(i++, context.source);
    s.bind(i++, run::toString(result.status));
    s.bind(i++, std::int64_t{result.exitCode});
    s.bind(i++, result.message);
    s.bind(i++, result.errorCode);
    s.bind(i++, context.policy);
    s.bind(i++, result.image);
    s.bindBlob(i++, request.code);
    s.bind(i++, dump(limitsToJson(request.limits)));
    s.bind(i++, dump(findings));
    s.bind(i++, dump(nlohmann::json(result.packages)));
    s.bindBlob(i++, out);
    s.bindBlob(i++, err);
    s.bindBlob(i++, combined);
    s.bind(i++, std::int64_t{stdoutCut});
    s.bind(i++, std::int64_t{stderrCut});
    s.bind(i++, std::int64_t{outputCut});
    s.bind(i++, std::int64_t{result.stdoutTruncated});
    s.bind(i++, std::int64_t{result.stderrTruncated});
    s.bind(i++, result.durations.checkMs);
    s.bind(i++, result.durations.installMs);
    s.bind(i++, result.durations.runMs);
    s.bind(i++, result.durations.totalMs);
    s.bind(i++, result.peakMemoryBytes);
    s.bind(i++, result.cpuSeconds);
    s.bindBlob(i++, input);
    s.bind(i++, std::int64_t{stdinCut});
    s.bind(i++, context.profile);
    s.bind(i++, std::int64_t{request.skipCheck});
    s.bind(i++, request.skipCheck ? std::string_view(context.overrideReason) : std::string_view());
    if (s.step() != SQLITE_DONE) {
        const std::string detail = d.lastError();
        s = Statement();
        return rollback(detail);
    }
    s = Statement();
    if (m_impl->maxRuns > 0) {
        auto prune =
            d.prepare("DELETE FROM runs WHERE id <= (SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?)");
        if (!prune) {
            return rollback(prune.error().message);
        }
        prune->bind(1, m_impl->maxRuns);
        if (prune->step() != SQLITE_DONE) {
            const std::string detail = d.lastError();
            *prune = Statement();
            return rollback(detail);
        }
    }
    if (auto committed = d.exec("COMMIT"); !committed) {
        return rollback(committed.error().message);
    }
    return {};
}

Result<std::vector<RunSummary>> HistoryStore::list(const HistoryFilter& filter)
{
    std::lock_guard lock(m_impl->mutex);
    std::string sql =
        "SELECT run_id, created_ms, source, status, exit_code, message, policy, substr(code, 1, 4096), "
        "total_ms, peak_memory_bytes, check_skipped, override_reason FROM runs";
    if (!filter.status.empty()) {
        sql += " WHERE status = ?";
    }
    if (filter.overriddenOnly) {
        sql += filter.status.empty() ? " WHERE check_skipped = 1" : " AND check_skipped = 1";
    }
    sql += " ORDER BY created_ms DESC, id DESC LIMIT ? OFFSET ?";
    auto query = m_impl->db.prepare(sql);
    if (!query) {
        return std::unexpected(m_impl->readError(query.error().message));
    }
    int i = 1;
    if (!filter.status.empty()) {
        query->bind(i++, filter.status);
    }
    query->bind(i++, std::int64_t{filter.limit});
    query->bind(i++, std::int64_t{filter.offset});
    std::vector<RunSummary> rows;
    int rc = 0;
    while ((rc = query->step()) == SQLITE_ROW) {
        RunSummary row;
        row.runId = query->text(0);
        row.createdMs = query->integer(1);
        row.source = query->text(2);
        row.status = query->text(3);
        row.exitCode = static_cast<int>(query->integer(4));
        row.message = query->text(5);
        row.policy = query->text(6);
        row.codePreview = preview(query->text(7));
        row.totalMs = query->real(8);
        row.peakMemoryBytes = query->integer(9);
        row.checkSkipped = query->integer(10) != 0;
        row.overrideReason = query->text(11);
        rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(m_impl->readError(m_impl->db.lastError()));
    }
    return rows;
}

Result<RunRecord> HistoryStore::get(std::string_view runId)
{
    std::lock_guard lock(m_impl->mutex);
    const auto lookup = [&](const std::string& where,
                            const std::string& key) -> Result<std::vector<RunRecord>> {
        auto query = m_impl->db.prepare(std::string("SELECT ") + SelectColumns + " FROM runs WHERE " + where +
                                        " LIMIT 2");
        if (!query) {
            return std::unexpected(m_impl->readError(query.error().message));
        }
        query->bind(1, key);
        std::vector<RunRecord> found;
        int rc = 0;
        while ((rc = query->step()) == SQLITE_ROW) {
            found.push_back(readRecord(*query));
        }
        if (rc != SQLITE_DONE) {
            return std::unexpected(m_impl->readError(m_impl->db.lastError()));
        }
        return found;
    };
    const std::string key(runId);
    auto exact = lookup("run_id = ?", key);
    if (!exact) {
        return std::unexpected(exact.error());
    }
    if (!exact->empty()) {
        return std::move(exact->front());
    }
    if (key.size() >= 4 && key.find_first_not_of("0123456789abcdef") == std::string::npos) {
        auto prefixed = lookup("substr(run_id, 1, " + std::to_string(key.size()) + ") = ?", key);
        if (!prefixed) {
            return std::unexpected(prefixed.error());
        }
        if (prefixed->size() == 1) {
            return std::move(prefixed->front());
        }
        if (prefixed->size() > 1) {
            return fail("history.ambiguous",
                        "More than one run starts with " + key + ": give more of the id.");
        }
    }
    return fail("history.not_found", "No run " + key + " in the history (" + m_impl->path.string() + ").");
}

Result<std::vector<std::string>> HistoryStore::recentOverrideReasons(int limit)
{
    std::lock_guard lock(m_impl->mutex);
    auto query = m_impl->db.prepare("SELECT override_reason FROM runs WHERE override_reason != '' "
                                    "GROUP BY override_reason ORDER BY max(id) DESC LIMIT ?");
    if (!query) {
        return std::unexpected(m_impl->readError(query.error().message));
    }
    query->bind(1, std::int64_t{limit});
    std::vector<std::string> reasons;
    int rc = 0;
    while ((rc = query->step()) == SQLITE_ROW) {
        reasons.push_back(query->text(0));
    }
    if (rc != SQLITE_DONE) {
        return std::unexpected(m_impl->readError(m_impl->db.lastError()));
    }
    return reasons;
}

} // namespace agentrun::history
