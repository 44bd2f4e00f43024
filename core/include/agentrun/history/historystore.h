#pragma once

#include "agentrun/error.h"
#include "agentrun/model/runspec.h"
#include "agentrun/model/runresult.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::history {

/// Each of stdout, stderr and the combined output is stored up to this many bytes; a flag says when cut.
inline constexpr std::size_t MaxStoredOutputBytes = 256 * 1024;
/// The code is stored up to this many bytes (its head), with its full size and SHA-256; a flag says when
/// cut. A blocked run of 1.9 MiB of code otherwise cost the history 2 MiB a row.
inline constexpr std::size_t MaxStoredCodeBytes = 256 * 1024;
/// The findings are stored while their JSON fits in this many bytes (whole findings, first first).
inline constexpr std::size_t MaxStoredFindingsBytes = 64 * 1024;
/// The history's default bound on what its rows hold (code, output, findings, …), oldest pruned first.
inline constexpr std::int64_t DefaultMaxHistoryBytes = 256ll << 20;
/// The smallest byte bound accepted (setMaxBytes, AGENTRUN_HISTORY_MAX_BYTES): a few full rows.
inline constexpr std::int64_t MinMaxHistoryBytes = 4ll << 20;
/// The images of one run's figures the history keeps by default (whole images, first first); beyond it a
/// figure's size and shape are kept and the image is dropped with a note. A few plots of a notebook-like
/// session fit; a run that saves 32 large PNGs does not fill the history with them.
inline constexpr std::int64_t DefaultMaxStoredFigureBytes = 4ll << 20;
/// The collected files' names and sizes are stored while their JSON fits in this many bytes.
inline constexpr std::size_t MaxStoredFilesBytes = 64 * 1024;

/// A figure of a stored run (schema 5): its shape always, its image when it fitted the cap.
struct StoredFigure
{
    int index = 0; ///< its place in the run's figures
    std::string mime;
    int width = 0;
    int height = 0;
    std::int64_t bytes = 0; ///< the image's size
    std::int64_t stdoutOffset = 0;
    bool stored = false; ///< `data` holds the image
    std::string data;
    std::string note; ///< why the image was not kept
};

/// A file a stored run collected (schema 5): its name and size (the bytes are never stored).
struct StoredFile
{
    std::string path;
    std::int64_t size = 0;
};

/// One stored run: what was asked (code, policy, limits, image) and what came of it.
struct RunRecord
{
    std::string runId;
    std::int64_t createdMs = 0; ///< Unix time in milliseconds
    std::string source;         ///< "cli", "rest", "workbench"
    std::string status;         ///< as model::toString(model::Status)
    int exitCode = -1;
    std::string message;
    std::string errorCode;
    std::string policy;
    std::string image;
    std::string code;
    nlohmann::json limits = nlohmann::json::object();
    nlohmann::json findings = nlohmann::json::array();
    std::vector<std::string> packages;
    std::string stdoutData;
    std::string stderrData;
    std::string output;
    bool stdoutCapped = false; ///< cut to MaxStoredOutputBytes by the history
    bool stderrCapped = false;
    bool outputCapped = false;
    bool stdoutTruncated = false; ///< cut by the run's own output limit
    bool stderrTruncated = false;
    model::Durations durations;
    std::int64_t peakMemoryBytes = 0;
    double cpuSeconds = 0;
    // Schema 2 (empty or false in runs recorded before it):
    std::string stdinData;      ///< what the program read on stdin, up to MaxStoredOutputBytes
    bool stdinCapped = false;   ///< cut to MaxStoredOutputBytes by the history
    std::string profile;        ///< the profile the settings came from; empty: none or unknown
    bool checkSkipped = false;  ///< run with the static check overridden ("Run anyway", --no-check)
    std::string overrideReason; ///< why the check was overridden, as the person gave it
    // Schema 3 (rows recorded before it: never cut, codeBytes is the code's size):
    bool codeCapped = false;     ///< cut to MaxStoredCodeBytes by the history: `code` is only its head
    std::int64_t codeBytes = 0;  ///< the size of the code that ran
    std::string codeSha256;      ///< hex SHA-256 of the code that ran (all of it, also when cut)
    bool findingsCapped = false; ///< findings left out beyond MaxStoredFindingsBytes
    // Schema 4 (rows recorded before it: no session):
    std::string sessionId; ///< the session the run belonged to; empty: a fresh run
    int sessionCell = 0;   ///< its number in the session's sandbox
    // Schema 5 (rows recorded before it: none):
    std::vector<StoredFigure> figures;
    std::vector<StoredFile> collectedFiles;
    bool filesCapped = false; ///< files left out beyond MaxStoredFilesBytes
    // Schema 6 (rows recorded before it: none):
    std::vector<model::Connection> connections; ///< the first MaxStoredConnections the proxy recorded
    std::int64_t networkBytes = 0;              ///< bytes in + out on the sandbox's network
};

/// A run that opened more connections keeps the first ones in its history row.
inline constexpr std::size_t MaxStoredConnections = 500;

/// A row of a listing: the record without the code and the output, plus the code's first line.
struct RunSummary
{
    std::string runId;
    std::int64_t createdMs = 0;
    std::string source;
    std::string status;
    int exitCode = -1;
    std::string message;
    std::string policy;
    std::string codePreview; ///< first non-empty line of the code, at most 80 bytes
    double totalMs = 0;
    std::int64_t peakMemoryBytes = 0;
    bool checkSkipped = false;
    std::string overrideReason;
    // What tuning the limits needs, read from the row as it is (no schema change):
    std::string errorCode;                            ///< "run.pids_limit", … (RunRecord::errorCode)
    std::string profile;                              ///< the profile the settings came from
    std::string codeSha256;                           ///< hex SHA-256 of the code (empty: schema 2 row)
    nlohmann::json limits = nlohmann::json::object(); ///< as RunRecord::limits
    double runMs = 0;                                 ///< the program's wall time
    double cpuSeconds = 0;
};

