// Hello-world run latency: a container created per run and `docker exec` in one container (the
// baselines) vs. the warm pool and the recycle mode (ours), in one process so all see the same machine
// load; then sustained throughput: the engine's own limit for fresh containers (bare
// create+start+wait+remove of `python3 -c pass`, as parallel as helps) beside 100 back-to-back runs
// each in a fresh container, and the recycle mode beside the exec baseline.
// Usage: run_latency [RUNS] [THROUGHPUT_RUNS] (default 15 and 100; 0 skips the throughput part; the
// issue's figure is `run_latency 200 100`); p99 is printed beside p50 and p90.
// AGENTRUN_BENCH_RUNSC=1 adds the warm pool under gVisor (runsc registered with the engine).
#include "agentrun/engine/client.h"
#include "agentrun/engine/demuxer.h"
#include "agentrun/run/executor.h"
#include "agentrun/sandbox/containerspec.h"
#include "stats.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

using namespace agentrun;

namespace {

Stats measure(run::Executor& executor, int runs, bool letPoolRefill, const std::string& runtime = "runc")
{
    model::RunSpec request;
    request.limits.runtime = runtime;
    request.code = "print('Hello, World!')";
    run::RunObserver observer;
    run::CancelToken cancel;
    executor.run(request, observer, cancel); // warm-up: sets the pool key, loads the image
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        if (letPoolRefill) {
            // Once the pool is ready again (as when a person clicks Run); a recycled container's next
            // interpreter starts right after the report, which the short pause covers.
            executor.waitUntilWarm(request.limits, std::chrono::seconds(30));
            std::this_thread::sleep_for(std::chrono::milliseconds(150));
        }
        const auto start = std::chrono::steady_clock::now();
        const auto result = executor.run(request, observer, cancel);
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        if (result.status != model::Status::Ok) {
            std::fprintf(stderr, "run failed: %s\n", result.message.c_str());
            std::exit(1);
        }
    }
    return summarize(std::move(ms));
}

