#include "agentrun/run/validate.h"
#include "agentrun/errorcodes.h"

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
    if (auto valid = model::validateInputFiles(spec.files); !valid) {
        return valid;
    }
    if (spec.stdinData.size() > MaxStdinBytes) {
        return fail(errc::RequestStdin, "The stdin data is larger than 64 MiB: pass less input.");
    }
    if (!std::isfinite(spec.installTimeoutSeconds) || spec.installTimeoutSeconds < 1 ||
        spec.installTimeoutSeconds > 3600) {
        return fail(errc::RequestInstallTimeout, "The install timeout must be between 1 and 3600 seconds.");
    }
    return {};
}

} // namespace agentrun::run
