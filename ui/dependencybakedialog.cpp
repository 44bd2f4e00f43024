#include "dependencybakedialog.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace agentrun::ui {

DependencyBakeDialog::DependencyBakeDialog(BakeFunction bake, const QString& what, QWidget* parent)
    : QDialog(parent), m_bake(std::move(bake))
{
    setObjectName(QStringLiteral("depsBakeDialog"));
    setWindowTitle(tr("Bake cached dependencies"));
    auto* text = new QLabel(tr("Baking %1 into an image derived from the sandbox image. pip runs in the "
                               "installer container; the image build has no network.")
                                .arg(what),
                            this);
    text->setWordWrap(true);
    m_log = new QPlainTextEdit(this);
    m_log->setObjectName(QStringLiteral("depsBakeLog"));
    m_log->setReadOnly(true);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_log->setMaximumBlockCount(5000);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("depsBakeStatusLabel"));
    m_status->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(this);
    m_closeButton = buttons->addButton(QDialogButtonBox::Cancel);
    m_closeButton->setObjectName(QStringLiteral("depsBakeCancelButton"));
    connect(m_closeButton, &QPushButton::clicked, this, &DependencyBakeDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(text);
    layout->addWidget(m_log, 1);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    resize(640, 420);
}

DependencyBakeDialog::~DependencyBakeDialog()
{
    if (m_cancel)
        m_cancel->store(true);
    m_future.waitForFinished();
}

void DependencyBakeDialog::start()
{
    if (m_baking)
        return;
    m_baking = true;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_closeButton->setText(tr("Cancel"));
    m_closeButton->setEnabled(true);
    m_status->setText(tr("Baking…"));
    m_log->clear();
    m_future = QtConcurrent::run([this, bake = m_bake, cancel = m_cancel] {
        const Progress progress = [this](std::string_view line) {
            QMetaObject::invokeMethod(
                this,
                [this, text = QString::fromUtf8(line.data(), qsizetype(line.size()))] {
                    m_log->appendPlainText(text.trimmed());
                },
                Qt::QueuedConnection);
        };
        const auto result = bake(progress, *cancel);
        const bool ok = result.has_value();
        const QString message = QString::fromStdString(ok ? *result : result.error().message);
        QMetaObject::invokeMethod(
            this, [this, ok, message] { onFinished(ok, message); }, Qt::QueuedConnection);
    });
}

void DependencyBakeDialog::cancel()
{
    if (!m_baking)
        return;
    m_cancel->store(true);
    m_status->setText(tr("Cancelling…"));
    m_closeButton->setEnabled(false);
}

void DependencyBakeDialog::reject()
{
    if (m_baking) {
        cancel(); // the dialog closes when the bake has stopped
        return;
    }
    QDialog::reject();
}

QString DependencyBakeDialog::log() const
{
    return m_log->toPlainText();
}

QString DependencyBakeDialog::statusText() const
{
    return m_status->text();
}

void DependencyBakeDialog::onFinished(bool ok, const QString& message)
{
    const bool cancelled = m_cancel && m_cancel->load();
    m_baking = false;
    m_closeButton->setEnabled(true);
    m_closeButton->setText(tr("Close"));
    m_status->setText(ok ? tr("Baked: %1. Runs with these cached dependencies use it.").arg(message)
                         : tr("Not baked: %1").arg(message));
    Q_EMIT bakeFinished(ok, message);
    if (cancelled)
        QDialog::reject();
}

} // namespace agentrun::ui
