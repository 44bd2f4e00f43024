#include "dependencybakedialog.h"

namespace agentrun::ui {

DependencyBakeDialog::DependencyBakeDialog(BakeFunction bake, const QString& what, QWidget* parent)
    : JobDialog(std::move(bake), tr("Bake cached dependencies"),
                tr("Baking %1 into an image derived from the sandbox image. pip runs in the installer "
                   "container; the image build has no network.")
                    .arg(what),
                QStringLiteral("depsBake"), parent)
{
    setObjectName(QStringLiteral("depsBakeDialog"));
}

void DependencyBakeDialog::start()
{
    startJob(tr("Baking…"));
}

void DependencyBakeDialog::cancel()
{
    cancelJob();
}

void DependencyBakeDialog::jobFinished(bool ok, const QString& message)
{
    setStatus(ok ? tr("Baked: %1. Runs with these cached dependencies use it.").arg(message)
                 : tr("Not baked: %1").arg(message));
    Q_EMIT bakeFinished(ok, message);
}

} // namespace agentrun::ui
