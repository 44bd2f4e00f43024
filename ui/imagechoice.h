#pragma once

// The sandbox images the workbench offers (issue 17): the project's known tags (agentrun-sandbox:latest,
// agentrun-sandbox:datascience), every image on the engine built by the project (the label
// org.agentrun.image-hash) and the configured one; a known one that is missing says how to build it. No
// widgets: MainWindow fills its image combo from this.

#include "agentrun/error.h"
#include "agentrun/run/executorconfig.h"

#include <QList>
#include <QString>

namespace agentrun::ui {

struct SandboxImage
{
    QString tag;
    bool present = false;
    QString buildHint; ///< for a missing one: the commands that build it
};

/// The images in the order shown: the known tags first, then the others by name. `current` (the image
/// runs use now) is always listed. Engine errors (not reachable) are the error.
agentrun::Result<QList<SandboxImage>> listSandboxImages(const agentrun::run::ExecutorConfig& config,
                                                        const QString& current);

} // namespace agentrun::ui
