#include "agentrun/history/historystore.h"

#include "agentrun/sha256.h"
#include "agentrun/model/runspecjson.h"

#include "agentrun/errorcodes.h"
#include "agentrun/safety/reportjson.h"
#include "history/artifacts.h"
#include "history/schema.h"
#include "history/sqlite.h"

#include "agentrun/model/limits.h"

#include <cstdlib>
#include <iterator>
#include <mutex>
#include <system_error>

namespace agentrun::history {

namespace {

constexpr const char* SelectColumns =
    "run_id, created_ms, source, status, exit_code, message, error_code, policy, image, code, limits_json, "
    "findings_json, packages_json, stdout, stderr, output, stdout_capped, stderr_capped, output_capped, "
    "stdout_truncated, stderr_truncated, check_ms, install_ms, run_ms, total_ms, peak_memory_bytes, "
    "cpu_seconds, stdin, stdin_capped, profile, check_skipped, override_reason, code_capped, code_bytes, "
    "code_sha256, findings_capped, session_id, session_cell, figures_json, files_json, files_capped, "
    "network_json, network_bytes, id";
constexpr int SelectColumnCount = 44;

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

/// The code's head up to MaxStoredCodeBytes, never splitting a UTF-8 sequence; the flag says when cut.
std::string_view cappedCode(std::string_view code, bool& cut)
{
    cut = code.size() > MaxStoredCodeBytes;
    if (!cut) {
        return code;
    }
    std::size_t end = MaxStoredCodeBytes;
    for (int back = 0; back < 3 && end > 0 && (static_cast<unsigned char>(code[end]) & 0xC0) == 0x80;
         ++back) {
        --end;
    }
    return code.substr(0, end);
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
    r.codeCapped = row.integer(c++) != 0;
    r.codeBytes = row.integer(c++);
    r.codeSha256 = row.text(c++);
    r.findingsCapped = row.integer(c++) != 0;
    r.sessionId = row.text(c++);
    r.sessionCell = static_cast<int>(row.integer(c++));
    for (const auto& item : parseOr(row.text(c++), nlohmann::json::array())) {
        if (!item.is_object()) {
            continue;
        }
        StoredFigure figure;
        figure.index = item.value("index", 0);
        figure.mime = item.value("mime", "");
        figure.width = item.value("width", 0);
        figure.height = item.value("height", 0);
        figure.bytes = item.value("bytes", std::int64_t{0});
        figure.stdoutOffset = item.value("stdout_offset", std::int64_t{0});
        figure.stored = item.value("stored", false); // its image is read from the figures table
        figure.note = item.value("note", "");
        r.figures.push_back(std::move(figure));
    }
    for (const auto& item : parseOr(row.text(c++), nlohmann::json::array())) {
        if (item.is_object()) {
            r.collectedFiles.push_back({item.value("path", ""), item.value("size", std::int64_t{0})});
        }
    }
    r.filesCapped = row.integer(c++) != 0;
    r.connections = model::connectionsFromJson(parseOr(row.text(c++), nlohmann::json::array()));
    r.networkBytes = row.integer(c++);
    if (r.codeSha256.empty() && !r.codeCapped) {
        r.codeSha256 = sha256Hex(r.code); // a row of schema 2: all of its code is there
    }
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

} // namespace

class HistoryStore::Impl
{
public:
    std::filesystem::path path;
    Database db;
    std::mutex mutex;
    std::int64_t maxRuns = 10000;
    std::int64_t maxBytes = DefaultMaxHistoryBytes;
    std::int64_t maxFigureBytes = DefaultMaxStoredFigureBytes;

