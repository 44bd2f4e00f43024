#pragma once

#include "agentrun/error.h"
#include "agentrun/model/runspec.h"

#include <cstddef>

namespace agentrun::run {

/// The most stdin a run takes (it is held in memory and sent whole).
inline constexpr std::size_t MaxStdinBytes = 64u << 20;

/// The one validation of a run description, before anything starts: the limits' ranges, the files to
/// collect, the size of stdin, the install timeout. The executor applies it to every run; a front end
/// may call it earlier to answer at once. Errors name the field (`limits.memory`, `request.collect_to`,
/// `request.stdin`, `request.install_timeout`) and the accepted range. What a particular server allows
/// on top (ceilings, whitelist) is run::admit's.
Result<void> validate(const model::RunSpec& spec);

} // namespace agentrun::run
