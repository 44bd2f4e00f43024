#include "helper_security.h"

#include <cstdlib>

#include "agentrun/model/runresult.h"
#include "agentrun/sandbox/containerspec.h"
#include "helper_engine.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include <unistd.h>

namespace sectest {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string ownerFilter()
{
    return std::string("org.agentrun.owner-pid=") + std::to_string(::getpid());
}

class Recorder : public agentrun::run::RunObserver
{
public:
    Recorder(agentrun::engine::Client& client, Observed* observed) : m_client(client), m_observed(observed) {}

    void stageChanged(agentrun::run::Stage stage) override
    {
        if (stage != agentrun::run::Stage::Running || !m_observed) {
            return;
        }
        // The container serving this run (the only one of this process: the executor has no pool).
        auto ids = m_client.listContainers(ownerFilter());
        if (ids && !ids->empty()) {
            if (auto state = m_client.inspectContainer(ids->front())) {
                m_observed->logType = (*state)["HostConfig"]["LogConfig"].value("Type", "?");
                m_observed->logPath = state->value("LogPath", "?");
            }
        }
    }

    void resources(const ResourceSample& sample) override
    {
        if (!m_observed) {
            return;
        }
        std::lock_guard lock(m_mutex);
        m_observed->samples.push_back(sample);
        m_observed->maxCpuPercent = std::max(m_observed->maxCpuPercent, sample.cpuPercent);
        m_observed->maxPids = std::max(m_observed->maxPids, sample.pids);
    }

private:
    agentrun::engine::Client& m_client;
    Observed* m_observed;
    std::mutex m_mutex;
};

std::string shorten(std::string text, std::size_t size)
{
    for (auto& c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7f) {
            c = byte == '\n' || byte == '\t' ? ' ' : '.'; // the printed table stays plain ASCII
        }
    }
    return text.size() > size ? text.substr(0, size - 3) + "..." : text;
}

} // namespace

Limits smallLimits()
{
    Limits limits;
    limits.timeoutSeconds = 3;
    limits.memoryBytes = 128ll << 20;
    limits.memorySwapBytes = limits.memoryBytes;
    limits.cpus = 1;
    limits.pids = 64;
    limits.tmpfsBytes = 32ll << 20;
    limits.outputLimitBytes = 256ll << 10;
    // The same suite runs under gVisor: ctest's security.*.runsc entries set this.
    if (const char* runtime = std::getenv("AGENTRUN_TEST_RUNTIME"); runtime && *runtime) {
        limits.runtime = runtime;
    }
    return limits;
}

bool gvisor()
{
    return smallLimits().runtime == "runsc";
}

std::string statusName(Status status)
{
    return std::string(agentrun::model::toString(status));
}

void addRows(const std::vector<Case>& cases)
{
    QTest::addColumn<int>("index");
    for (std::size_t i = 0; i < cases.size(); ++i) {
        QTest::newRow(cases[i].id.c_str()) << static_cast<int>(i);
    }
}

void Suite::init(const char* table)
{
    m_table = table;
    m_client = testing::requireEngine();
    if (const std::string runtime = smallLimits().runtime; runtime != "runc") {
        auto info = m_client->info();
        QVERIFY2(info.has_value(), "the engine does not answer /info");
        if (std::ranges::find(info->runtimes, runtime) == info->runtimes.end()) {
            // quickstart.sh test sets AGENTRUN_TEST_REQUIRE_RUNTIME when it registered the runtime itself.
            if (std::getenv("AGENTRUN_TEST_REQUIRE_RUNTIME")) {
                QFAIL(("the " + runtime + " runtime is not registered with this engine").c_str());
            }
            QSKIP(("the " + runtime +
                   " runtime is not registered with this engine (see docs/security.md, gVisor)")
                      .c_str());
        }
    }
    agentrun::run::ExecutorConfig config;
    config.image = testing::sandboxImage();
    config.poolSize = 0; // every run makes its container: "none of ours is left" is then exact
    m_executor = std::make_unique<agentrun::run::Executor>(config);
    std::printf("SECURITY %-9s %-16s %8s  %s\n", "id", "outcome", "ms", "detail");
    std::fflush(stdout);
}

RunResult Suite::run(const std::string& code, const Limits& limits, Observed* observed,
                     const std::string& stdinData)
{
    agentrun::model::RunSpec request;
    request.code = code;
    request.limits = limits;
    request.stdinData = stdinData;
    request.skipCheck = true; // the container is the wall under test, not the lint
    Recorder recorder(*m_client, observed);
    agentrun::run::CancelToken cancel;

    // A 10 ms timer on the host: how late it fires tells whether the host stayed responsive.
    std::atomic<bool> done{false};
    double worst = 0;
    std::thread ticker([&] {
        while (!done.load()) {
            const auto before = Clock::now();
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            worst = std::max(worst, msSince(before) - 10.0);
        }
    });
    RunResult result = m_executor->run(request, recorder, cancel);
    done.store(true);
    ticker.join();
    if (observed) {
        observed->hostStallMs = worst;
    }
    return result;
}

int Suite::ownContainers()
{
    auto ids = m_client->listContainers(ownerFilter());
    return ids ? static_cast<int>(ids->size()) : -1;
}

