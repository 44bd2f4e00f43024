#pragma once

// The non-throwing readers live in agentrun/jsonfield.h, where every module that reads outside JSON
// reaches them; the engine's sources keep their short names.
#include "agentrun/jsonfield.h"

namespace agentrun::engine {

using json::integerField;
using json::textField;

} // namespace agentrun::engine
