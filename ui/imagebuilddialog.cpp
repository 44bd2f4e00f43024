#include "imagebuilddialog.h"

#include "agentrun/engine/client.h"
#include "agentrun/engine/endpoint.h"
#include "agentrun/sandbox/imagebuilder.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

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
    : QDialog(parent), m_build(std::move(build))
{
    setObjectName(QStringLiteral("imageBuildDialog"));
    setWindowTitle(tr("Sandbox image"));
    auto* text = new QLabel(tr("%1\n\nBuild the sandbox image now? It takes a minute or two; the build runs "
                               "without network access for its steps.")
                                .arg(reason),
                            this);
    text->setWordWrap(true);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("imageBuildStatusLabel"));
    m_log = new QPlainTextEdit(this);
    m_log->setObjectName(QStringLiteral("imageBuildLog"));
    m_log->setReadOnly(true);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_log->setMaximumBlockCount(5000);
    auto* buttons = new QDialogButtonBox(this);
    m_buildButton = buttons->addButton(tr("Build"), QDialogButtonBox::AcceptRole);
    m_buildButton->setObjectName(QStringLiteral("imageBuildButton"));
    m_cancelButton = buttons->addButton(QDialogButtonBox::Cancel);
    m_cancelButton->setObjectName(QStringLiteral("imageBuildCancelButton"));
    connect(m_buildButton, &QPushButton::clicked, this, &ImageBuildDialog::startBuild);
    connect(m_cancelButton, &QPushButton::clicked, this, &ImageBuildDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(text);
    layout->addWidget(m_log, 1);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    resize(640, 420);
}

ImageBuildDialog::~ImageBuildDialog()
{
    if (m_cancel)
        m_cancel->store(true);
    m_future.waitForFinished();
}

void ImageBuildDialog::startBuild()
{
    if (m_building)
        return;
    m_building = true;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_buildButton->setEnabled(false);
    m_cancelButton->setText(tr("Cancel"));
    m_status->setText(tr("Building…"));
    m_log->clear();
    m_future = QtConcurrent::run([this, build = m_build, cancel = m_cancel] {
        const Progress progress = [this](std::string_view line) {
            QMetaObject::invokeMethod(
                this,
                [this, text = QString::fromUtf8(line.data(), qsizetype(line.size()))] { appendLine(text); },
                Qt::QueuedConnection);
        };
        const auto result = build(progress, *cancel);
        const bool ok = result.has_value();
        const QString message = QString::fromStdString(ok ? *result : result.error().message);
        QMetaObject::invokeMethod(
            this, [this, ok, message] { onFinished(ok, message); }, Qt::QueuedConnection);
    });
}

void ImageBuildDialog::cancelBuild()
{
    if (!m_building)
        return;
    m_cancel->store(true);
    m_status->setText(tr("Cancelling…"));
    m_cancelButton->setEnabled(false);
}

void ImageBuildDialog::reject()
{
    if (m_building) {
        cancelBuild(); // the dialog closes when the build has stopped
        return;
    }
    QDialog::reject();
}

QString ImageBuildDialog::log() const
{
    return m_log->toPlainText();
}

void ImageBuildDialog::appendLine(const QString& line)
{
    m_log->appendPlainText(line.trimmed());
}

void ImageBuildDialog::onFinished(bool ok, const QString& message)
{
    const bool cancelled = m_cancel && m_cancel->load();
    m_building = false;
    m_buildButton->setEnabled(!ok);
    m_buildButton->setText(tr("Build again"));
    m_cancelButton->setEnabled(true);
    m_cancelButton->setText(tr("Close"));
    m_status->setText(ok ? tr("Built %1.").arg(message.left(19)) : tr("Not built: %1").arg(message));
    Q_EMIT buildFinished(ok, message);
    if (cancelled)
        QDialog::reject();
}

} // namespace agentrun::ui
