#include "run/leftovers.h"

#include "agentrun/sandbox/containerspec.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <string>

namespace agentrun::run {

int removeLeftovers(sandbox::SandboxEngine& sandboxes, engine::Client& client)
{
    int removed = 0;
    auto ids = sandboxes.list(sandbox::ManagedLabel);
    for (const auto& id : ids ? *ids : std::vector<std::string>()) {
        auto state = sandboxes.state(id);
        if (!state) {
            continue;
        }
        const auto owner = state->labels.find("org.agentrun.owner-pid");
        const long pid = owner == state->labels.end() ? 0 : std::strtol(owner->second.c_str(), nullptr, 10);
        // Only sandboxes that name their owner are ours to judge; the owner must be gone.
        const bool ownerGone = pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
        if (ownerGone && sandboxes.remove(id)) {
            ++removed;
        }
    }
    // The internal networks of egress proxies (sandbox/egressproxy.h), once their containers are gone.
    if (auto networks = client.listNetworks(sandbox::ManagedLabel)) {
        for (const auto& [id, labels] : *networks) {
            const auto owner = labels.find("org.agentrun.owner-pid");
            const long pid = owner == labels.end() ? 0 : std::strtol(owner->second.c_str(), nullptr, 10);
            const bool ownerGone = pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
            if (ownerGone) {
                if (auto gone = client.removeNetwork(id); gone && *gone == engine::Client::Removal::Removed) {
                    ++removed;
                }
            }
        }
    }
    return removed;
}

} // namespace agentrun::run
