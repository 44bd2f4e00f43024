#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace testing {

/// What the fake engine does on one request, step by step: the exact bytes it writes, pauses between
/// them (so the client reads them as separate pieces), and how the connection ends.
class Script
{
public:
    struct Step
    {
        enum class Kind
        {
            Write, ///< write `bytes`
            Pause, ///< sleep `pause` (cut short when the fake stops)
            Hang,  ///< say nothing more until the client hangs up or the fake stops
            Await, ///< wait until `bytes` has come in after the request (a hijacked stream's stdin)
            Cut    ///< close the connection now: the end of a hijacked stream, or, with input still
                   ///< unread, the engine dying (on a unix socket the client then gets ECONNRESET)
        };
        Kind kind;
        std::string bytes;
        std::chrono::milliseconds pause{0};
    };

    Script& write(std::string bytes);
    /// Writes `bytes` cut at each of `at` (offsets), pausing `gap` between the pieces.
    Script& writeSplit(const std::string& bytes, const std::vector<std::size_t>& at,
                       std::chrono::milliseconds gap = std::chrono::milliseconds(20));
    Script& pause(std::chrono::milliseconds duration);
    Script& hang();
    Script& await(std::string bytes);
    Script& cut();

    const std::vector<Step>& steps() const { return m_steps; }

private:
    std::vector<Step> m_steps;
};

/// A whole HTTP/1.1 answer with a Content-Length, as the engine sends its JSON replies.
std::string httpAnswer(int status, const std::string& body,
                       const std::string& contentType = "application/json");
/// The head of a chunked answer (`Transfer-Encoding: chunked`), the body to follow as chunk().
std::string chunkedHead(int status, const std::string& contentType = "application/json");
/// One chunk of a chunked body ("size-in-hex CRLF data CRLF"); an empty `data` is the last chunk.
std::string chunk(const std::string& data);
/// The engine's answer to a hijack (attach, exec start): 101 then the raw stream.
std::string upgradeHead();
/// A multiplexed stream frame: 8-byte header (stream, 0, 0, 0, big-endian size), then the payload.
std::string frame(int stream, const std::string& payload);

/// An in-process Docker engine stand-in: an HTTP/1.1 server on a unix socket in a fresh temporary
/// directory, one thread per connection, answering each request with the script routed to its
/// method and path (query string ignored; unrouted paths get the engine's 404 "page not found").
/// Keeps the connection for further requests when a script ends without Cut or Hang.
class FakeEngine
{
public:
    struct Request
    {
        std::string method;
        std::string target; ///< path with query string
        std::string head;   ///< request line and headers, as sent
        std::string body;
    };

    FakeEngine();
    ~FakeEngine();
    FakeEngine(const FakeEngine&) = delete;
    FakeEngine& operator=(const FakeEngine&) = delete;

    /// `method` and `path` (without query string) select the script; later routes replace earlier ones.
    void route(const std::string& method, const std::string& path, Script script);
    /// Answers /version (and /info) as an engine of this API version would.
    void routeVersion(const std::string& apiVersion);

    const std::string& socketPath() const { return m_socketPath; }
    std::string dockerHost() const { return "unix://" + m_socketPath; }
    std::vector<Request> requests() const;
    /// Connections accepted so far.
    int connections() const { return m_connections.load(); }

    /// Stops listening and closes every connection (idempotent; the destructor calls it).
    void stop();

private:
    void acceptLoop();
    void serve(int fd);
    bool play(int fd, const Script& script, std::string& input);
    bool sleepFor(std::chrono::milliseconds duration);

    std::string m_dir;
    std::string m_socketPath;
    int m_listener = -1;
    std::atomic<bool> m_running{false};
    std::atomic<int> m_connections{0};
    std::thread m_acceptor;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::map<std::string, Script> m_routes;
    std::vector<Request> m_requests;
    std::vector<int> m_open;
    std::vector<std::thread> m_workers;
};

} // namespace testing