    Error writeError(const std::string& detail) const
    {
        return Error{errc::HistoryWrite,
                     "Could not write the run history to " + path.string() + ": " + detail};
    }
    Error readError(const std::string& detail) const
    {
        return Error{errc::HistoryRead, "Could not read the run history in " + path.string() + ": " + detail};
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
        return fail(errc::HistoryOpen, "Could not open the run history at " + path.string() + ": " + detail);
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
    if (const char* bound = std::getenv("AGENTRUN_HISTORY_MAX_BYTES"); bound && *bound) {
        auto bytes = model::parseSize(bound, "AGENTRUN_HISTORY_MAX_BYTES");
        if (!bytes || *bytes < MinMaxHistoryBytes) {
            return fail(errc::HistoryMaxBytes, "AGENTRUN_HISTORY_MAX_BYTES=\"" + std::string(bound) +
                                                   "\" is not a history size: use at least " +
                                                   model::formatSize(MinMaxHistoryBytes) +
                                                   ", e.g. 256m or 2g, or unset it for the default " +
                                                   model::formatSize(DefaultMaxHistoryBytes) + ".");
        }
        impl->maxBytes = *bytes;
    }
    if (const char* cap = std::getenv("AGENTRUN_HISTORY_FIGURE_BYTES"); cap && *cap) {
        auto bytes = model::parseSize(cap, "AGENTRUN_HISTORY_FIGURE_BYTES");
        if (!bytes) {
            return fail(errc::HistoryFigureBytes,
                        "AGENTRUN_HISTORY_FIGURE_BYTES=\"" + std::string(cap).substr(0, 64) +
                            "\" is not a size: give the bytes of figure images to keep per run, e.g. 4m (0: "
                            "sizes only), or unset it for the default " +
                            model::formatSize(DefaultMaxStoredFigureBytes) + ".");
        }
        impl->maxFigureBytes = *bytes;
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

void HistoryStore::setMaxBytes(std::int64_t maxBytes)
{
    std::lock_guard lock(m_impl->mutex);
    m_impl->maxBytes = std::max(maxBytes, MinMaxHistoryBytes);
}

void HistoryStore::setMaxFigureBytes(std::int64_t maxBytes)
{
    std::lock_guard lock(m_impl->mutex);
    m_impl->maxFigureBytes = std::max<std::int64_t>(maxBytes, 0);
}

Result<std::int64_t> HistoryStore::storedBytes()
{
    std::lock_guard lock(m_impl->mutex);
    auto query = m_impl->db.prepare("SELECT coalesce(sum(row_bytes), 0) FROM runs");
    if (!query || query->step() != SQLITE_ROW) {
        return std::unexpected(m_impl->readError(m_impl->db.lastError()));
    }
    return query->integer(0);
}

void HistoryStore::setBusyTimeout(std::chrono::milliseconds timeout)
{
    std::lock_guard lock(m_impl->mutex);
    sqlite3_busy_timeout(m_impl->db.handle(), static_cast<int>(timeout.count()));
}

Result<void> HistoryStore::record(const model::RunSpec& request, const model::RunResult& result,
                                  std::string_view policyName, std::string_view source)
{
    RecordContext context;
    context.policy = policyName;
    context.source = source;
    return record(request, result, context);
}

bool isRecorded(const model::RunResult& result)
{
    return result.status != model::Status::InvalidRequest;
}

Result<void> HistoryStore::record(const model::RunSpec& request, const model::RunResult& result,
                                  const RecordContext& context)
{
    if (!isRecorded(result)) {
        return {};
    }
    const auto dump = [](const nlohmann::json& json) {
        return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    // Whole findings, first first, while they fit: a big blocked program has one per offending call.
    nlohmann::json findings = nlohmann::json::array();
    bool findingsCut = false;
    std::size_t findingsSize = 2;
    for (const auto& finding : result.findings) {
        auto json = safety::toJson(finding);
        findingsSize += dump(json).size() + 1;
        if (findingsSize > MaxStoredFindingsBytes) {
            findingsCut = true;
            break;
        }
        findings.push_back(std::move(json));
    }
    bool codeCut = false;
    const std::string_view code = cappedCode(request.code, codeCut);
    const std::string findingsJson = dump(findings);
    const std::string limitsJson = dump(model::toJson(request.limits));
    const std::string packagesJson = dump(nlohmann::json(result.packages));
    bool stdoutCut = false;
    bool stderrCut = false;
    bool outputCut = false;
    const std::string_view out = capped(result.stdoutData, stdoutCut);
    const std::string_view err = capped(result.stderrData, stderrCut);
    const std::string_view combined = capped(result.output, outputCut);
    bool stdinCut = false;
    const std::string_view input = capped(request.stdinData, stdinCut);
    const std::string_view reason = request.skipCheck ? std::string_view(request.overrideReason) : "";
    bool filesCut = false;
    const std::string filesJson = dump(filesMetadata(result.files, filesCut));
    const std::vector<model::Connection> kept(
        result.connections.begin(),
        result.connections.begin() +
            static_cast<std::ptrdiff_t>(std::min(result.connections.size(), MaxStoredConnections)));
    const std::string networkJson = dump(model::toJson(kept));

    std::lock_guard lock(m_impl->mutex);
    std::vector<std::size_t> storedImages;
    const std::string figuresJson = dump(figuresMetadata(result, m_impl->maxFigureBytes, storedImages));
    std::size_t imageBytes = 0;
    for (const auto i : storedImages) {
        imageBytes += result.figures[i].bytes.size();
    }
    const std::int64_t rowBytes = static_cast<std::int64_t>(
        RowOverheadBytes + code.size() + out.size() + err.size() + combined.size() + input.size() +
        findingsJson.size() + limitsJson.size() + packagesJson.size() + result.message.size() +
        reason.size() + figuresJson.size() + filesJson.size() + networkJson.size() + imageBytes);

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
        "peak_memory_bytes, cpu_seconds, stdin, stdin_capped, profile, check_skipped, override_reason, "
        "code_capped, code_bytes, code_sha256, findings_capped, row_bytes, session_id, session_cell, "
        "figures_json, files_json, files_capped, network_json, network_bytes) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!insert) {
        return rollback(insert.error().message);
    }
    Statement& s = *insert;
    int i = 1;
    s.bind(i++, result.runId);
    s.bind(i++, nowMs());
    s.bind(i++, context.source);
    s.bind(i++, model::toString(result.status));
    s.bind(i++, std::int64_t{result.exitCode});
    s.bind(i++, result.message);
    s.bind(i++, result.errorCode);
    s.bind(i++, context.policy);
    s.bind(i++, result.image);
    s.bindBlob(i++, code);
    s.bind(i++, limitsJson);
    s.bind(i++, findingsJson);
    s.bind(i++, packagesJson);
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
    s.bind(i++, request.profile);
    s.bind(i++, std::int64_t{request.skipCheck});
    s.bind(i++, reason);
    s.bind(i++, std::int64_t{codeCut});
    s.bind(i++, static_cast<std::int64_t>(request.code.size()));
    s.bind(i++, sha256Hex(request.code));
    s.bind(i++, std::int64_t{findingsCut});
    s.bind(i++, rowBytes);
    s.bind(i++, result.session ? result.session->id : std::string());
    s.bind(i++, std::int64_t{result.session ? result.session->cell : 0});
    s.bind(i++, figuresJson);
    s.bind(i++, filesJson);
    s.bind(i++, std::int64_t{filesCut});
    s.bind(i++, networkJson);
    s.bind(i++, result.networkBytes);
    if (s.step() != SQLITE_DONE) {
        const std::string detail = d.lastError();
        s = Statement();
        return rollback(detail);
    }
    s = Statement();
    const std::int64_t rowId = sqlite3_last_insert_rowid(d.handle());
    for (const auto index : storedImages) {
        auto image = d.prepare("INSERT INTO figures (run, idx, data) VALUES (?, ?, ?)");
        if (!image) {
            return rollback(image.error().message);
        }
        image->bind(1, rowId);
        image->bind(2, static_cast<std::int64_t>(index));
        image->bindBlob(3, result.figures[index].bytes);
        if (image->step() != SQLITE_DONE) {
            const std::string detail = d.lastError();
            *image = Statement();
            return rollback(detail);
        }
    }
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
    // By size: the oldest rows go while the rows hold more than the bound; the run just recorded stays.
    auto pruneBytes = d.prepare(
        "DELETE FROM runs WHERE id < (SELECT max(id) FROM runs) AND id <= (SELECT id FROM (SELECT id, "
        "sum(row_bytes) OVER (ORDER BY id DESC) AS total FROM runs INDEXED BY runs_by_size) WHERE total > ? "
        "ORDER BY id DESC LIMIT 1)");
    if (!pruneBytes) {
        return rollback(pruneBytes.error().message);
    }
    pruneBytes->bind(1, m_impl->maxBytes);
    if (pruneBytes->step() != SQLITE_DONE) {
        const std::string detail = d.lastError();
        *pruneBytes = Statement();
        return rollback(detail);
    }
    *pruneBytes = Statement();
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
        "total_ms, peak_memory_bytes, check_skipped, override_reason, error_code, profile, code_sha256, "
        "limits_json, run_ms, cpu_seconds FROM runs";
    std::vector<std::string> where;
    if (!filter.status.empty()) {
        where.emplace_back("status = ?");
    }
    if (filter.overriddenOnly) {
        where.emplace_back("check_skipped = 1");
    }
    if (!filter.codeSha256.empty()) {
        where.emplace_back("code_sha256 = ?");
    }
    for (std::size_t w = 0; w < where.size(); ++w) {
        sql += (w == 0 ? " WHERE " : " AND ") + where[w];
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
    if (!filter.codeSha256.empty()) {
        query->bind(i++, filter.codeSha256);
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
        row.errorCode = query->text(12);
        row.profile = query->text(13);
        row.codeSha256 = query->text(14);
        row.limits = parseOr(query->text(15), nlohmann::json::object());
        row.runMs = query->real(16);
        row.cpuSeconds = query->real(17);
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
        std::vector<std::int64_t> rowIds;
        int rc = 0;
        while ((rc = query->step()) == SQLITE_ROW) {
            found.push_back(readRecord(*query));
            rowIds.push_back(query->integer(SelectColumnCount - 1)); // "id", the last of SelectColumns
        }
        if (rc != SQLITE_DONE) {
            return std::unexpected(m_impl->readError(m_impl->db.lastError()));
        }
        if (found.size() == 1) {
            if (auto images = readImages(m_impl->db, rowIds.front(), found.front()); !images) {
                return std::unexpected(m_impl->readError(images.error().message));
            }
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
            return fail(errc::HistoryAmbiguous,
                        "More than one run starts with " + key + ": give more of the id.");
        }
    }
    if (key.size() < 4) {
        // Too short to look up as a prefix: say so, not that the run is missing.
        return fail(errc::HistoryNotFound, "No run is named " + key +
                                               ": give at least 4 characters of a run id " +
                                               "(agentrun history lists them).");
    }
    return fail(errc::HistoryNotFound, "No run " + key + " in the history (" + m_impl->path.string() + ").");
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
