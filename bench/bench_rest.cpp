// REST throughput and latency for hello-world over POST /v1/run/, beside two baselines, in one run:
//   - Executor::run in-process (same core, same warm pool, no HTTP): what HTTP + JSON + history cost;
//   - one `agentrun run` process per request (no server): what a server saves.
// Usage: bench_rest [--agentrun PATH] [--requests N]   (default PATH: ../app/cli/agentrun beside this binary)

#include "agentrun/run/executor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
const std::string HelloCode = "print('Hello, World!')";

struct Figures
{
    double requestsPerSecond = 0;
    double p50 = 0;
    double p99 = 0;
    int ok = 0;
    int total = 0;
};

/// Runs `total` calls of `one` on `concurrency` threads; `one` returns whether the answer was right.
Figures measure(int concurrency, int total, const std::function<std::function<bool()>()>& makeWorker)
{
    std::atomic<int> next{0};
    std::atomic<int> ok{0};
    std::mutex mutex;
    std::vector<double> latencies;
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < concurrency; ++t) {
        threads.emplace_back([&] {
            auto one = makeWorker();
            std::vector<double> mine;
            while (next.fetch_add(1) < total) {
                const auto begin = Clock::now();
                if (one()) {
                    ++ok;
                }
                mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
            }
            std::lock_guard lock(mutex);
            latencies.insert(latencies.end(), mine.begin(), mine.end());
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::sort(latencies.begin(), latencies.end());
    const auto at = [&](double q) {
        return latencies.empty()
                   ? 0.0
                   : latencies[std::min(latencies.size() - 1,
                                        static_cast<std::size_t>(q * static_cast<double>(latencies.size())))];
    };
    return {static_cast<double>(total) / seconds, at(0.50), at(0.99), ok.load(), total};
}

void print(const char* name, int concurrency, const Figures& f)
{
    std::printf("%-42s %3d %9.1f %9.1f %9.1f %5d/%d\n", name, concurrency, f.requestsPerSecond, f.p50, f.p99,
                f.ok, f.total);
    std::fflush(stdout);
}

/// A keep-alive HTTP/1.1 client on one socket: just enough for POST + Content-Length answers.
class HttpConnection
{
public:
    explicit HttpConnection(int port) : m_port(port) {}
    ~HttpConnection() { close(); }
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    /// Status code and body, or status 0 on a transport failure.
    std::pair<int, std::string> post(const std::string& path, const std::string& body)
    {
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (m_fd < 0 && !connect()) {
                return {0, {}};
            }
            const std::string request = "POST " + path +
                                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                                        "application/json\r\nContent-Length: " +
                                        std::to_string(body.size()) + "\r\n\r\n" + body;
            if (sendAll(request)) {
                auto answer = receive();
                if (answer.first != 0) {
                    return answer;
                }
            }
            close(); // the server closed an idle keep-alive connection: one fresh try
        }
        return {0, {}};
    }

private:
    bool connect()
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(m_port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const int one = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            close();
            return false;
        }
        m_buffer.clear();
        return true;
    }
    void close()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }
    bool sendAll(const std::string& data)
    {
        std::size_t sent = 0;
        while (sent < data.size()) {
            const ssize_t n = ::send(m_fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) {
                return false;
            }
            sent += static_cast<std::size_t>(n);
        }
        return true;
    }
    bool fill()
    {
        char chunk[16384];
        const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
        if (n <= 0) {
            return false;
        }
        m_buffer.append(chunk, static_cast<std::size_t>(n));
        return true;
    }
    std::pair<int, std::string> receive()
    {
        std::size_t end = 0;
        while ((end = m_buffer.find("\r\n\r\n")) == std::string::npos) {
            if (!fill()) {
                return {0, {}};
            }
        }
        const std::string head = m_buffer.substr(0, end);
        m_buffer.erase(0, end + 4);
        const int status = std::atoi(head.c_str() + head.find(' ') + 1);
        std::size_t length = 0;
        std::string lower = head;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        if (const auto at = lower.find("content-length:"); at != std::string::npos) {
            length = std::strtoul(head.c_str() + at + 15, nullptr, 10);
        }
        while (m_buffer.size() < length) {
            if (!fill()) {
                return {0, {}};
            }
        }
        std::string body = m_buffer.substr(0, length);
        m_buffer.erase(0, length);
        return {status, body};
    }

    int m_port;
    int m_fd = -1;
    std::string m_buffer;
};

