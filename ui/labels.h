#pragma once

#include "agentrun/run/observer.h"
#include "agentrun/model/runresult.h"
#include "agentrun/safety/finding.h"

#include <QString>

namespace agentrun::ui {

/// Words the window shows for core values. Status names are the stable ones of docs/cli.md ("ok",
/// "out_of_memory") so that what a person reads matches the CLI and the REST API.
QString statusName(agentrun::model::Status status);
QString stageLabel(agentrun::run::Stage stage);
QString severityName(agentrun::safety::Severity severity);
QString sizeLabel(qint64 bytes);
QString durationLabel(double milliseconds);
/// "finished: ok, exit 0, 41 ms, peak 9.2 MiB" (+ the result's message when there is one).
QString summaryLine(const agentrun::model::RunResult& result);

} // namespace agentrun::ui
