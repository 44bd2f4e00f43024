// Dependencies: a run that needs two packages from a local wheelhouse the first time (install) and the
// second time (cache hit), beside a run that needs none, in one process. Usage: bench_deps [RUNS=5].
#include "agentrun/run/executor.h"

#include "helper_wheel.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

using namespace agentrun;

namespace {

double runOnce(run::Executor& executor, const run::RunRequest& request, double* installMs = nullptr)
{
    run::RunObserver observer;
    run::CancelToken cancel;
    const auto start = std::chrono::steady_clock::now();
    const auto result = executor.run(request, observer, cancel);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (result.status != run::Status::Ok) {
        std::fprintf(stderr, "run failed: %s\n", result.message.c_str());
        std::exit(1);
    }
    if (installMs) {
        *installMs = result.durations.installMs;
    }
    return ms;
}

double median(std::vector<double> values)
{
    std::ranges::sort(values);
    return values[values.size() / 2];
}

} // namespace

int main(int argc, char** argv)
{
    const int runs = argc > 1 ? std::atoi(argv[1]) : 5;
    run::ExecutorConfig config;
    if (const char* image = std::getenv("AGENTRUN_IMAGE")) {
        config.image = image;
    }
    config.poolSize = 2;
    run::Executor executor(config);

    std::vector<double> first;
    std::vector<double> firstInstall;
    std::vector<double> cached;
    std::vector<double> cachedInstall;
    std::vector<double> none;
    for (int i = 0; i < runs; ++i) {
        // A fresh wheelhouse (and so a fresh cache key) per round: every "first" run really installs.
        const auto dir = std::filesystem::temp_directory_path() /
                         ("agentrun-bench-wheels-" + std::to_string(::getpid()) + "-" + std::to_string(i));
        std::filesystem::create_directories(dir);
        std::filesystem::permissions(
            dir, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                     std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                     std::filesystem::perms::others_exec);
        testing::makeWheel(dir.string(), "bench-alpha", "bench_alpha", "1.0");
        testing::makeWheel(dir.string(), "bench-beta", "bench_beta", "1.0", {"bench-alpha"});

        run::RunRequest request;
        request.code = "import bench_alpha, bench_beta\nprint(bench_alpha.VALUE, bench_beta.VALUE)";
        request.allow = {"bench-alpha", "bench-beta"};
        request.wheelhouse = dir.string();
        double install = 0;
        first.push_back(runOnce(executor, request, &install));
        firstInstall.push_back(install);
        cached.push_back(runOnce(executor, request, &install));
        cachedInstall.push_back(install);

        run::RunRequest plain;
        plain.code = "print('no packages')";
        runOnce(executor, plain); // lets the pool settle on the plain settings
        none.push_back(runOnce(executor, plain));
        std::filesystem::remove_all(dir);
    }
    std::printf("run needing two wheelhouse packages, %d rounds    total p50 ms  install p50 ms\n", runs);
    std::printf("first run (pip installs into a new volume)        %12.1f  %14.1f\n", median(first),
                median(firstInstall));
    std::printf("second run, same set (cache volume reused)        %12.1f  %14.1f\n", median(cached),
                median(cachedInstall));
    std::printf("run needing no packages (warm pool)               %12.1f  %14s\n", median(none), "-");
    return 0;
}
