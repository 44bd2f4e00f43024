// Hello-world run latency: a container created per run (the baseline) vs. the warm pool (ours), in
// one process so both see the same machine load. Usage: bench_run [RUNS] (default 15);
// AGENTRUN_BENCH_RUNSC=1 adds the warm pool under gVisor (runsc registered with the engine).
#include "agentrun/engine/client.h"
#include "agentrun/engine/demuxer.h"
#include "agentrun/run/executor.h"
#include "agentrun/sandbox/containerspec.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

using namespace agentrun;

namespace {

struct Stats
{
    double p50 = 0;
    double p90 = 0;
    double mean = 0;
};

Stats summarize(std::vector<double> ms);

Stats measure(run::Executor& executor, int runs, bool letPoolRefill, const std::string& runtime = "runc")
{
    run::RunRequest request;
    request.limits.runtime = runtime;
    request.code = "print('Hello, World!')";
    run::RunObserver observer;
    run::CancelToken cancel;
    executor.run(request, observer, cancel); // warm-up: sets the pool key, loads the image
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        if (letPoolRefill) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        }
        const auto start = std::chrono::steady_clock::now();
        const auto result = executor.run(request, observer, cancel);
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        if (result.status != run::Status::Ok) {
            std::fprintf(stderr, "run failed: %s\n", result.message.c_str());
            std::exit(1);
        }
    }
    return summarize(std::move(ms));
}

Stats summarize(std::vector<double> ms)
{
    std::ranges::sort(ms);
    Stats stats;
    stats.p50 = ms[ms.size() / 2];
    stats.p90 = ms[std::min(ms.size() - 1, ms.size() * 9 / 10)];
    for (double value : ms) {
        stats.mean += value / static_cast<double>(ms.size());
    }
    return stats;
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
    auto spec = sandbox::containerSpec(run::Limits{}, image);
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
    const Stats exec = measureExec(config.image, runs);
    std::printf("hello-world run, %d runs each          p50 ms   p90 ms  mean ms\n", runs);
    std::printf("baseline: exec in one container      %7.1f  %7.1f  %7.1f   (AgentRun's way)\n", exec.p50,
                exec.p90, exec.mean);
    std::printf("baseline: container created per run  %7.1f  %7.1f  %7.1f\n", cold.p50, cold.p90, cold.mean);
    std::printf("ours:     warm pool (size 2)         %7.1f  %7.1f  %7.1f\n", warm.p50, warm.p90, warm.mean);
    std::printf("speed-up (p50): %.1fx vs a container per run, %.1fx vs exec\n", cold.p50 / warm.p50,
                exec.p50 / warm.p50);
    if (std::getenv("AGENTRUN_BENCH_RUNSC")) {
        // gVisor's cost, same warm pool: needs the runsc runtime registered with the engine.
        run::Executor executor(config);
        const Stats gvisor = measure(executor, runs, true, "runsc");
        std::printf("ours:     warm pool, runsc (gVisor)  %7.1f  %7.1f  %7.1f\n", gvisor.p50, gvisor.p90,
                    gvisor.mean);
    }
    return 0;
}
