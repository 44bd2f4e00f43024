#pragma once

// Internal to deps/: the wheelhouse handed to the installer as a copy, not as a bind mount.

#include "agentrun/error.h"

#include <string>

namespace agentrun::engine {
class Client;
}

namespace agentrun::deps {

/// The files of a host wheelhouse, copied into a fresh engine volume for one install and removed with
/// this object. A bind mount depended on host permissions: a folder made by `mktemp -d` (0700) could not
/// be read by the installer's user 65534 ("Permission denied: '/wheelhouse'"). The copy is read as the
/// person running agentrun (who can read their own folder) and arrives owned by root, files 0644, so the
/// installer reads it whatever the host modes. Only the folder's top level is copied: pip's --find-links
/// reads no further.
class WheelhouseVolume
{
public:
    /// At most this many bytes of files are copied (they pass through memory once).
    static constexpr std::size_t MaxBytes = std::size_t{2} << 30;

    /// Reads `directory` and fills a new volume through a created, never started container of `imageId`.
    /// Errors: deps.source (a file cannot be read, nothing to install from, too large), or the engine's.
    static Result<WheelhouseVolume> fill(engine::Client& client, const std::string& imageId,
                                         const std::string& directory);

    WheelhouseVolume(WheelhouseVolume&& other) noexcept;
    WheelhouseVolume& operator=(WheelhouseVolume&&) = delete;
    WheelhouseVolume(const WheelhouseVolume&) = delete;
    ~WheelhouseVolume(); ///< removes the volume

    const std::string& name() const { return m_name; }

private:
    WheelhouseVolume(engine::Client& client, std::string name) : m_client(&client), m_name(std::move(name)) {}
    engine::Client* m_client;
    std::string m_name;
};

} // namespace agentrun::deps