struct HistoryFilter
{
    std::string status; ///< empty: any
    int limit = 50;     ///< 1 .. 1000
    int offset = 0;
    bool overriddenOnly = false; ///< only runs whose check was overridden
    std::string codeSha256{};    ///< only runs of this code (hex SHA-256, RunRecord::codeSha256); empty: any
};

/// What a front end knows about a run beyond its description (the profile and the reason for an override
/// are in model::RunSpec) and its result.
struct RecordContext
{
    std::string policy;         ///< what the user chose (preset name or file), not a temporary file
    std::string source = "cli"; ///< "cli", "rest", "workbench", "mcp"
};

/// The one recording policy, the same for every front end: every run the executor took up is kept —
/// blocked code and rejected packages included, they are what a reviewer looks for — but not a request
/// refused as invalid before anything started (the person saw why at once; nothing ran).
bool isRecorded(const model::RunResult& result);

/// Run history in an SQLite file (WAL, schema versioned with user_version). Thread-safe: one
/// connection behind a mutex, so a server can record from every request thread. Never throws.
class HistoryStore
{
public:
    /// Opens or creates the file (and its directory), migrating the schema when it is older. The byte
    /// bound comes from AGENTRUN_HISTORY_MAX_BYTES when set ("512m", "2g", bytes; error code
    /// "history.max_bytes" when it is not a size of at least MinMaxHistoryBytes), the figures' cap from
    /// AGENTRUN_HISTORY_FIGURE_BYTES ("history.figure_bytes").
    static Result<HistoryStore> open(const std::filesystem::path& path);
    /// $XDG_DATA_HOME/agentrun/history.sqlite3, else ~/.local/share/agentrun/history.sqlite3.
    static std::filesystem::path defaultPath();
    /// Schema version this build writes. 1: the first; 2: stdin, profile, check override and its reason;
    /// 3: code cut like output (its size and hash kept), findings cut, each row's stored size; 4: the
    /// session; 5: the figures (and their images within a cap) and the collected files' names and sizes;
    /// 6: the network (the egress proxy's record of each request, the bytes moved).
    static constexpr int SchemaVersion = 6;

    HistoryStore(HistoryStore&&) noexcept;
    HistoryStore& operator=(HistoryStore&&) noexcept;
    ~HistoryStore();

    /// Writes one run in one transaction: the whole row or nothing — or nothing at all when isRecorded()
    /// says the run is not kept. `policyName` is what the user chose (preset name or file); `source` says
    /// which front end ran it.
    Result<void> record(const model::RunSpec& request, const model::RunResult& result,
                        std::string_view policyName, std::string_view source = "cli");
    /// As above, with the context as one value.
    Result<void> record(const model::RunSpec& request, const model::RunResult& result,
                        const RecordContext& context);
    /// Newest first.
    Result<std::vector<RunSummary>> list(const HistoryFilter& filter);
    /// By id, or by a unique prefix of at least 4 characters. Error code "history.not_found" when absent.
    Result<RunRecord> get(std::string_view runId);
    /// The distinct reasons given for overriding the check, most recently used first (at most `limit`).
    Result<std::vector<std::string>> recentOverrideReasons(int limit = 10);

    /// Rows beyond this many (oldest first) are removed when a run is recorded. Default 10000.
    void setMaxRuns(std::int64_t maxRuns);
    /// Rows are removed (oldest first, never the run just recorded) while the bytes they hold add up to
    /// more than this. Default DefaultMaxHistoryBytes; values below MinMaxHistoryBytes are raised to it.
    void setMaxBytes(std::int64_t maxBytes);
    /// The bytes of figure images kept per run (whole images, first first; 0: none, sizes only). Default
    /// DefaultMaxStoredFigureBytes; the images count against the byte bound like the rest of the row.
    void setMaxFigureBytes(std::int64_t maxBytes);
    /// What the rows hold now, as counted against the byte bound.
    Result<std::int64_t> storedBytes();
    /// How long a write waits for another process holding the file. Default 5 s.
    void setBusyTimeout(std::chrono::milliseconds timeout);
    const std::filesystem::path& path() const;

private:
    class Impl;
    explicit HistoryStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

/// Does `status` name a run status ("ok", "blocked", …)?
bool isKnownStatus(std::string_view status);

/// Stored limits (model::toJson's form, or the *_bytes spellings of rows written before it), validated:
/// every field must be there and pass model::validate(). Error code "history.limits"; the message names
/// the field.
Result<model::Limits> limitsFromJson(const nlohmann::json& json);

/// The `agentrun history show --json` / `GET /v2/runs/{id}` object: the run --json fields plus code,
/// policy, limits, source, created_at and the capped flags; "figures" with "index" and "stored" (and
/// "data", base64, when stored; "note" when not), "collected_files" [{"path", "size"}].
nlohmann::json toJson(const RunRecord& record);
/// One row of `agentrun history list --json` / `GET /v2/runs`.
nlohmann::json toJson(const RunSummary& summary);
/// "2024-05-01T12:00:00.123Z".
std::string formatTimestamp(std::int64_t unixMs);

} // namespace agentrun::history
