#include "stdinpanel.h"

#include "agentrun/errorcodes.h"

#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QToolButton>
#include <QVBoxLayout>

#include "settings.h"

namespace agentrun::ui {

StdinPanel::StdinPanel(Settings& settings, QWidget* parent) : QWidget(parent), m_settings(settings)
{
    setObjectName(QStringLiteral("stdinPanel"));
    m_text = new QPlainTextEdit(this);
    m_text->setObjectName(QStringLiteral("stdinEdit"));
    m_text->setPlaceholderText(tr("Text the program reads with input() or sys.stdin"));
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setPlainText(m_settings.value(Settings::Key::Stdin).toString());
    connect(m_text, &QPlainTextEdit::textChanged, this,
            [this] { m_settings.setValue(Settings::Key::Stdin, m_text->toPlainText()); });
    auto* fromFile = new QToolButton(this);
    fromFile->setObjectName(QStringLiteral("stdinFileButton"));
    fromFile->setText(tr("From file…"));
    connect(fromFile, &QToolButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Standard input from file"));
        if (!path.isEmpty())
            setFilePath(path);
    });
    m_fileLabel = new QLabel(this);
    m_fileLabel->setObjectName(QStringLiteral("stdinFileLabel"));
    m_clearFile = new QToolButton(this);
    m_clearFile->setObjectName(QStringLiteral("stdinClearFileButton"));
    m_clearFile->setText(tr("Use text"));
    connect(m_clearFile, &QToolButton::clicked, this, [this] { setFilePath({}); });
    auto* row = new QHBoxLayout;
    row->addWidget(fromFile);
    row->addWidget(m_fileLabel, 1);
    row->addWidget(m_clearFile);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_text, 1);
    layout->addLayout(row);
    setFilePath({});
}

QString StdinPanel::text() const
{
    return m_text->toPlainText();
}

void StdinPanel::setText(const QString& text)
{
    m_text->setPlainText(text);
}

void StdinPanel::setFilePath(const QString& path)
{
    m_filePath = path;
    m_text->setEnabled(path.isEmpty());
    m_clearFile->setVisible(!path.isEmpty());
    m_fileLabel->setText(path.isEmpty() ? tr("Typed text is sent to stdin")
                                        : tr("stdin from %1").arg(QFileInfo(path).fileName()));
    m_fileLabel->setToolTip(path);
}

agentrun::Result<std::string> StdinPanel::data() const
{
    if (m_filePath.isEmpty())
        return m_text->toPlainText().toStdString();
    QFile file(m_filePath);
    if (!file.open(QIODevice::ReadOnly))
        return agentrun::fail(errc::StdinFile,
                              tr("Cannot read %1: %2").arg(m_filePath, file.errorString()).toStdString());
    if (file.size() > MaxFileBytes)
        return agentrun::fail(
            errc::StdinTooLarge,
            tr("%1 is larger than 64 MiB; stdin takes at most that.").arg(m_filePath).toStdString());
    const QByteArray bytes = file.readAll();
    return std::string(bytes.constData(), size_t(bytes.size()));
}

} // namespace agentrun::ui
