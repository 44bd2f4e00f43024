#pragma once

#include "agentrun/safety/finding.h"

#include <nlohmann/json.hpp>

namespace agentrun::safety {

/// The `agentrun check --json` shapes (docs/cli.md, "JSON output").
nlohmann::json toJson(const Finding& finding);
nlohmann::json toJson(const Report& report);

} // namespace agentrun::safety
