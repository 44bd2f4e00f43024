#pragma once

#include "agentrun/error.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace agentrun::engine {
class Client;
}

namespace agentrun::deps {

/// How a short-lived helper container ended.
struct OneShotOutcome
{
    int exitCode = -1;
    bool timedOut = false;
    bool cancelled = false;
    std::string stdoutData; ///< kept only when asked for (bounded)
};

/// Creates a container from `spec`, attaches, starts it and feeds every output line (stdout and stderr,
/// without the newline) to `line` until it exits. At `timeout` or on `cancel` it is killed. The
/// container is removed in every case. `keepStdout` bytes of stdout are kept in the outcome. `started`
/// (when given) hears the container's id once it runs.
Result<OneShotOutcome> runOneShot(engine::Client& client, const nlohmann::json& spec,
                                  std::chrono::milliseconds timeout,
                                  const std::function<void(std::string_view)>& line,
                                  const std::atomic<bool>* cancel, std::size_t keepStdout = 0,
                                  const std::function<void(const std::string& id)>& started = {});

/// Labels every helper container carries: managed (so the reaper finds it), deps role, owner pid
/// (so the reaper leaves it alone while this process lives).
nlohmann::json helperLabels(std::string_view role);

} // namespace agentrun::deps
