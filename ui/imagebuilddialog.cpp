#include "imagebuilddialog.h"

#include "agentrun/run/imageservice.h"

#include <QDialogButtonBox>
#include <QPushButton>

#include <memory>

namespace agentrun::ui {

ImageBuildDialog::BuildFunction
ImageBuildDialog::sandboxImageBuilder(const agentrun::run::ExecutorConfig& config)
{
    // One service for every build of this window: the engine it talks to is the executor's.
    auto images = std::make_shared<agentrun::run::ImageService>(config);
    return
        [images](const Progress& progress, const std::atomic<bool>& cancel) -> agentrun::Result<std::string> {
            auto base = images->defaultBase();
            if (!base)
                return std::unexpected(base.error());
            progress("Building " + images->config().image + " on " + *base);
            return images->build(*base, progress, cancel);
        };
}

ImageBuildDialog::ImageBuildDialog(BuildFunction build, const QString& reason, QWidget* parent)
    : JobDialog(std::move(build), tr("Sandbox image"),
                tr("%1\n\nBuild the sandbox image now? It takes a minute or two; the build runs without "
                   "network access for its steps.")
                    .arg(reason),
                QStringLiteral("imageBuild"), parent)
{
    setObjectName(QStringLiteral("imageBuildDialog"));
    m_buildButton = buttons()->addButton(tr("Build"), QDialogButtonBox::AcceptRole);
    m_buildButton->setObjectName(QStringLiteral("imageBuildButton"));
    connect(m_buildButton, &QPushButton::clicked, this, &ImageBuildDialog::startBuild);
}

void ImageBuildDialog::startBuild()
{
    if (startJob(tr("Building…")))
        m_buildButton->setEnabled(false);
}

void ImageBuildDialog::cancelBuild()
{
    cancelJob();
}

void ImageBuildDialog::jobFinished(bool ok, const QString& message)
{
    m_buildButton->setEnabled(!ok);
    m_buildButton->setText(tr("Build again"));
    setStatus(ok ? tr("Built %1.").arg(message.left(19)) : tr("Not built: %1").arg(message));
    Q_EMIT buildFinished(ok, message);
}

} // namespace agentrun::ui
