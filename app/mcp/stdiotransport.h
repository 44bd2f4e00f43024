#pragma once

#include "server.h"

#include <cstddef>

namespace agentrun::mcp {

/// The stdio transport: reads newline-delimited messages from `inFd` and hands each to `server`, a
/// line longer than `maxLine` is dropped as it arrives (never held whole) and answered with an error.
/// Returns at end of input or when `stopFd` becomes readable (a signal), after every call in flight was
/// cancelled and has ended. Messages go out through the server's send function.
void serveLines(Server& server, int inFd, int stopFd, std::size_t maxLine = MaxLineBytes);

} // namespace agentrun::mcp
