#include "jobdialog.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace agentrun::ui {

JobDialog::JobDialog(Job job, const QString& title, const QString& explanation, const QString& name,
                     QWidget* parent)
    : QDialog(parent), m_job(std::move(job))
{
    setWindowTitle(title);
    auto* text = new QLabel(explanation, this);
    text->setWordWrap(true);
    m_log = new QPlainTextEdit(this);
    m_log->setObjectName(name + QStringLiteral("Log"));
    m_log->setReadOnly(true);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_log->setMaximumBlockCount(5000);
    m_status = new QLabel(this);
    m_status->setObjectName(name + QStringLiteral("StatusLabel"));
    m_status->setWordWrap(true);
    m_buttons = new QDialogButtonBox(this);
    m_cancelButton = m_buttons->addButton(QDialogButtonBox::Cancel);
    m_cancelButton->setObjectName(name + QStringLiteral("CancelButton"));
    connect(m_cancelButton, &QPushButton::clicked, this, &JobDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(text);
    layout->addWidget(m_log, 1);
    layout->addWidget(m_status);
    layout->addWidget(m_buttons);
    resize(640, 420);
}

JobDialog::~JobDialog()
{
    if (m_cancel)
        m_cancel->store(true);
    m_future.waitForFinished();
}

QString JobDialog::log() const
{
    return m_log->toPlainText();
}

QString JobDialog::statusText() const
{
    return m_status->text();
}

void JobDialog::setStatus(const QString& text)
{
    m_status->setText(text);
}

bool JobDialog::startJob(const QString& runningText)
{
    if (m_running)
        return false;
    m_running = true;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_cancelButton->setText(tr("Cancel"));
    m_cancelButton->setEnabled(true);
    m_status->setText(runningText);
    m_log->clear();
    m_future = QtConcurrent::run([this, job = m_job, cancel = m_cancel] {
        const Progress progress = [this](std::string_view line) {
            QMetaObject::invokeMethod(
                this,
                [this, text = QString::fromUtf8(line.data(), qsizetype(line.size()))] {
                    m_log->appendPlainText(text.trimmed());
                },
                Qt::QueuedConnection);
        };
        const auto result = job(progress, *cancel);
        const bool ok = result.has_value();
        const QString message = QString::fromStdString(ok ? *result : result.error().message);
        QMetaObject::invokeMethod(
            this, [this, ok, message] { onFinished(ok, message); }, Qt::QueuedConnection);
    });
    return true;
}

void JobDialog::cancelJob()
{
    if (!m_running)
        return;
    m_cancel->store(true);
    m_status->setText(tr("Cancelling…"));
    m_cancelButton->setEnabled(false);
}

void JobDialog::reject()
{
    if (m_running) {
        cancelJob(); // the dialog closes when the job has stopped
        return;
    }
    QDialog::reject();
}

void JobDialog::onFinished(bool ok, const QString& message)
{
    const bool cancelled = m_cancel && m_cancel->load();
    m_running = false;
    m_cancelButton->setEnabled(true);
    m_cancelButton->setText(tr("Close"));
    jobFinished(ok, message);
    if (cancelled)
        QDialog::reject();
}

} // namespace agentrun::ui
