#pragma once

#include <cstdio>
#include <random>
#include <string>

namespace agentrun::run {

/// `bytes` random bytes as lowercase hex: run ids, session ids, the agent's nonces.
inline std::string randomHex(int bytes)
{
    std::random_device device;
    std::string out;
    char buffer[3];
    for (int i = 0; i < bytes; ++i) {
        std::snprintf(buffer, sizeof buffer, "%02x", static_cast<unsigned>(device() & 0xff));
        out += buffer;
    }
    return out;
}

} // namespace agentrun::run
