// Hello-world latency of a run in a live session (ours: the code goes to an interpreter that is already
// running and keeps its state, no process is started) beside a fresh run from the warm pool (the baseline:
// a new interpreter in a fresh container per run), in one process so both see the same machine load.
// Usage: session_latency [RUNS] (default 200). Issue 17's figure: p50 of the session run at most 3 ms.
#include "agentrun/run/executor.h"
#include "stats.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

using namespace agentrun;

namespace {

double timedRun(run::Executor& executor, const model::RunSpec& request)
{
    run::RunObserver observer;
    run::CancelToken cancel;
    const auto start = std::chrono::steady_clock::now();
    const auto result = executor.run(request, observer, cancel);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (result.status != model::Status::Ok || result.stdoutData != "Hello, World!\n") {
        std::fprintf(stderr, "run failed: %s %s\n", std::string(model::toString(result.status)).c_str(),
                     result.message.c_str());
        std::exit(1);
    }
    return ms;
}

void print(const char* what, const Stats& stats)
{
    std::printf("%-44s %8.1f %8.1f %8.1f %8.1f\n", what, stats.p50, stats.p90, stats.p99, stats.mean);
}

} // namespace

int main(int argc, char** argv)
{
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 200;
    run::ExecutorConfig config = run::configFromEnvironment();
    run::Executor executor(config);
    model::RunSpec request;
    request.code = "print('Hello, World!')";

    auto session = executor.openSession(request.limits);
    if (!session) {
        std::fprintf(stderr, "cannot open a session: %s\n", session.error().message.c_str());
        return 1;
    }
    model::RunSpec inSession = request;
    inSession.sessionId = session->id;
    timedRun(executor, request); // warm-ups: the pool's key, the image, the session's first cell
    timedRun(executor, inSession);

    std::vector<double> fresh;
    std::vector<double> live;
    for (int i = 0; i < runs; ++i) {
        // Alternated, so that both see the same load; each starts once the pool is ready again (as when a
        // person clicks Run), so that neither pays for the pool replacing the other's container.
        for (auto* run : {&request, &inSession}) {
            executor.waitUntilWarm(request.limits, std::chrono::seconds(30));
            std::this_thread::sleep_for(std::chrono::milliseconds(150));
            (run == &request ? fresh : live).push_back(timedRun(executor, *run));
        }
    }
    std::printf("hello world, %d runs each (ms)                     p50      p90      p99     mean\n", runs);
    print("baseline: fresh run from the warm pool", summarize(fresh));
    print("ours: run in a live session", summarize(live));
    executor.closeSession(session->id);
    return 0;
}
