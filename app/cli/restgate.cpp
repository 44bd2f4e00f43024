#include "restgate.h"

#include "agentrun/errorcodes.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace agentrun::cli {

namespace {

using Clock = std::chrono::steady_clock;

/// Set by the middleware when it refused a request before reading its body.
thread_local bool t_closeAfter = false;

int millisUntil(Clock::time_point deadline)
{
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

bool waitFor(int fd, short events, Clock::time_point deadline)
{
    for (;;) {
        pollfd entry{fd, events, 0};
        const int ready = ::poll(&entry, 1, millisUntil(deadline));
        if (ready > 0) {
            return true;
        }
        if (ready == 0 || errno != EINTR) {
            return false;
        }
    }
}

void addressOf(const sockaddr_storage& address, std::string& ip, int& port)
{
    char text[INET6_ADDRSTRLEN] = {};
    if (address.ss_family == AF_INET) {
        const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
        ::inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
        port = ntohs(v4.sin_port);
    } else if (address.ss_family == AF_INET6) {
        const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
        ::inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
        port = ntohs(v6.sin6_port);
    }
    ip = text;
}

void peerOf(int fd, std::string& ip, int& port)
{
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
        addressOf(address, ip, port);
    }
}

/// A whole response written without blocking, for connections the gate turns away itself.
void sendRefusal(int fd, int status, std::string_view reason, std::string_view code, std::string_view message)
{
    const std::string body =
        R"({"error":{"code":")" + std::string(code) + R"(","message":")" + std::string(message) + "\"}}";
    const std::string reply = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
                              "\r\nContent-Type: application/json\r\nConnection: close\r\n" +
                              (status == 503 ? "Retry-After: 1\r\n" : "") +
                              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    (void)!::send(fd, reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/// A connection read by a worker: first what the gate already collected, then the socket, every read
/// before one deadline (not a timeout per recv, which a client sending a byte at a time defeats).
class GateStream final : public httplib::Stream
{
public:
    GateStream(int fd, std::string buffered, std::chrono::milliseconds writeTimeout)
        : m_fd(fd), m_buffer(std::move(buffered)), m_writeTimeout(writeTimeout)
    {}

    void setReadDeadline(Clock::time_point deadline) { m_deadline = deadline; }
    std::string_view pending() const { return std::string_view(m_buffer).substr(m_offset); }
    std::string takePending() { return m_buffer.substr(m_offset); }

    bool is_readable() const override
    {
        return m_offset < m_buffer.size() || waitFor(m_fd, POLLIN, m_deadline);
    }
    bool is_writable() const override { return waitFor(m_fd, POLLOUT, Clock::now() + m_writeTimeout); }
    ssize_t read(char* ptr, size_t size) override
    {
        if (m_offset < m_buffer.size()) {
            const std::size_t n = std::min(size, m_buffer.size() - m_offset);
            std::memcpy(ptr, m_buffer.data() + m_offset, n);
            m_offset += n;
            return static_cast<ssize_t>(n);
        }
        if (!waitFor(m_fd, POLLIN, m_deadline)) {
            return -1;
        }
        return ::recv(m_fd, ptr, size, 0);
    }
    ssize_t write(const char* ptr, size_t size) override
    {
        if (!is_writable()) {
            return -1;
        }
        return ::send(m_fd, ptr, size, MSG_NOSIGNAL);
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override { peerOf(m_fd, ip, port); }
    void get_local_ip_and_port(std::string& ip, int& port) const override
    {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        if (::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
            addressOf(address, ip, port);
        }
    }
    socket_t socket() const override { return m_fd; }

private:
    int m_fd;
    std::string m_buffer;
    std::size_t m_offset = 0;
    Clock::time_point m_deadline = Clock::now();
    std::chrono::milliseconds m_writeTimeout;
};

/// A connection in memory: the fuzzer's client.
class MemoryStream final : public httplib::Stream
{
public:
    explicit MemoryStream(std::string_view input) : m_input(input) {}
    bool atEnd() const { return m_offset >= m_input.size(); }
    const std::string& output() const { return m_output; }

    bool is_readable() const override { return !atEnd(); }
    bool is_writable() const override { return true; }
    ssize_t read(char* ptr, size_t size) override
    {
        const std::size_t n = std::min(size, m_input.size() - m_offset);
        std::memcpy(ptr, m_input.data() + m_offset, n);
        m_offset += n;
        return static_cast<ssize_t>(n);
    }
    ssize_t write(const char* ptr, size_t size) override
    {
        m_output.append(ptr, size);
        return static_cast<ssize_t>(size);
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override
    {
        ip = "127.0.0.1";
        port = 40000;
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override
    {
        ip = "127.0.0.1";
        port = 8000;
    }
    socket_t socket() const override { return INVALID_SOCKET; }

private:
    std::string_view m_input;
    std::size_t m_offset = 0;
    std::string m_output;
};

} // namespace

std::size_t requestHeadEnd(std::string_view bytes)
{
    // httplib ends a head at the first empty line ending in CRLF; a line ending in a bare LF is skipped,
    // so "\n\r\n" is where it stops reading. An empty request line ends it at once (it answers 400).
    if (bytes.starts_with("\r\n")) {
        return 2;
    }
    const auto at = bytes.find("\n\r\n");
    return at == std::string_view::npos ? 0 : at + 3;
}

/// The task queue of one listen(): runs on the accepting thread (admit never blocks), owns the thread
/// collecting heads and the workers.
class ConnectionGate final : public httplib::TaskQueue
{
public:
    using After = ConnectionEnd;

    explicit ConnectionGate(GatedServer& server)
        : m_server(server), m_limits(server.limits()), m_pool(server.limits().workers)
    {
        if (::pipe2(m_wake, O_NONBLOCK | O_CLOEXEC) != 0) {
            m_wake[0] = m_wake[1] = -1;
        }
        m_waiter = std::thread([this] { collectHeads(); });
    }

    ~ConnectionGate() override
    {
        for (const int fd : m_wake) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
    }

    // httplib's accept loop calls this with a job that calls process_and_close_socket(sock), which
    // GatedServer turns into admit(sock): nothing here waits for the client.
    void enqueue(std::function<void()> job) override { job(); }

    void shutdown() override
    {
        {
            const std::lock_guard lock(m_mutex);
            m_stopping = true;
            for (auto& [seq, entry] : m_waiting) {
                ::close(entry.fd);
            }
            m_waiting.clear();
            m_perClient.clear();
        }
        wake();
        m_waiter.join();
        m_pool.shutdown(); // requests being served finish; their connections are then closed
        m_server.m_gate = nullptr;
    }

    /// A new connection from the listening socket.
    void admit(int fd)
    {
        std::string address;
        int port = 0;
        peerOf(fd, address, port);
        const std::lock_guard lock(m_mutex);
        if (m_stopping) {
            ::close(fd);
            return;
        }
        if (m_perClient[address] >= m_limits.maxPerClient && !evictOldest(&address)) {
            // Every one of its connections is being served: this client is at its bound.
            sendRefusal(fd, 503, "Service Unavailable", errc::ServerConnections,
                        "This client already has " + std::to_string(m_limits.maxPerClient) +
                            " connections open (--max-client-connections): wait for a reply, then retry.");
            ::close(fd);
            return;
        }
        if (static_cast<int>(m_waiting.size()) >= m_limits.maxWaiting) {
            evictOldest(nullptr);
        }
        ++m_perClient[address];
        wait(fd, std::move(address), {}, false);
    }

    /// From a worker when it is done with a connection.
    void finish(int fd, std::string address, std::string pending, After after)
    {
        const std::lock_guard lock(m_mutex);
        if (m_stopping || after == After::Close) {
            closeLocked(fd, address);
            return;
        }
        if (after == After::Drain) {
            // Refused before its body was read: stop writing, read what the client still sends for a
            // moment, then close, so that closing with unread data (a TCP reset) cannot destroy the
            // answer before the client has read it.
            ::shutdown(fd, SHUT_WR);
        }
        wait(fd, std::move(address), std::move(pending), after == After::Drain);
    }

private:
    struct Waiting
    {
        int fd;
        std::string address;
        std::string buffer;
        Clock::time_point deadline;
        bool draining;
    };

    void wake() { (void)!::write(m_wake[1], "x", 1); }

    /// Under the lock: queue `fd` for its next head (or for draining), or hand it on at once when a whole
    /// head is already there (a pipelined request).
    void wait(int fd, std::string address, std::string buffer, bool draining)
    {
        if (!draining && requestHeadEnd(buffer) != 0) {
            dispatch(fd, std::move(address), std::move(buffer));
            return;
        }
        const auto timeout = draining ? std::chrono::milliseconds(2000) : m_limits.headTimeout;
        m_waiting.emplace(
            m_next++, Waiting{fd, std::move(address), std::move(buffer), Clock::now() + timeout, draining});
        wake();
    }

    void dispatch(int fd, std::string address, std::string buffer)
    {
        m_pool.enqueue([this, fd, address = std::move(address), buffer = std::move(buffer)]() mutable {
            After after = After::Close;
            std::string pending = m_server.serveConnection(fd, std::move(buffer), after);
            finish(fd, std::move(address), std::move(pending), after);
        });
    }

    void closeLocked(int fd, const std::string& address)
    {
        ::close(fd);
        const auto it = m_perClient.find(address);
        if (it != m_perClient.end() && --it->second <= 0) {
            m_perClient.erase(it);
        }
    }

    /// Under the lock: closes the connection of `address` (any address when null) that has waited longest.
    bool evictOldest(const std::string* address)
    {
        // Keys grow with time, so the first match is the oldest.
        for (auto it = m_waiting.begin(); it != m_waiting.end(); ++it) {
            if (address == nullptr || it->second.address == *address) {
                closeLocked(it->second.fd, it->second.address);
                m_waiting.erase(it);
                return true;
            }
        }
        return false;
    }

    /// The one thread that reads request heads, for every waiting connection at once.
    void collectHeads()
    {
        std::vector<pollfd> fds;
        std::vector<std::uint64_t> keys;
        for (;;) {
            int timeout = 60'000;
            {
                const std::lock_guard lock(m_mutex);
                if (m_stopping) {
                    return;
                }
                fds.assign(1, pollfd{m_wake[0], POLLIN, 0});
                keys.assign(1, 0);
                for (const auto& [key, entry] : m_waiting) {
                    fds.push_back(pollfd{entry.fd, POLLIN, 0});
                    keys.push_back(key);
                    timeout = std::min(timeout, millisUntil(entry.deadline));
                }
            }
            ::poll(fds.data(), fds.size(), timeout);
            char sink[512];
            while (::read(m_wake[0], sink, sizeof sink) > 0) {
            }
            const std::lock_guard lock(m_mutex);
            if (m_stopping) {
                return;
            }
            for (std::size_t i = 1; i < fds.size(); ++i) {
                const auto it = m_waiting.find(keys[i]);
                if (fds[i].revents != 0 && it != m_waiting.end() && readFrom(it->second)) {
                    m_waiting.erase(it);
                }
            }
            const auto now = Clock::now();
            for (auto it = m_waiting.begin(); it != m_waiting.end();) {
                if (it->second.deadline > now) {
                    ++it;
                    continue;
                }
                if (!it->second.draining && !it->second.buffer.empty()) {
                    const auto seconds = std::chrono::duration<double>(m_limits.headTimeout).count();
                    char limit[32];
                    std::snprintf(limit, sizeof limit, "%g", seconds);
                    sendRefusal(it->second.fd, 408, "Request Timeout", errc::RequestTimeout,
                                std::string("The request head did not arrive within ") + limit +
                                    " s (--header-timeout): send the whole head at once.");
                }
                closeLocked(it->second.fd, it->second.address);
                it = m_waiting.erase(it);
            }
        }
    }

    /// Under the lock: reads what `entry`'s client sent. True when the entry leaves the waiting list
    /// (closed, or its head is complete and a worker has it).
    bool readFrom(Waiting& entry)
    {
        char chunk[4096];
        const std::size_t room = entry.draining
                                     ? sizeof chunk
                                     : std::min(sizeof chunk, m_limits.maxHeadBytes - entry.buffer.size());
        const ssize_t n = ::recv(entry.fd, chunk, room, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            return false;
        }
        if (n <= 0) {
            closeLocked(entry.fd, entry.address); // the client closed (or reset) the connection
            return true;
        }
        if (entry.draining) {
            return false;
        }
        entry.buffer.append(chunk, static_cast<std::size_t>(n));
        if (requestHeadEnd(entry.buffer) != 0) {
            dispatch(entry.fd, std::move(entry.address), std::move(entry.buffer));
            return true;
        }
        if (entry.buffer.size() >= m_limits.maxHeadBytes) {
            sendRefusal(entry.fd, 431, "Request Header Fields Too Large", errc::RequestHeaderTooLarge,
                        "The request head is larger than " + std::to_string(m_limits.maxHeadBytes >> 10) +
                            " KiB.");
            closeLocked(entry.fd, entry.address);
            return true;
        }
        return false;
    }

    GatedServer& m_server;
    const GateLimits m_limits;
    httplib::ThreadPool m_pool;
    int m_wake[2] = {-1, -1};
    std::thread m_waiter;
    std::mutex m_mutex;
    bool m_stopping = false;
    std::map<std::uint64_t, Waiting> m_waiting; ///< by arrival: the first is the oldest
    std::map<std::string, int> m_perClient;     ///< open connections by client address
    std::uint64_t m_next = 1;
};

GatedServer::GatedServer(GateLimits limits) : m_limits(limits)
{
    new_task_queue = [this] {
        auto* gate = new ConnectionGate(*this);
        m_gate = gate;
        return gate;
    };
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(limits.headTimeout).count();
    set_keep_alive_timeout(std::max<time_t>(1, seconds)); // what the Keep-Alive header announces
    set_keep_alive_max_count(static_cast<std::size_t>(limits.keepAliveRequests));
}

GatedServer::~GatedServer() = default;

void GatedServer::closeAfterResponse(httplib::Response& res)
{
    res.set_header("Connection", "close");
    t_closeAfter = true;
}

bool GatedServer::process_and_close_socket(socket_t sock)
{
    m_gate->admit(sock);
    return true;
}

std::string GatedServer::serveConnection(int sock, std::string buffered, ConnectionEnd& after)
{
    GateStream stream(sock, std::move(buffered), m_limits.bodyTimeout);
    after = ConnectionEnd::Close;
    for (int served = 1; served <= m_limits.keepAliveRequests; ++served) {
        t_closeAfter = false;
        // The head is here already; the rest (the body) has one deadline, however it is cut into reads.
        stream.setReadDeadline(Clock::now() + m_limits.bodyTimeout);
        bool closed = false;
        const bool last = served == m_limits.keepAliveRequests || !is_running();
        if (!process_request(stream, last, closed, nullptr) || closed || last) {
            return {};
        }
        if (t_closeAfter) {
            after = ConnectionEnd::Drain;
            return {};
        }
        if (requestHeadEnd(stream.pending()) == 0) {
            after = ConnectionEnd::KeepAlive; // the next head is awaited by the gate, not here
            return stream.takePending();
        }
    }
    return {};
}

std::string GatedServer::serveBytes(std::string_view input, int maxRequests)
{
    MemoryStream stream(input);
    for (int served = 1; served <= maxRequests && !stream.atEnd(); ++served) {
        t_closeAfter = false;
        bool closed = false;
        if (!process_request(stream, served == maxRequests, closed, nullptr) || closed || t_closeAfter) {
            break;
        }
    }
    return stream.output();
}

} // namespace agentrun::cli
