#pragma once

#include "agentrun/engine/client.h"
#include "agentrun/run/executor.h"

#include <QTest>

#include <functional>
#include <memory>
#include <string>
#include <vector>

// The case tables are designated initialisers that name only the fields a row needs; every other field
// has a default member initialiser, which GCC's -Wextra still reports.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace sectest {

using agentrun::model::Limits;
using agentrun::model::RunResult;
using agentrun::model::Status;
using agentrun::run::ResourceSample;

/// Small limits so that the suite stays fast: 3 s, 128 MiB, 64 pids, 32 MiB /tmp, 256 KiB per stream.
Limits smallLimits();

/// One row of docs/security.md's suite tables: code run with the static check skipped (the container is the
/// wall under test, not the lint) and what must come out.
struct Case
{
    std::string id;       ///< "R3", "R13.stderr", …
    std::string scenario; ///< for the printed table
    std::string code;
    Status status = Status::Ok;
    std::vector<Status> orStatus; ///< also acceptable (a race the row does not decide)
    std::string message;          ///< substring of RunResult::message ("" = any)
    /// The message quotes the program's traceback. Known race (docs/security.md): the run ends at the
    /// agent's report on stdout and the engine may deliver the last stderr bytes after it; when they
    /// never reached the host the row prints a warning instead of failing.
    bool fromTraceback = false;
    std::vector<std::string> expect; ///< substrings of stdout + stderr
    std::vector<std::string> reject; ///< must not appear in stdout + stderr
    bool limitKill = false;          ///< K row: the container is gone and the next run is clean
    Limits limits = smallLimits();
    std::string stdinData;
    double maxSeconds = 0;                       ///< bound on the run's wall time (0: timeout + 6 s)
    std::function<void(const RunResult&)> extra; ///< more checks (QVERIFY inside is fine)
    /// Under gVisor (AGENTRUN_TEST_RUNTIME=runsc) the row's required outcome where gVisor legitimately
    /// answers differently (its own errno, its own /proc); each use is listed in docs/security.md.
    std::function<void(Case&)> underGvisor;
};

/// Is the suite running under gVisor (AGENTRUN_TEST_RUNTIME=runsc)?
bool gvisor();

/// What a run showed on the host side while it ran.
struct Observed
{
    std::vector<ResourceSample> samples;
    double maxCpuPercent = 0;
    std::int64_t maxPids = 0;
    std::string logType = "?"; ///< HostConfig.LogConfig.Type of the running container
    std::string logPath = "?"; ///< its LogPath: empty when the daemon keeps no log file
    double hostStallMs = 0;    ///< worst lateness of a 10 ms host timer during the run
};

/// One executable's runner: an executor without a warm pool (so "no container of ours is left" is
/// exact), the results printed one line per case and a total at the end.
class Suite
{
public:
    void init(const char* table);
    /// Runs a case, checks everything it promises, prints "id outcome ms".
    void check(const Case& c);
    /// Runs code and returns the result (no checks), with what was observed.
    RunResult run(const std::string& code, const Limits& limits, Observed* observed = nullptr,
                  const std::string& stdinData = {});
    /// Containers this process has on the engine right now.
    int ownContainers();
    /// Waits up to `seconds` for every container of this process to be gone.
    bool waitNoContainers(double seconds);
    /// The R11-style probe: a fresh run sees no file, process or memory of the previous one.
    void checkNextRunClean(const std::string& after);
    void finish();

    agentrun::engine::Client& client() { return *m_client; }

private:
    std::unique_ptr<agentrun::engine::Client> m_client;
    std::unique_ptr<agentrun::run::Executor> m_executor;
    std::string m_table;
    double m_totalMs = 0;
    int m_cases = 0;
    int m_failed = 0;
};

/// Registers the rows of `cases` as Qt test data (one row per id) under the column "index".
void addRows(const std::vector<Case>& cases);

std::string statusName(Status status);

} // namespace sectest
