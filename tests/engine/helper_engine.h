#pragma once

#include "agentrun/engine/client.h"

#include <QTest>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace testing {

/// The sandbox image the engine tests use (quickstart builds it).
inline const char* sandboxImage()
{
    const char* image = std::getenv("AGENTRUN_IMAGE");
    return image ? image : "agentrun-sandbox:latest";
}

/// A client for the engine under test; fails the test (never skips) when the engine or image is
/// missing: CI starts both, so their absence is a broken set-up, not a reason to pass.
std::unique_ptr<agentrun::engine::Client> requireEngine();

/// What a container printed and how it ended.
struct ContainerOutput
{
    std::string out;
    std::string err;
    int exitCode = -1;
};

/// Creates a container from `spec`, attaches, starts it, sends `input` on stdin (then end-of-file),
/// collects both streams until it ends (30 s at most), and removes it. A create failure is in `err`.
ContainerOutput runAttached(agentrun::engine::Client& client, const nlohmann::json& spec,
                            const std::string& input = {});

/// Containers this test process made (by their owner-pid label) that exist right now.
int managedContainers(agentrun::engine::Client& client);

/// Volumes this test process made with its owner-pid label (the wheelhouse copies) that exist right now.
int managedVolumes(agentrun::engine::Client& client);

/// The dependency cache volume that installing `requirements` (name, specifier) from the wheelhouse
/// folder `wheelhouse` into the sandbox image makes: a test removes it at its end, since a temporary
/// wheelhouse makes a new one every time (issue 22, bug 11).
std::string cacheVolumeFor(agentrun::engine::Client& client,
                           const std::vector<std::pair<std::string, std::string>>& requirements,
                           const std::string& wheelhouse);

/// Removes the volumes (absent ones are fine) and says which still exist afterwards (none, normally).
std::vector<std::string> removeVolumes(agentrun::engine::Client& client,
                                       const std::vector<std::string>& names);

} // namespace testing
