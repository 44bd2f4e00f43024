// Dependencies: a run that needs two packages from a local wheelhouse the first time (install), the
// second time (cache hit) and with the two baked into a derived image (cached dependencies), beside a
// run that needs none, in one process. Usage: bench_deps [RUNS=5].
#include "agentrun/deps/bake.h"
#include "agentrun/engine/client.h"
#include "agentrun/run/executor.h"

#include "helper_wheel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

using namespace agentrun;

namespace {

double runOnce(run::Executor& executor, const model::RunSpec& request, double* installMs = nullptr)
{
    run::RunObserver observer;
    run::CancelToken cancel;
    const auto start = std::chrono::steady_clock::now();
    const auto result = executor.run(request, observer, cancel);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (result.status != model::Status::Ok) {
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
    auto executor = std::make_unique<run::Executor>(config);

    std::vector<double> first;
    std::vector<double> firstInstall;
    std::vector<double> cached;
    std::vector<double> cachedInstall;
    std::vector<double> none;
    std::vector<double> baked;

    // The same two packages baked into an image once (names unique to this process), then used by runs.
    const auto bakeDir =
        std::filesystem::temp_directory_path() / ("agentrun-bench-bake-" + std::to_string(::getpid()));
    std::filesystem::create_directories(bakeDir);
    std::filesystem::permissions(
        bakeDir, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                     std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                     std::filesystem::perms::others_exec);
    const std::string alpha = "bench-baked-alpha-" + std::to_string(::getpid());
    const std::string beta = "bench-baked-beta-" + std::to_string(::getpid());
    testing::makeWheel(bakeDir.string(), alpha, "bench_baked_alpha", "1.0");
    testing::makeWheel(bakeDir.string(), beta, "bench_baked_beta", "1.0", {alpha});
    auto endpoint = engine::Endpoint::resolve();
    if (!endpoint) {
        std::fprintf(stderr, "%s\n", endpoint.error().message.c_str());
        return 1;
    }
    engine::Client client(*endpoint);
    if (auto info = client.info(); !info) {
        std::fprintf(stderr, "%s\n", info.error().message.c_str());
        return 1;
    }
    const std::vector<deps::Requirement> bakedSet{{alpha, ""}, {beta, ""}};
    const deps::InstallSource bakeSource{"", bakeDir.string(), true};
    std::atomic<bool> noCancel{false};
    auto firstBake =
        deps::bake(client, config.image, bakedSet, bakeSource, std::chrono::minutes(10), {}, noCancel);
    auto againBake = firstBake ? deps::bake(client, config.image, bakedSet, bakeSource,
                                            std::chrono::minutes(10), {}, noCancel)
                               : firstBake;
    if (!firstBake || !againBake) {
        std::fprintf(stderr, "bake failed: %s\n",
                     (firstBake ? againBake : firstBake).error().message.c_str());
        return 1;
    }
    model::RunSpec bakedRequest;
    bakedRequest.code = "import bench_baked_alpha, bench_baked_beta\n"
                        "print(bench_baked_alpha.VALUE, bench_baked_beta.VALUE)";
    bakedRequest.allow = {alpha, beta};
    bakedRequest.cached = {alpha, beta};

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

        model::RunSpec request;
        request.code = "import bench_alpha, bench_beta\nprint(bench_alpha.VALUE, bench_beta.VALUE)";
        request.allow = {"bench-alpha", "bench-beta"};
        request.wheelhouse = dir.string();
        double install = 0;
        first.push_back(runOnce(*executor, request, &install));
        firstInstall.push_back(install);
        cached.push_back(runOnce(*executor, request, &install));
        cachedInstall.push_back(install);

        model::RunSpec plain;
        plain.code = "print('no packages')";
        runOnce(*executor, plain); // lets the pool settle on the plain settings
        none.push_back(runOnce(*executor, plain));

        runOnce(*executor, bakedRequest); // lets the pool settle on the baked image
        double bakedInstall = 0;
        baked.push_back(runOnce(*executor, bakedRequest, &bakedInstall));
        if (bakedInstall != 0) {
            std::fprintf(stderr, "a run on the baked image installed something\n");
            return 1;
        }
        std::filesystem::remove_all(dir);
    }
    std::printf("run needing two wheelhouse packages, %d rounds    total p50 ms  install p50 ms\n", runs);
    std::printf("first run (pip installs into a new volume)        %12.1f  %14.1f\n", median(first),
                median(firstInstall));
    std::printf("second run, same set (cache volume reused)        %12.1f  %14.1f\n", median(cached),
                median(cachedInstall));
    std::printf("same two packages baked into an image (warm pool) %12.1f  %14s\n", median(baked), "-");
    std::printf("run needing no packages (warm pool)               %12.1f  %14s\n", median(none), "-");
    std::printf("bake of the two packages: %.0f ms the first time (install + build), %.1f ms when reused\n",
                firstBake->ms, againBake->ms);

    executor.reset(); // its warm containers use the baked image: they go first
    deps::removeBakedImage(client, firstBake->image);
    if (auto base = client.inspectImage(config.image)) {
        client.request("DELETE",
                       "/volumes/" + deps::cacheVolumeName(bakedSet, base->value("Id", ""), bakeSource));
    }
    std::filesystem::remove_all(bakeDir);
    return 0;
}
