#pragma once

#include "agentrun/error.h"
#include "agentrun/model/runspec.h"

#include <string>
#include <vector>

#include <QString>

namespace agentrun::ui {

/// The workbench's words for a failure about where packages come from. The core's messages are the
/// command line's: they name its flags (`--wheelhouse DIR`, `--index-url URL`, `--allow`), which the
/// window does not have. For those errors — chosen by error code (deps.no_source, deps.source, and an
/// index that needs a network, engine.no_bridge) and by the field the run used — the window names the
/// Dependencies panel's fields instead ("the Wheelhouse field in the Dependencies panel"); any flag left
/// in another message is named as its field too. The CLI's messages are unchanged. `spec` is the run's
/// (its wheelhouse, index URL and cached list), `packages` what the code needed (RunResult::packages).
QString dependencyMessage(const agentrun::Error& error, const agentrun::model::RunSpec& spec,
                          const std::vector<std::string>& packages = {});

/// The field names as the messages use them.
QString wheelhouseFieldName();
QString indexUrlFieldName();

} // namespace agentrun::ui
