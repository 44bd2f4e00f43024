#include "helper_fakeengine.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace testing {

namespace {

const char* reason(int status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 409:
        return "Conflict";
    case 500:
        return "Internal Server Error";
    default:
        return "Status";
    }
}

bool sendAll(int fd, std::string_view bytes)
{
    while (!bytes.empty()) {
        // MSG_NOSIGNAL: a client that hung up ends this connection, not the test (SIGPIPE).
        const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent <= 0) {
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
}

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::size_t contentLength(const std::string& head)
{
    const std::string text = lower(head);
    const auto at = text.find("\r\ncontent-length:");
    return at == std::string::npos ? 0 : std::strtoul(text.c_str() + at + 17, nullptr, 10);
}

} // namespace

Script& Script::write(std::string bytes)
{
    m_steps.push_back({Step::Kind::Write, std::move(bytes), {}});
    return *this;
}

Script& Script::writeSplit(const std::string& bytes, const std::vector<std::size_t>& at,
                           std::chrono::milliseconds gap)
{
    std::size_t from = 0;
    for (const std::size_t cut : at) {
        write(bytes.substr(from, cut - from));
        pause(gap);
        from = cut;
    }
    return write(bytes.substr(from));
}

Script& Script::pause(std::chrono::milliseconds duration)
{
    m_steps.push_back({Step::Kind::Pause, {}, duration});
    return *this;
}

Script& Script::hang()
{
    m_steps.push_back({Step::Kind::Hang, {}, {}});
    return *this;
}

Script& Script::await(std::string bytes)
{
    m_steps.push_back({Step::Kind::Await, std::move(bytes), {}});
    return *this;
}

Script& Script::cut()
{
    m_steps.push_back({Step::Kind::Cut, {}, {}});
    return *this;
}

std::string httpAnswer(int status, const std::string& body, const std::string& contentType)
{
    return "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\nApi-Version: 1.43\r\n" +
           "Content-Type: " + contentType + "\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
}

std::string chunkedHead(int status, const std::string& contentType)
{
    return "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\nApi-Version: 1.43\r\n" +
           "Content-Type: " + contentType + "\r\nTransfer-Encoding: chunked\r\n\r\n";
}

std::string chunk(const std::string& data)
{
    char size[20];
    std::snprintf(size, sizeof size, "%zx", data.size());
    return std::string(size) + "\r\n" + data + "\r\n";
}

std::string upgradeHead()
{
    return "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
           "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
}

std::string frame(int stream, const std::string& payload)
{
    std::string out(8, '\0');
    out[0] = static_cast<char>(stream);
    const auto size = static_cast<std::uint32_t>(payload.size());
    out[4] = static_cast<char>((size >> 24) & 0xff);
    out[5] = static_cast<char>((size >> 16) & 0xff);
    out[6] = static_cast<char>((size >> 8) & 0xff);
    out[7] = static_cast<char>(size & 0xff);
    return out + payload;
}

FakeEngine::FakeEngine()
{
    std::string templ = (std::filesystem::temp_directory_path() / "agentrun-fake-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) {
        throw std::runtime_error("fake engine: cannot create a temporary directory");
    }
    m_dir = templ;
    m_socketPath = m_dir + "/engine.sock";
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", m_socketPath.c_str());
    m_listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::bind(m_listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(m_listener, 64) != 0) {
        throw std::runtime_error("fake engine: cannot listen on " + m_socketPath);
    }
    m_running = true;
    m_acceptor = std::thread([this] { acceptLoop(); });
}

FakeEngine::~FakeEngine()
{
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(m_dir, ignored);
}

void FakeEngine::stop()
{
    if (!m_running.exchange(false)) {
        return;
    }
    ::shutdown(m_listener, SHUT_RDWR);
    m_acceptor.join();
    ::close(m_listener);
    {
        std::lock_guard lock(m_mutex);
        for (const int fd : m_open) {
            ::shutdown(fd, SHUT_RDWR);
        }
    }
    m_wake.notify_all();
    for (auto& worker : m_workers) {
        worker.join();
    }
    m_workers.clear();
}

