#pragma once

#include "agentrun/engine/client.h"

#include <QTest>

#include <memory>
#include <string>

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

/// Containers this test process made (by their owner-pid label) that exist right now.
int managedContainers(agentrun::engine::Client& client);

} // namespace testing
