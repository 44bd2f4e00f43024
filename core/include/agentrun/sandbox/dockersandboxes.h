#pragma once

#include "agentrun/engine/client.h"
#include "agentrun/sandbox/sandboxengine.h"

#include <nlohmann/json.hpp>

namespace agentrun::sandbox {

/// The sandbox engine on the Docker Engine API: a sandbox is a container made from containerSpec() (the
/// hardening), its streams a hijacked attach or exec connection, its figures the stats stream. Uses the
/// client it is given (the caller keeps it alive and may use it for images, volumes and networks).
class DockerSandboxes final : public SandboxEngine
{
public:
    explicit DockerSandboxes(engine::Client& client) : m_client(client) {}

    std::string address() const override;
    Result<std::string> create(const SandboxRequest& request) override;
    Result<engine::AttachStream> attach(std::string_view id) override;
    Result<void> start(std::string_view id) override;
    Result<void> kill(std::string_view id) override;
    Result<void> remove(std::string_view id) override;
    Result<int> wait(std::string_view id, std::chrono::milliseconds timeout) override;
    Result<SandboxState> state(std::string_view id) override;
    Result<void> stats(std::string_view id, const std::function<bool(const SandboxStats&)>& sample,
                       const std::atomic<bool>& stop) override;
    Result<SandboxExec> exec(std::string_view id, const std::vector<std::string>& command,
                             std::string_view user) override;
    Result<std::optional<int>> execExitCode(std::string_view execId) override;
    Result<void> putFiles(std::string_view id, std::string_view directory, std::string_view tar) override;
    Result<void> getFiles(std::string_view id, std::string_view path,
                          const std::function<bool(std::string_view)>& sink,
                          const std::atomic<bool>& cancel) override;
    Result<std::vector<std::string>> list(std::string_view label) override;

private:
    engine::Client& m_client;
};

/// The Engine API create body (Config + HostConfig) for `request`: containerSpec() and what the request
/// adds to it.
nlohmann::json dockerCreateBody(const SandboxRequest& request);

/// The figures in one answer of the engine's stats stream. Read without trusting the answer: an absent or
/// mistyped field reads as 0, never as an exception (this runs inside a libcurl callback).
SandboxStats dockerStats(const nlohmann::json& stats);

/// The state in the engine's description of a container (GET /containers/{id}/json), read the same way.
SandboxState dockerState(const nlohmann::json& container);

} // namespace agentrun::sandbox
