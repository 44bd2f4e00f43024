#pragma once

#include "agentrun/error.h"
#include "agentrun/safety/finding.h"
#include "agentrun/safety/policy.h"

#include <memory>
#include <string>

#include <QStringList>

namespace agentrun::ui {

/// The workbench's one door to the core's static analyzer: loads policies and checks source. Every
/// function here is safe to call from any thread.
namespace safetycheck {

/// A preset name or a policy file path; the error names the problem.
agentrun::Result<std::shared_ptr<const agentrun::safety::Policy>> loadPolicy(const QString& nameOrPath);
agentrun::safety::Report check(const std::string& source, const agentrun::safety::Policy& policy);
QStringList presetNames();

} // namespace safetycheck

} // namespace agentrun::ui