void FakeEngine::route(const std::string& method, const std::string& path, Script script)
{
    std::lock_guard lock(m_mutex);
    m_routes[method + " " + path] = std::move(script);
}

void FakeEngine::routeVersion(const std::string& apiVersion)
{
    route("GET", "/version",
          Script().write(httpAnswer(200, R"({"Version":"99.0.0-fake","ApiVersion":")" + apiVersion +
                                             R"(","MinAPIVersion":"1.12","Os":"linux"})")));
    const Script info = Script().write(httpAnswer(200, R"({"CgroupVersion":"2","Runtimes":{"runc":{}}})"));
    route("GET", "/v" + apiVersion + "/info", info);
    route("GET", "/v1.43/info", info);
}

std::vector<FakeEngine::Request> FakeEngine::requests() const
{
    std::lock_guard lock(m_mutex);
    return m_requests;
}

void FakeEngine::acceptLoop()
{
    while (m_running) {
        const int fd = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            return;
        }
        ++m_connections;
        std::lock_guard lock(m_mutex);
        m_open.push_back(fd);
        m_workers.emplace_back([this, fd] { serve(fd); });
    }
}

void FakeEngine::serve(int fd)
{
    std::string input;
    char buffer[65536];
    const auto receive = [&] {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
            return false;
        }
        input.append(buffer, static_cast<std::size_t>(n));
        return true;
    };
    bool open = true;
    while (open && m_running) {
        std::size_t headEnd = std::string::npos;
        while ((headEnd = input.find("\r\n\r\n")) == std::string::npos && (open = receive())) {
        }
        if (!open) {
            break;
        }
        Request request;
        request.head = input.substr(0, headEnd + 2);
        const std::size_t bodySize = contentLength(request.head);
        while (input.size() < headEnd + 4 + bodySize && (open = receive())) {
        }
        if (!open) {
            break;
        }
        request.body = input.substr(headEnd + 4, bodySize);
        input.erase(0, headEnd + 4 + bodySize);
        const auto space = request.head.find(' ');
        request.method = request.head.substr(0, space);
        request.target = request.head.substr(space + 1, request.head.find(' ', space + 1) - space - 1);
        const std::string key = request.method + " " + request.target.substr(0, request.target.find('?'));
        Script script;
        {
            std::lock_guard lock(m_mutex);
            m_requests.push_back(request);
            const auto found = m_routes.find(key);
            script = found != m_routes.end()
                         ? found->second
                         : Script().write(httpAnswer(404, "{\"message\":\"page not found\"}\n"));
        }
        open = play(fd, script, input);
    }
    {
        std::lock_guard lock(m_mutex);
        m_open.erase(std::find(m_open.begin(), m_open.end(), fd));
    }
    ::close(fd);
}

bool FakeEngine::play(int fd, const Script& script, std::string& input)
{
    for (const auto& step : script.steps()) {
        switch (step.kind) {
        case Script::Step::Kind::Write:
            if (!sendAll(fd, step.bytes)) {
                return false;
            }
            break;
        case Script::Step::Kind::Pause:
            if (!sleepFor(step.pause)) {
                return false;
            }
            break;
        case Script::Step::Kind::Cut:
            return false;
        case Script::Step::Kind::Hang:
        case Script::Step::Kind::Await: {
            char buffer[4096];
            while (step.kind == Script::Step::Kind::Hang || input.find(step.bytes) == std::string::npos) {
                pollfd wait{fd, POLLIN, 0};
                if (!m_running) {
                    return false;
                }
                if (::poll(&wait, 1, 50) <= 0) {
                    continue;
                }
                const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
                if (n <= 0) {
                    return false;
                }
                input.append(buffer, static_cast<std::size_t>(n));
            }
            input.erase(0, input.find(step.bytes) + step.bytes.size());
            break;
        }
        }
    }
    return true;
}

bool FakeEngine::sleepFor(std::chrono::milliseconds duration)
{
    std::unique_lock lock(m_mutex);
    return !m_wake.wait_for(lock, duration, [this] { return !m_running.load(); });
}

} // namespace testing
