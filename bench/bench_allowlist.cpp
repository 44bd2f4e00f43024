// What an allowlist costs a run (issue 19): hello world with no network from the warm pool and in a
// fresh container (allowlisted runs never come from the pool: each is made on its own segment), beside
// the same with an allowlist (the proxy already running, as in a server or the workbench), the first
// allowlisted run of a process (the proxy starts: what `agentrun run --allow-host` pays each time), and
// a run that fetches a page through the proxy. The "internet" is a container on an internal network of
// the bench's own (python3 -m http.server), named api.test for the proxy; nothing leaves the machine.
// Usage: allowlist_latency [RUNS] (default 20).
#include "agentrun/engine/client.h"
#include "agentrun/run/executor.h"
#include "agentrun/sandbox/egressproxy.h"
#include "stats.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <unistd.h>

using namespace agentrun;

namespace {

double timedRun(run::Executor& executor, const model::RunSpec& request, const char* expect)
{
    run::RunObserver observer;
    run::CancelToken cancel;
    const auto start = std::chrono::steady_clock::now();
    const auto result = executor.run(request, observer, cancel);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (result.status != model::Status::Ok || result.stdoutData.find(expect) == std::string::npos) {
        std::fprintf(stderr, "run failed: %s %s\n%s\n", std::string(model::toString(result.status)).c_str(),
                     result.message.c_str(), result.output.c_str());
        std::exit(1);
    }
    return ms;
}

void print(const char* what, const Stats& stats)
{
    std::printf("%-58s %8.1f %8.1f %8.1f\n", what, stats.p50, stats.p90, stats.mean);
}

} // namespace

int main(int argc, char** argv)
{
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;
    run::ExecutorConfig config = run::configFromEnvironment();
    auto endpoint = engine::Endpoint::resolve(config.dockerHost);
    if (!endpoint) {
        std::fprintf(stderr, "%s\n", endpoint.error().message.c_str());
        return 1;
    }
    engine::Client client(*endpoint);

    // The fake internet: one HTTP server on a network of its own, the proxy's egress network.
    const std::string network = "agentrun-bench-fake-" + std::to_string(::getpid());
    if (auto made = client.createNetwork(network, {}); !made) {
        std::fprintf(stderr, "cannot create the fake internet's network: %s\n", made.error().message.c_str());
        return 1;
    }
    const nlohmann::json spec = {
        {"Image", config.image},
        {"User", "0:0"},
        {"Entrypoint", {"python3", "-u", "-m", "http.server", "80", "--directory", "/etc"}},
        {"Cmd", nlohmann::json::array()},
        {"AttachStdout", true},
        {"Labels", {{"org.agentrun.bench", "allowlist"}}},
        {"HostConfig", {{"NetworkMode", network}}},
    };
    auto server = client.createContainer(spec);
    auto stream = server ? client.attach(*server) : decltype(client.attach("")){};
    if (!server || !stream || !client.startContainer(*server)) {
        std::fprintf(stderr, "cannot start the fake internet's server\n");
        return 1;
    }
    std::string said;
    bool eof = false;
    for (int i = 0; i < 300 && said.find("Serving") == std::string::npos && !eof; ++i) {
        if (auto bytes = stream->read(std::chrono::milliseconds(100), eof)) {
            said += *bytes;
        }
    }
    auto state = client.inspectContainer(*server);
    const std::string address = state ? sandbox::addressOn(*state, network) : std::string();
    config.proxy.egressNetwork = network;
    config.proxy.hosts = {{"api.test", address}};

    model::RunSpec hello;
    hello.code = "print('Hello, World!')";
    model::RunSpec allowed = hello;
    allowed.limits.network = "allow";
    allowed.limits.allowHosts = {"api.test"};
    model::RunSpec fetch = allowed;
    fetch.code =
        "import urllib.request\nprint(len(urllib.request.urlopen('http://api.test/os-release').read()), "
        "'bytes')";

    std::vector<double> pooled, fresh, warm, cold, fetched;
    {
        run::Executor executor(config);
        executor.waitUntilWarm(hello.limits, std::chrono::seconds(30));
        timedRun(executor, hello, "Hello");
        for (int i = 0; i < runs; ++i) {
            executor.waitUntilWarm(hello.limits, std::chrono::seconds(30));
            std::this_thread::sleep_for(std::chrono::milliseconds(150));
            pooled.push_back(timedRun(executor, hello, "Hello"));
        }
    }
    {
        auto noPool = config;
        noPool.poolSize = 0;
        run::Executor executor(noPool);
        timedRun(executor, hello, "Hello");
        timedRun(executor, allowed, "Hello"); // starts the proxy
        for (int i = 0; i < runs; ++i) {
            for (auto* request : {&hello, &allowed, &fetch}) {
                std::this_thread::sleep_for(std::chrono::milliseconds(150));
                const double ms = timedRun(executor, *request, request == &fetch ? "bytes" : "Hello");
                (request == &hello ? fresh : request == &allowed ? warm : fetched).push_back(ms);
            }
        }
    }
    for (int i = 0; i < std::max(3, runs / 4); ++i) { // a new process's first allowlisted run
        auto noPool = config;
        noPool.poolSize = 0;
        run::Executor executor(noPool);
        cold.push_back(timedRun(executor, allowed, "Hello"));
    }
    client.removeContainer(*server);
    client.removeNetwork(network);

    std::printf("hello world, %d runs each (ms)                              p50      p90     mean\n", runs);
    print("baseline: network none, warm pool", summarize(pooled));
    print("baseline: network none, fresh container (no pool)", summarize(fresh));
    print("ours: allowlist, proxy running, fresh container", summarize(warm));
    print("ours: allowlist, first run of a process (proxy starts)", summarize(cold));
    print("ours: allowlist, fetch a 0.3 KiB page through the proxy", summarize(fetched));
    return 0;
}
