#include "agentrun/engine/attach.h"

#include "agentrun/engine/client.h"
#include "agentrun/errorcodes.h"
#include "engine/connecterror.h"
#include "engine/curlhandle.h"
#include "engine/transport.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <poll.h>
#include <sys/socket.h>

namespace agentrun::engine {

class AttachStream::Impl
{
public:
    CurlHandle curl;
    curl_socket_t socket = CURL_SOCKET_BAD;
    std::string leftover;
    char errorBuffer[CURL_ERROR_SIZE] = {};
    CURLcode lastError = CURLE_OK; ///< of the last failed send or recv, for hijack's messages

    bool waitFor(short events, std::chrono::milliseconds wait) const
    {
        pollfd fd{socket, events, 0};
        return ::poll(&fd, 1, static_cast<int>(wait.count())) > 0;
    }
};

AttachStream::AttachStream() = default;
AttachStream::~AttachStream() = default;
AttachStream::AttachStream(AttachStream&&) noexcept = default;
AttachStream& AttachStream::operator=(AttachStream&&) noexcept = default;
AttachStream::AttachStream(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

bool AttachStream::isOpen() const
{
    return m_impl && m_impl->socket != CURL_SOCKET_BAD;
}

bool AttachStream::peerClosed() const
{
    if (!isOpen()) {
        return true;
    }
    if (!m_impl->leftover.empty()) {
        return false;
    }
    pollfd fd{m_impl->socket, POLLIN | POLLRDHUP, 0};
    if (::poll(&fd, 1, 0) <= 0) {
        return false;
    }
    if (fd.revents & (POLLRDHUP | POLLHUP | POLLERR)) {
        return true;
    }
    char byte = 0;
    return ::recv(m_impl->socket, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

Result<void> AttachStream::write(std::string_view bytes)
{
    if (!isOpen()) {
        return fail(errc::EngineStream, "The attach stream to the sandbox is closed.");
    }
    while (!bytes.empty()) {
        size_t sent = 0;
        const CURLcode code = curl_easy_send(m_impl->curl.get(), bytes.data(), bytes.size(), &sent);
        if (code == CURLE_AGAIN) {
            if (!m_impl->waitFor(POLLOUT, std::chrono::seconds(30))) {
                return fail(errc::EngineStream, "The sandbox stopped reading its input for 30 s.");
            }
            continue;
        }
        if (code != CURLE_OK) {
            m_impl->lastError = code;
            return fail(errc::EngineConnectionLost, std::string("Sending input to the sandbox failed: ") +
                                                        curl_easy_strerror(code) +
                                                        ". The engine may have been restarted.");
        }
        bytes.remove_prefix(sent);
    }
    return {};
}

void AttachStream::closeWrite()
{
    if (isOpen()) {
        ::shutdown(m_impl->socket, SHUT_WR);
    }
}

Result<std::string> AttachStream::read(std::chrono::milliseconds wait, bool& eof)
{
    eof = false;
    if (!isOpen()) {
        eof = true;
        return std::string();
    }
    if (!m_impl->leftover.empty()) {
        return std::exchange(m_impl->leftover, {});
    }
    // Ask libcurl first, then wait on the socket: over TLS, bytes can already sit decrypted inside the
    // TLS layer (read with an earlier record) where poll() on the socket does not see them; and a
    // readable socket may hold only part of a record, which gives CURLE_AGAIN until the rest arrives.
    const auto deadline = std::chrono::steady_clock::now() + wait;
    std::string buffer(64 * 1024, '\0');
    size_t received = 0;
    CURLcode code = CURLE_AGAIN;
    while (true) {
        code = curl_easy_recv(m_impl->curl.get(), buffer.data(), buffer.size(), &received);
        if (code != CURLE_AGAIN) {
            break;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !m_impl->waitFor(POLLIN, left)) {
            return std::string();
        }
    }
    if (code != CURLE_OK) {
        m_impl->lastError = code;
        return fail(errc::EngineConnectionLost, std::string("The output stream from the sandbox broke: ") +
                                                    curl_easy_strerror(code) +
                                                    ". The engine may have been restarted.");
    }
    if (received == 0) {
        eof = true;
    }
    buffer.resize(received);
    return buffer;
}

std::string AttachStream::takeLeftover()
{
    return m_impl ? std::exchange(m_impl->leftover, {}) : std::string();
}

Result<AttachStream> Client::attach(std::string_view id)
{
    return hijack(apiPrefix() + "/containers/" + std::string(id) +
                      "/attach?stream=1&stdin=1&stdout=1&stderr=1",
                  {}, "attach to " + std::string(id.substr(0, 12)));
}

Result<AttachStream> Client::hijack(const std::string& path, std::string_view body, const std::string& what)
{
    auto impl = std::make_unique<AttachStream::Impl>();
    CURL* curl = impl->curl.get();
    if (!curl) {
        return fail(errc::EngineInternal, "Could not create a libcurl handle (out of memory?).");
    }
    curl_easy_setopt(curl, CURLOPT_URL, (m_endpoint.baseUrl() + path).c_str());
    // With TLS, CONNECT_ONLY makes the handshake too: send and recv below go through it.
    applyEndpoint(curl, m_endpoint, impl->errorBuffer);
    curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    const CURLcode code = curl_easy_perform(curl);
    if (code != CURLE_OK) {
        long osErrno = 0;
        curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &osErrno);
        return std::unexpected(connectError(m_endpoint, code, static_cast<int>(osErrno),
                                            std::chrono::seconds(5), impl->errorBuffer));
    }
    curl_easy_getinfo(curl, CURLINFO_ACTIVESOCKET, &impl->socket);

    AttachStream stream(std::move(impl));
    // Over TLS the engine's refusal of our client certificate arrives after the handshake (TLS 1.3), on
    // the first send or read: give it the TLS message rather than "connection lost".
    const auto streamError = [&](const Error& error) -> Error {
        const CURLcode last = stream.m_impl->lastError;
        if (m_endpoint.tls() && last != CURLE_OK) {
            Error mapped =
                connectError(m_endpoint, last, 0, std::chrono::seconds(5), stream.m_impl->errorBuffer);
            if (mapped.code == errc::EngineConnectionLost) {
                if (auto refused = probeClientCertificate(m_endpoint, std::chrono::seconds(2))) {
                    return *refused;
                }
            }
            return mapped;
        }
        return error;
    };
    const std::string host = m_endpoint.kind == Endpoint::Kind::Unix ? "docker" : m_endpoint.hostPort;
    const std::string requestText =
        "POST " + path + " HTTP/1.1\r\nHost: " + host +
        "\r\nContent-Type: " + (body.empty() ? "application/vnd.docker.raw-stream" : "application/json") +
        "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + std::string(body);
    if (auto sent = stream.write(requestText); !sent) {
        return std::unexpected(streamError(sent.error()));
    }

    // Read the upgrade response headers; anything after them is stream data.
    std::string head;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::size_t end = std::string::npos;
    while ((end = head.find("\r\n\r\n")) == std::string::npos) {
        if (std::chrono::steady_clock::now() > deadline || head.size() > 65536) {
            return fail(errc::EngineTimeout,
                        "The Docker engine did not accept the attach request within 10 s.");
        }
        bool eof = false;
        auto chunk = stream.read(std::chrono::milliseconds(100), eof);
        if (!chunk) {
            return std::unexpected(streamError(chunk.error()));
        }
        head += *chunk;
        if (eof) {
            break;
        }
    }
    if (end == std::string::npos) {
        return fail(errc::EngineConnectionLost,
                    "The Docker engine closed the attach connection before answering.");
    }
    const long status = head.size() > 12 ? std::strtol(head.c_str() + 9, nullptr, 10) : 0;
    if (status != 101 && status != 200) {
        // The error body may come in later writes: read it up to its Content-Length (or the end of the
        // connection), briefly and bounded, so that the engine's own message is not lost.
        std::string errorBody = head.substr(end + 4);
        std::string lowerHead = head.substr(0, end);
        std::ranges::transform(lowerHead, lowerHead.begin(), [](unsigned char c) { return std::tolower(c); });
        std::size_t expected = 64 * 1024;
        if (const auto at = lowerHead.find("\r\ncontent-length:"); at != std::string::npos) {
            expected =
                std::min<std::size_t>(expected, std::strtoul(lowerHead.c_str() + at + 17, nullptr, 10));
        }
        const auto bodyDeadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        bool eof = false;
        while (errorBody.size() < expected && !eof && std::chrono::steady_clock::now() < bodyDeadline) {
            auto chunk = stream.read(std::chrono::milliseconds(100), eof);
            if (!chunk) {
                break;
            }
            errorBody += *chunk;
        }
        if (auto refused = plainHttpToTlsPort(m_endpoint, status, errorBody)) {
            return std::unexpected(*refused);
        }
        return std::unexpected(httpError(status, errorBody.substr(0, expected), what));
    }
    stream.m_impl->leftover = head.substr(end + 4);
    return stream;
}

} // namespace agentrun::engine
