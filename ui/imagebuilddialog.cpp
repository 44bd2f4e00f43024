#include "imagebuilddialog.h"

#include "agentrun/engine/client.h"
#include "agentrun/engine/endpoint.h"
#include "agentrun/sandbox/imagebuilder.h"

#include <QDialogButtonBox>
#include <QPushButton>

namespace agentrun::ui {

ImageBuildDialog::BuildFunction ImageBuildDialog::sandboxImageBuilder(const std::string& image)
{
    return
        [image](const Progress& progress, const std::atomic<bool>& cancel) -> agentrun::Result<std::string> {
            auto root = agentrun::sandbox::locateSandboxSources();
            if (!root)
                return std::unexpected(root.error());
            auto inputs = agentrun::sandbox::readSandboxInputs(*root);
            if (!inputs)
                return std::unexpected(inputs.error());
            auto endpoint = agentrun::engine::Endpoint::resolve();
            if (!endpoint)
                return std::unexpected(endpoint.error());
            agentrun::engine::Client client(*endpoint);
            if (auto info = client.info(); !info)
                return std::unexpected(info.error());
            const std::string base = client.inspectImage(agentrun::sandbox::DefaultBase)
                                         ? agentrun::sandbox::DefaultBase
                                         : agentrun::sandbox::OfflineBase;
            progress("Building " + image + " on " + base);
            return agentrun::sandbox::buildSandboxImage(client, *inputs, base, image, progress, cancel);
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
