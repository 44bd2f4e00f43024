#pragma once

#include "agentrun/safety/finding.h"

#include <nlohmann/json.hpp>

namespace agentrun::safety {

/// The `agentrun check --json` shapes of docs CONTRACTS.md.
nlohmann::json toJson(const Finding& finding);
nlohmann::json toJson(const Report& report);

} // namespace agentrun::safety
