// Round trip of the engine calls a run makes — ping, container create, start, exec — through
// agentrun's engine Client and through the docker CLI (one `docker` process per call, the way a
// program shelling out would do it), interleaved round by round on the same engine, in one run.
// The product never runs the docker CLI; only this benchmark does, as the baseline.
// Usage: bench_engine_latency [ROUNDS] [--docker PATH] [--image REF]   (default 20, docker,
// agentrun-sandbox:latest) Every container carries the label org.agentrun.bench=engine-latency, has
// NetworkMode none, and is removed at the end of its round (and by label at the end, should a round fail
// half-way).

#include "agentrun/engine/client.h"
#include "agentrun/engine/demuxer.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using agentrun::engine::Client;
const char* const Label = "org.agentrun.bench";
const char* const LabelValue = "engine-latency";

/// Runs a program, returns its exit status and what it printed on stdout.
int runProgram(const std::vector<std::string>& argv, std::string& out)
{
    int pipeFds[2];
    if (::pipe(pipeFds) != 0) {
        return -1;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipeFds[0]);
    std::vector<char*> args;
    for (const auto& arg : argv) {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipeFds[1]);
    out.clear();
    char buffer[4096];
    ssize_t n = 0;
    while (spawned == 0 && (n = ::read(pipeFds[0], buffer, sizeof buffer)) > 0) {
        out.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(pipeFds[0]);
    if (spawned != 0) {
        return -1;
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string trimmed(std::string text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

/// Times one call; a call that fails ends the benchmark (a figure of a failed call means nothing).
double timed(const char* what, const std::function<bool()>& call)
{
    const auto start = Clock::now();
    const bool ok = call();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!ok) {
        std::fprintf(stderr, "engine_latency: %s failed\n", what);
        std::exit(1);
    }
    return ms;
}

double percentile(std::vector<double> values, double q)
{
    std::sort(values.begin(), values.end());
    const auto at = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(at, values.size() - 1)];
}

/// exec through the Client the way `docker exec` does it: create, start attached and read the
/// stream to its end, inspect for the exit code.
bool clientExec(Client& client, const std::string& id)
{
    Client::ExecOptions options;
    options.cmd = {"true"};
    auto exec = client.createExec(id, options);
    if (!exec) {
        std::fprintf(stderr, "%s\n", exec.error().message.c_str());
        return false;
    }
    auto stream = client.startExec(*exec);
    if (!stream) {
        std::fprintf(stderr, "%s\n", stream.error().message.c_str());
        return false;
    }
    std::string output;
    agentrun::engine::FrameDemuxer demuxer(
        [&](agentrun::engine::FrameDemuxer::Channel, std::string_view bytes) { output.append(bytes); });
    bool eof = false;
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (!eof && Clock::now() < deadline) {
        auto chunk = stream->read(std::chrono::milliseconds(1000), eof);
        if (!chunk || !demuxer.feed(*chunk)) {
            return false;
        }
    }
    auto state = client.inspectExec(*exec);
    return eof && state && state->value("ExitCode", -1) == 0 && output.empty();
}

} // namespace

int main(int argc, char** argv)
{
    int rounds = 20;
    std::string docker = "docker";
    std::string image = "agentrun-sandbox:latest";
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--docker" && i + 1 < argc) {
            docker = argv[++i];
        } else if (arg == "--image" && i + 1 < argc) {
            image = argv[++i];
        } else if (!arg.empty() && arg.find_first_not_of("0123456789") == std::string::npos) {
            rounds = std::max(1, std::atoi(arg.c_str()));
        } else {
            std::fprintf(stderr, "usage: bench_engine_latency [ROUNDS] [--docker PATH] [--image REF]\n");
            return 2;
        }
    }
    auto endpoint = agentrun::engine::Endpoint::resolve();
    if (!endpoint) {
        std::fprintf(stderr, "%s\n", endpoint.error().message.c_str());
        return 1;
    }
    Client client(*endpoint);
    auto info = client.info();
    if (!info) {
        std::fprintf(stderr, "%s\n", info.error().message.c_str());
        return 1;
    }
    std::string cliVersion;
    if (runProgram({docker, "version", "--format", "{{.Client.Version}}"}, cliVersion) != 0) {
        std::fprintf(stderr, "engine_latency: `%s version` failed: is the docker CLI installed?\n",
                     docker.c_str());
        return 1;
    }

    const std::string labelArg = std::string(Label) + "=" + LabelValue;
    // The container only has to stay up for the exec: sleep instead of the agent.
    const nlohmann::json spec = {{"Image", image},
                                 {"Entrypoint", {"sleep"}},
                                 {"Cmd", {"300"}},
                                 {"Labels", {{Label, LabelValue}}},
                                 {"HostConfig", {{"NetworkMode", "none"}}}};
    const std::vector<std::string> operations = {"ping", "create", "start", "exec"};
    std::map<std::string, std::vector<double>> ours;
    std::map<std::string, std::vector<double>> cli;
    std::string out;

    // Round 0 warms both paths up (image layers, the CLI binary in the page cache) and is not counted.
    for (int round = 0; round <= rounds; ++round) {
        std::map<std::string, double> a;
        std::map<std::string, double> b;
        const auto viaClient = [&] {
            std::string id;
            a["ping"] = timed("client ping", [&] { return client.ping().has_value(); });
            a["create"] = timed("client create", [&] {
                auto created = client.createContainer(spec);
                id = created ? *created : std::string();
                return created.has_value();
            });
            a["start"] = timed("client start", [&] { return client.startContainer(id).has_value(); });
            a["exec"] = timed("client exec", [&] { return clientExec(client, id); });
            client.removeContainer(id);
        };
        const auto viaCli = [&] {
            std::string id;
            // `docker version` is the lightest CLI command that reaches the engine (it pings to
            // negotiate, then reads /version); the CLI has no bare ping.
            b["ping"] = timed("docker version", [&] {
                return runProgram({docker, "version", "--format", "{{.Server.Version}}"}, out) == 0;
            });
            b["create"] = timed("docker create", [&] {
                const bool ok = runProgram({docker, "create", "--network", "none", "--label", labelArg,
                                            "--entrypoint", "sleep", image, "300"},
                                           out) == 0;
                id = trimmed(out);
                return ok && !id.empty();
            });
            b["start"] = timed("docker start", [&] { return runProgram({docker, "start", id}, out) == 0; });
            b["exec"] = timed("docker exec", [&] {
                return runProgram({docker, "exec", id, "true"}, out) == 0;
            });
            client.removeContainer(id);
        };
        // Alternate who goes first, so neither always meets the engine still busy with the other's
        // removal.
        if (round % 2 == 0) {
            viaClient();
            viaCli();
        } else {
            viaCli();
            viaClient();
        }

        if (round > 0) {
            for (const auto& op : operations) {
                ours[op].push_back(a[op]);
                cli[op].push_back(b[op]);
            }
        }
    }
    const auto left = client.removeByLabel(labelArg);

    std::printf("engine_latency: %d rounds (plus 1 warm-up), image %s, NetworkMode none\n", rounds,
                image.c_str());
    std::string load;
    if (std::FILE* file = std::fopen("/proc/loadavg", "r")) {
        char text[64] = {};
        load = std::fgets(text, sizeof text, file) ? std::string(text) : "";
        // The 1, 5 and 15 minute averages: the first three fields.
        std::size_t end = 0;
        for (int field = 0; field < 3 && end != std::string::npos; ++field) {
            end = load.find(' ', end + (field > 0 ? 1 : 0));
        }
        load = load.substr(0, end);
        std::fclose(file);
    }
    std::printf(
        "load average at the end: %s (figures on a loaded machine spread wide; compare within a run)\n",
        load.c_str());
    std::printf("engine %s (API %s) at %s; docker CLI %s\n\n", info->version.c_str(),
                info->apiVersion.c_str(), endpoint->display().c_str(), trimmed(cliVersion).c_str());
    std::printf("| call | Client p50 ms | Client p95 ms | docker CLI p50 ms | docker CLI p95 ms | CLI / "
                "Client (p50) |\n");
    std::printf("|---|---|---|---|---|---|\n");
    for (const auto& op : operations) {
        const double a50 = percentile(ours[op], 0.50);
        const double b50 = percentile(cli[op], 0.50);
        std::printf("| %s | %.2f | %.2f | %.2f | %.2f | %.1f× |\n", op.c_str(), a50,
                    percentile(ours[op], 0.95), b50, percentile(cli[op], 0.95), b50 / a50);
    }
    if (left && *left > 0) {
        std::printf("\n(removed %d leftover containers by label)\n", *left);
    }
    return 0;
}
