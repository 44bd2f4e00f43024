#include "helper_engine.h"

#include "agentrun/sandbox/containerspec.h"

#include <unistd.h>

namespace testing {

std::unique_ptr<agentrun::engine::Client> requireEngine()
{
    auto endpoint = agentrun::engine::Endpoint::resolve();
    if (!endpoint) {
        qFatal("DOCKER_HOST is invalid: %s", endpoint.error().message.c_str());
    }
    auto client = std::make_unique<agentrun::engine::Client>(*endpoint);
    auto info = client->info();
    if (!info) {
        qFatal("These tests need a running Docker engine (./packaging/quickstart.sh test starts one): %s",
               info.error().message.c_str());
    }
    if (auto image = client->inspectImage(sandboxImage()); !image) {
        qFatal("These tests need the sandbox image: %s", image.error().message.c_str());
    }
    return client;
}

int managedContainers(agentrun::engine::Client& client)
{
    // Only this process's own: other test executables run beside this one under ctest -j.
    auto ids = client.listContainers("org.agentrun.owner-pid=" + std::to_string(::getpid()));
    return ids ? static_cast<int>(ids->size()) : -1;
}

} // namespace testing
