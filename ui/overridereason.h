#pragma once

#include <optional>

#include <QString>
#include <QStringList>

class QWidget;

namespace agentrun::ui {

/// Asks why blocked code is safe to run (Run Anyway): a short modal QInputDialog whose field offers the
/// reasons given before (`recent`, newest first) and starts empty, so each override is a choice. OK stays
/// disabled until there is a reason. nullopt when cancelled.
std::optional<QString> askOverrideReason(QWidget* parent, const QString& policyLabel,
                                         const QStringList& recent);

} // namespace agentrun::ui
