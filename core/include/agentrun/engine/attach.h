#pragma once

#include "agentrun/error.h"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace agentrun::engine {

class Client;

/// A hijacked attach connection to a container: raw bytes in (stdin) and the multiplexed
/// stdout/stderr stream out. Move-only; closing it closes the socket.
class AttachStream
{
public:
    AttachStream();
    ~AttachStream();
    AttachStream(AttachStream&&) noexcept;
    AttachStream& operator=(AttachStream&&) noexcept;

    bool isOpen() const;

    /// True when the engine has closed the connection (the container ended or was removed), checked
    /// without blocking or consuming bytes: a syscall, where an inspect costs an HTTP round trip.
    bool peerClosed() const;

    /// Writes all of `bytes` or fails with engine.stream.
    Result<void> write(std::string_view bytes);

    /// Half-closes the connection: the container sees end-of-file on stdin.
    void closeWrite();

    /// Waits up to `wait` for bytes. Returns the bytes read (maybe empty on timeout) or an error;
    /// `eof` is set once the engine closed the stream.
    Result<std::string> read(std::chrono::milliseconds wait, bool& eof);

    /// Bytes that arrived together with the upgrade response.
    std::string takeLeftover();

    class Impl;
    explicit AttachStream(std::unique_ptr<Impl> impl);

private:
    friend class Client;
    std::unique_ptr<Impl> m_impl;
};

} // namespace agentrun::engine
