#include "agentrun/run/validate.h"

#include <cmath>

namespace agentrun::run {

Result<void> validate(const model::RunSpec& spec)
{
    if (auto valid = model::validate(spec.limits); !valid) {
        return valid;
    }
    if (auto valid = model::validateCollect(spec.collect); !valid) {
        return valid;
    }
    if (spec.stdinData.size() > MaxStdinBytes) {
        return fail("request.stdin", "The stdin data is larger than 64 MiB: pass less input.");
    }
    if (!std::isfinite(spec.installTimeoutSeconds) || spec.installTimeoutSeconds < 1 ||
        spec.installTimeoutSeconds > 3600) {
        return fail("request.install_timeout", "The install timeout must be between 1 and 3600 seconds.");
    }
    return {};
}

} // namespace agentrun::run
