#pragma once

#include "agentrun/run/observer.h"
#include "agentrun/model/runresult.h"
#include "agentrun/safety/finding.h"

#include <QMetaType>

// Core value types that travel through queued signals and QSignalSpy.
Q_DECLARE_METATYPE(agentrun::model::RunResult)
Q_DECLARE_METATYPE(agentrun::model::Figure)
Q_DECLARE_METATYPE(agentrun::run::ResourceSample)
Q_DECLARE_METATYPE(agentrun::run::Stage)
Q_DECLARE_METATYPE(agentrun::model::Stream)
Q_DECLARE_METATYPE(agentrun::safety::Report)

namespace agentrun::ui {

/// Registers the types above once; called by the classes that emit them.
void registerMetaTypes();

} // namespace agentrun::ui
