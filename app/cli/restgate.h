#pragma once

// The connection front of `agentrun serve`: no worker thread waits for a slow client's request head.
//
// cpp-httplib 0.11 hands every accepted connection to a worker thread that then reads the head with a
// timeout per recv, so a client dribbling one header line every few seconds holds a worker for as long
// as it likes, and a few dozen such clients hold them all (slowloris). Here one thread collects request
// heads from all waiting connections at once (poll), under a total deadline per head, and a connection
// reaches a worker only when its whole head has arrived. Idle keep-alive connections wait there too.
// Each client address may keep a bounded number of connections; the oldest waiting one makes room for a
// newcomer, so a client's new request is served even while its slow connections are still open.

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace agentrun::cli {

struct GateLimits
{
    std::chrono::milliseconds headTimeout{10000}; ///< a request head must be complete within this
    std::chrono::milliseconds bodyTimeout{30000}; ///< and its body within this after the head
    int maxPerClient = 32;                        ///< connections one client address may keep open
    int maxWaiting = 512;                         ///< connections waiting for a head, all clients
    std::size_t maxHeadBytes = 32u << 10;         ///< larger heads get 431
    std::size_t workers = 16;                     ///< threads serving complete requests
    int keepAliveRequests = 100;                  ///< requests per connection before it is closed
};

/// Where a request head ends in `bytes` (just after its empty line), or 0 when it has not ended yet.
std::size_t requestHeadEnd(std::string_view bytes);

class ConnectionGate;

/// What becomes of a connection after a worker served it.
enum class ConnectionEnd
{
    Close,
    KeepAlive,
    Drain
};

/// httplib::Server whose connections pass through the gate. Routes and handlers are httplib's own.
class GatedServer : public httplib::Server
{
public:
    explicit GatedServer(GateLimits limits);
    ~GatedServer() override;

    /// Serves the requests in `input` as if a client had sent them on one connection, in-process, and
    /// returns what the server wrote back: the same parsing, middleware and routes as a socket (the
    /// fuzzer's way in).
    std::string serveBytes(std::string_view input, int maxRequests = 8);

    /// From a handler or middleware: close the connection after `res` (the request was refused before its
    /// body was read, so what follows on the connection is not a request).
    static void closeAfterResponse(httplib::Response& res);

    const GateLimits& limits() const { return m_limits; }

private:
    friend class ConnectionGate;
    bool process_and_close_socket(socket_t sock) override;
    /// On a worker: serves requests on `sock` whose next head is complete in `buffered`; returns what was
    /// received beyond them (the start of the next request).
    std::string serveConnection(int sock, std::string buffered, ConnectionEnd& end);

    GateLimits m_limits;
    ConnectionGate* m_gate = nullptr; ///< the gate of the running listen(), owned by its task queue
};

} // namespace agentrun::cli