/// AgentRun's way: one long-lived container, `exec python3 -c CODE` per run, through the same client.
Stats measureExec(const std::string& image, int runs)
{
    auto endpoint = engine::Endpoint::resolve();
    engine::Client client(*endpoint);
    if (!client.info()) {
        std::fprintf(stderr, "engine unavailable\n");
        std::exit(1);
    }
    auto spec = sandbox::containerSpec(model::Limits{}, image);
    spec["Entrypoint"] = {"sleep", "3600"};
    spec["OpenStdin"] = false;
    spec["AttachStdin"] = false;
    spec["StdinOnce"] = false;
    auto id = client.createContainer(spec);
    if (!id || !client.startContainer(*id)) {
        std::fprintf(stderr, "cannot start the exec baseline's container\n");
        std::exit(1);
    }
    std::vector<double> ms;
    for (int i = 0; i < runs + 1; ++i) {
        const auto start = std::chrono::steady_clock::now();
        engine::Client::ExecOptions options;
        options.cmd = {"python3", "-c", "print('Hello, World!')"};
        auto exec = client.createExec(*id, options);
        auto stream =
            exec ? client.startExec(*exec) : Result<engine::AttachStream>(std::unexpected(exec.error()));
        std::string out;
        engine::FrameDemuxer demuxer(
            [&](engine::FrameDemuxer::Channel, std::string_view bytes) { out.append(bytes); });
        bool eof = false;
        while (stream && !eof) {
            auto chunk = stream->read(std::chrono::milliseconds(100), eof);
            if (!chunk) {
                break;
            }
            demuxer.feed(*chunk);
        }
        auto state = exec ? client.inspectExec(*exec) : Result<nlohmann::json>(nlohmann::json());
        if (out != "Hello, World!\n") {
            std::fprintf(stderr, "exec baseline failed\n");
            std::exit(1);
        }
        if (i > 0) { // the first one warms the engine's exec path
            ms.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        }
    }
    client.removeContainer(*id);
    return summarize(std::move(ms));
}

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// The engine's own rate for fresh containers: `total` bare python3 -c pass containers, created,
/// started, waited for and removed by `parallel` threads. Returns containers per second.
double engineLimit(const std::string& image, int total, int parallel)
{
    auto endpoint = engine::Endpoint::resolve();
    engine::Client client(*endpoint);
    std::atomic<int> next{0};
    std::atomic<bool> failed{false};
    const auto start = Clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < parallel; ++t) {
        workers.emplace_back([&] {
            const nlohmann::json spec = {{"Image", image},
                                         {"Entrypoint", {"python3", "-c", "pass"}},
                                         {"Labels", {{"org.agentrun.bench", "engine-limit"}}},
                                         {"HostConfig", {{"NetworkMode", "none"}}}};
            while (next.fetch_add(1) < total && !failed) {
                auto id = client.createContainer(spec);
                if (!id || !client.startContainer(*id) ||
                    !client.waitContainer(*id, std::chrono::seconds(60))) {
                    failed = true;
                }
                if (id) {
                    client.removeContainer(*id);
                }
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    if (failed) {
        std::fprintf(stderr, "the engine-limit containers failed\n");
        std::exit(1);
    }
    return total / secondsSince(start);
}

/// `total` hello-world runs through the executor from `callers` threads, back to back. Runs per second.
double executorRate(const run::ExecutorConfig& config, int total, int callers)
{
    run::Executor executor(config);
    model::RunSpec request;
    request.code = "print('Hello, World!')";
    run::RunObserver observer;
    run::CancelToken cancel;
    executor.run(request, observer, cancel); // warm-up: sets the pool key
    std::atomic<int> next{0};
    std::atomic<bool> failed{false};
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < callers; ++t) {
        threads.emplace_back([&] {
            while (next.fetch_add(1) < total && !failed) {
                const auto result = executor.run(request, observer, cancel);
                if (result.status != model::Status::Ok || result.stdoutData != "Hello, World!\n") {
                    std::fprintf(stderr, "run failed: %s\n", result.message.c_str());
                    failed = true;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    if (failed) {
        std::exit(1);
    }
    return total / secondsSince(start);
}

} // namespace

int main(int argc, char** argv)
{
    const int runs = argc > 1 ? std::atoi(argv[1]) : 15;
    const char* image = std::getenv("AGENTRUN_IMAGE");
    run::ExecutorConfig config;
    if (image) {
        config.image = image;
    }
    config.poolSize = 0;
    Stats cold;
    {
        run::Executor executor(config);
        cold = measure(executor, runs, false);
    }
    config.poolSize = 2;
    Stats warm;
    {
        run::Executor executor(config);
        warm = measure(executor, runs, true);
    }
    run::ExecutorConfig recycleConfig = config;
    recycleConfig.poolSize = 1;
    recycleConfig.recycleRuns = 1000;
    Stats recycled;
    {
        run::Executor executor(recycleConfig);
        recycled = measure(executor, runs, true); // as a person clicks: the next interpreter is ready
    }
    const Stats exec = measureExec(config.image, runs);
    std::printf("hello-world run, %d runs each          p50 ms   p90 ms   p99 ms  mean ms\n", runs);
    std::printf("baseline: exec in one container      %7.1f  %7.1f  %7.1f  %7.1f   (AgentRun's way)\n",
                exec.p50, exec.p90, exec.p99, exec.mean);
    std::printf("baseline: container created per run  %7.1f  %7.1f  %7.1f  %7.1f\n", cold.p50, cold.p90,
                cold.p99, cold.mean);
    std::printf("ours:     warm pool (size 2)         %7.1f  %7.1f  %7.1f  %7.1f\n", warm.p50, warm.p90,
                warm.p99, warm.mean);
    std::printf("ours:     recycle mode (opt-in)      %7.1f  %7.1f  %7.1f  %7.1f\n", recycled.p50,
                recycled.p90, recycled.p99, recycled.mean);
    std::printf("speed-up (p50): %.1fx vs a container per run, %.1fx vs exec\n", cold.p50 / warm.p50,
                exec.p50 / warm.p50);

    const int total = argc > 2 ? std::atoi(argv[2]) : 100;
    if (total > 0) {
        std::printf("\nthroughput, %d runs back to back                  runs/s\n", total);
        double limit = 0;
        int bestParallel = 1;
        for (int parallel : {1, 2, 4}) {
            const double rate = engineLimit(config.image, total, parallel);
            std::printf("engine limit: bare python3 -c pass, %d at once     %6.2f\n", parallel, rate);
            if (rate > limit) {
                limit = rate;
                bestParallel = parallel;
            }
        }
        double best = 0;
        for (int callers : {1, 2, 4}) {
            run::ExecutorConfig fresh = config;
            fresh.poolSize = std::max(2, callers);
            const double rate = executorRate(fresh, total, callers);
            std::printf("ours: fresh container per run, %d caller(s)      %6.2f\n", callers, rate);
            best = std::max(best, rate);
        }
        std::printf("ours vs the engine's limit (%d at once): %.0f %%\n", bestParallel, 100 * best / limit);
        const double recycleRate = executorRate(recycleConfig, total, 1);
        const double execRate = 1000.0 / exec.mean;
        std::printf("ours: recycle mode, 1 caller                     %6.2f\n", recycleRate);
        std::printf("baseline: exec in one container, sequential      %6.2f   (1000 / mean exec ms)\n",
                    execRate);
        std::printf("recycle vs exec: %.1fx\n", recycleRate / execRate);
    }
    if (std::getenv("AGENTRUN_BENCH_RUNSC")) {
        // gVisor's cost, same warm pool: needs the runsc runtime registered with the engine.
        run::Executor executor(config);
        const Stats gvisor = measure(executor, runs, true, "runsc");
        std::printf("ours:     warm pool, runsc (gVisor)  %7.1f  %7.1f  %7.1f  %7.1f\n", gvisor.p50,
                    gvisor.p90, gvisor.p99, gvisor.mean);
    }
    return 0;
}
