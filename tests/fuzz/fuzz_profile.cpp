// Profile and policy parsers on arbitrary text: errors, never crashes; what parses round-trips.
#include "agentrun/profile/profile.h"
#include "agentrun/safety/policy.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto profile = agentrun::profile::fromJson(text)) {
        auto again = agentrun::profile::fromJson(agentrun::profile::toJson(*profile));
        if (!again || !(*again == *profile)) {
            std::abort();
        }
    }
    if (auto policy = agentrun::safety::Policy::fromJson(text)) {
        if (!agentrun::safety::Policy::fromJson(policy->toJson())) {
            std::abort();
        }
    }
    return 0;
}
