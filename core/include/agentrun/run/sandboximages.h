#pragma once

#include "agentrun/error.h"
#include "agentrun/run/executorconfig.h"

#include <string>
#include <vector>

namespace agentrun::run {

/// The sandbox images on the engine of `config`: the tags of images labelled as the project's
/// (org.agentrun.image-hash) that are named agentrun-sandbox:*, sorted. For a front end's image picker,
/// which must not reach the engine client itself.
Result<std::vector<std::string>> sandboxImageTags(const ExecutorConfig& config);

/// Whether the engine of `config` has an image by that reference (labelled or not).
Result<bool> imagePresent(const ExecutorConfig& config, const std::string& reference);

} // namespace agentrun::run
