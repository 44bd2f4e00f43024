#pragma once

#include "agentrun/error.h"
#include "agentrun/run/executor.h"

namespace agentrun::run {

/// Every dependency setting of a request, checked before anything starts (no engine, no check; the
/// executor does it first): each whitelist and cached entry is a spec parseRequirement() accepts (a URL,
/// extras or markers are refused whether or not the code imports the package) and the source, when one
/// is set, is usable (the wheelhouse an existing folder you can list, the index an http(s) URL). Error
/// codes deps.spec and deps.source: the run is an invalid request (exit 2, HTTP 422).
Result<void> validateDependencySettings(const model::RunSpec& request);

/// For a person's own run (`agentrun run`): a whitelist that names packages (not `*` alone) with no
/// source to install them from and no cached dependencies says what to add (deps.no_source). A server's
/// whitelist is a rule about what may be installed, not a wish to install, and is not held to this.
Result<void> requireDependencySource(const model::RunSpec& request);

} // namespace agentrun::run
