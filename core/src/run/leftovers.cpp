#include "run/leftovers.h"

#include "agentrun/jsonfield.h"
#include "agentrun/sandbox/containerspec.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <string>

namespace agentrun::run {

int removeLeftovers(engine::Client& client)
{
    auto ids = client.listContainers(sandbox::ManagedLabel);
    if (!ids) {
        return 0;
    }
    int removed = 0;
    for (const auto& id : *ids) {
        auto state = client.inspectContainer(id);
        if (!state) {
            continue;
        }
        const auto& labels = json::objectField(json::objectField(*state, "Config"), "Labels");
        const std::string owner = json::textField(labels, "org.agentrun.owner-pid");
        const long pid = std::strtol(owner.c_str(), nullptr, 10);
        // Only containers that name their owner are ours to judge; the owner must be gone.
        const bool ownerGone = pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
        if (ownerGone && client.removeContainer(id)) {
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