bool Suite::waitNoContainers(double seconds)
{
    const auto start = Clock::now();
    while (ownContainers() != 0) {
        if (msSince(start) > seconds * 1000) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
}

void Suite::checkNextRunClean(const std::string& after)
{
    static const char* probe = R"PY(import os
paths = ['/tmp/x', '/dev/shm/x', '/var/tmp/x', '/tmp/fill', '/dev/shm/fill', '/tmp/big', '/tmp/many',
         '/tmp/daemon.pid', '/tmp/poison.py', '/tmp/sitecustomize.py']
print('LEFT', [p for p in paths if os.path.exists(p)])
print('TMP', sorted(os.listdir('/tmp')))
print('SHM', sorted(os.listdir('/dev/shm')))
print('PROCS', sum(1 for p in os.listdir('/proc') if p.isdigit()))
)PY";
    const RunResult next = run(probe, smallLimits());
    QVERIFY2(next.status == Status::Ok, (after + ": the next run failed: " + next.message).c_str());
    QVERIFY2(next.stdoutData.find("LEFT []") != std::string::npos, (after + ": " + next.stdoutData).c_str());
    QVERIFY2(next.stdoutData.find("TMP ['main.py']") != std::string::npos,
             (after + ": " + next.stdoutData).c_str());
    QVERIFY2(next.stdoutData.find("SHM []") != std::string::npos, (after + ": " + next.stdoutData).c_str());
    // The agent (the init) and the program: nothing carried over.
    QVERIFY2(next.stdoutData.find("PROCS 2") != std::string::npos, (after + ": " + next.stdoutData).c_str());
}

void Suite::check(const Case& row)
{
    Case c = row;
    if (gvisor() && c.underGvisor) {
        c.underGvisor(c);
    }
    const auto start = Clock::now();
    Observed observed;
    std::string outcome = "?";
    std::string detail;
    struct Printer
    {
        Suite& suite;
        const Case& c;
        Clock::time_point start;
        std::string& outcome;
        std::string& detail;
        ~Printer()
        {
            const double ms = msSince(start);
            const bool failed = QTest::currentTestFailed();
            suite.m_totalMs += ms;
            ++suite.m_cases;
            suite.m_failed += failed ? 1 : 0;
            std::printf("SECURITY %-9s %-16s %8.0f  %s%s\n", c.id.c_str(), outcome.c_str(), ms,
                        failed ? "FAILED: " : "", shorten(detail, 110).c_str());
            std::fflush(stdout);
        }
    } printer{*this, c, start, outcome, detail};

    // The 3 s clock of smallLimits() is for rows that must time out. A row that must end another way
    // gets a clock it cannot meet on a busy 2-core machine (P2's 40 forks took more than 3 s there, twice):
    // such a row then fails on what it checks, never on the machine's load.
    Limits limits = c.limits;
    if (c.status != Status::Timeout && limits.timeoutSeconds <= smallLimits().timeoutSeconds) {
        limits.timeoutSeconds = 30;
    }
    const RunResult result = run(c.code, limits, &observed, c.stdinData);
    const double runSeconds = msSince(start) / 1000.0;
    outcome = statusName(result.status);
    detail = !result.message.empty() ? result.message : result.stdoutData;
    const std::string all = result.stdoutData + "\n" + result.stderrData;
    const std::string context = c.id + " [" + outcome + "] " + result.message + "\n--- stdout:\n" +
                                shorten(result.stdoutData, 2000) + "\n--- stderr:\n" +
                                shorten(result.stderrData, 2000);

    const bool statusOk = result.status == c.status ||
                          std::find(c.orStatus.begin(), c.orStatus.end(), result.status) != c.orStatus.end();
    QVERIFY2(statusOk, (context + "\nexpected status " + statusName(c.status)).c_str());
    const bool tracebackLost = c.fromTraceback && !c.message.empty() &&
                               result.message.find(c.message) == std::string::npos &&
                               result.stderrData.find(c.message) == std::string::npos;
    if (tracebackLost) {
        std::printf(
            "SECURITY %-9s WARNING: the traceback's last line never reached the host (stderr: %zu bytes)\n",
            c.id.c_str(), result.stderrData.size());
    } else if (!c.message.empty()) {
        QVERIFY2(result.message.find(c.message) != std::string::npos,
                 (context + "\nexpected message with: " + c.message).c_str());
    }
    for (const auto& text : c.expect) {
        QVERIFY2(all.find(text) != std::string::npos, (context + "\nexpected output with: " + text).c_str());
    }
    for (const auto& text : c.reject) {
        QVERIFY2(all.find(text) == std::string::npos, (context + "\nunexpected output: " + text).c_str());
    }
    const double bound = c.maxSeconds > 0 ? c.maxSeconds : limits.timeoutSeconds + 6;
    QVERIFY2(runSeconds <= bound, (context + "\ntook " + std::to_string(runSeconds) + " s").c_str());
    // Whatever the code did, the daemon kept no log of it.
    QVERIFY2(observed.logType == "none" && observed.logPath.empty(),
             (c.id + ": log driver " + observed.logType + ", log file '" + observed.logPath + "'").c_str());
    if (c.extra) {
        c.extra(result);
        if (QTest::currentTestFailed()) {
            return;
        }
    }
    if (c.limitKill) {
        // The container is gone (removed in the background: give it a moment) and the host is fine.
        QVERIFY2(waitNoContainers(10), (c.id + ": the run's container is still there").c_str());
        QVERIFY2(m_client->ping().has_value(), (c.id + ": the engine does not answer").c_str());
        QVERIFY2(std::system("true") == 0, (c.id + ": the host cannot start a process").c_str());
        checkNextRunClean(c.id);
    }
}

void Suite::finish()
{
    QVERIFY2(waitNoContainers(15), "containers of this test are left on the engine");
    std::printf("SECURITY %-9s %d cases, %d failed, %.1f s\n", ("total:" + m_table).c_str(), m_cases,
                m_failed, m_totalMs / 1000.0);
    std::fflush(stdout);
    m_executor.reset();
}

} // namespace sectest