/// `agentrun serve` on a free port with a scratch history; stopped with SIGTERM.
class Server
{
public:
    Server(const std::string& agentrun, const std::filesystem::path& scratch)
    {
        const std::string log = (scratch / "serve.log").string();
        m_pid = ::fork();
        if (m_pid == 0) {
            ::setenv("XDG_DATA_HOME", scratch.c_str(), 1);
            std::freopen(log.c_str(), "w", stderr);
            std::freopen("/dev/null", "w", stdout);
            ::execl(agentrun.c_str(), agentrun.c_str(), "serve", "--listen", "127.0.0.1:0",
                    "--max-concurrent", "8", static_cast<char*>(nullptr));
            std::_Exit(127);
        }
        for (int i = 0; i < 400 && m_port == 0; ++i) {
            std::ifstream file(log);
            std::stringstream text;
            text << file.rdbuf();
            const std::string content = text.str();
            if (const auto at = content.find("listening on http://127.0.0.1:"); at != std::string::npos) {
                m_port = std::atoi(content.c_str() + at + 30);
            } else {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
    }
    ~Server()
    {
        if (m_pid > 0) {
            ::kill(m_pid, SIGTERM);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
        }
    }
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    int port() const { return m_port; }

private:
    pid_t m_pid = -1;
    int m_port = 0;
};

int runProcess(const std::string& agentrun, const std::string& file)
{
    const pid_t pid = ::fork();
    if (pid == 0) {
        std::freopen("/dev/null", "w", stdout);
        std::freopen("/dev/null", "w", stderr);
        ::execl(agentrun.c_str(), agentrun.c_str(), "run", "--no-history", file.c_str(),
                static_cast<char*>(nullptr));
        std::_Exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

int main(int argc, char** argv)
{
    std::string agentrun = (std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() / "app" /
                            "cli" / "agentrun")
                               .string();
    int requests = 200;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--agentrun") == 0) {
            agentrun = argv[i + 1];
        } else if (std::strcmp(argv[i], "--requests") == 0) {
            requests = std::max(10, std::atoi(argv[i + 1]));
        }
    }
    char scratchTemplate[] = "/tmp/bench_rest.XXXXXX";
    const std::filesystem::path scratch = ::mkdtemp(scratchTemplate);

    std::printf("hello world (%s), %d requests per row; latency per request in ms\n", HelloCode.c_str(),
                requests);
    std::printf("%-42s %3s %9s %9s %9s %9s\n", "", "c", "req/s", "p50", "p99", "ok");

    {
        agentrun::run::Executor executor; // poolSize 2, as the server's
        agentrun::model::RunSpec request;
        request.code = HelloCode;
        const auto worker = [&] {
            return std::function<bool()>([&] {
                agentrun::run::RunObserver observer;
                agentrun::run::CancelToken cancel;
                const auto result = executor.run(request, observer, cancel);
                return result.status == agentrun::model::Status::Ok && result.stdoutData == "Hello, World!\n";
            });
        };
        measure(1, 10, worker); // warm the pool and the engine connection
        print("baseline: Executor::run in-process", 1, measure(1, requests, worker));
        print("baseline: Executor::run in-process", 8, measure(8, requests, worker));
    }
    {
        const std::string file = (scratch / "hello.py").string();
        std::ofstream(file) << HelloCode << "\n";
        const int processRequests = std::max(10, requests / 10);
        print("baseline: `agentrun run` process each", 1, measure(1, processRequests, [&] {
                  return std::function<bool()>([&] { return runProcess(agentrun, file) == 0; });
              }));
    }
    {
        Server server(agentrun, scratch);
        if (server.port() == 0) {
            std::fprintf(stderr, "bench_rest: %s serve did not start (see %s)\n", agentrun.c_str(),
                         (scratch / "serve.log").c_str());
            return 1;
        }
        const std::string body = R"json({"code": "print('Hello, World!')"})json";
        const auto worker = [&] {
            auto connection = std::make_shared<HttpConnection>(server.port());
            return std::function<bool()>([connection, &body] {
                const auto [status, answer] = connection->post("/v1/run/", body);
                return status == 200 && answer == R"({"output":"Hello, World!\n"})";
            });
        };
        measure(1, 10, worker);
        print("agentrun serve: POST /v1/run/", 1, measure(1, requests, worker));
        print("agentrun serve: POST /v1/run/", 8, measure(8, requests, worker));
    }
    std::filesystem::remove_all(scratch);
    return 0;
}
