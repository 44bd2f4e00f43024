#include "profilebar.h"

#include <QAction>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QSaveFile>
#include <QSignalBlocker>

namespace agentrun::ui {

ProfileBar::ProfileBar(const QString& directory, QWidget* parent)
    : QWidget(parent), m_store(directory.toStdString())
{
    setObjectName(QStringLiteral("profileBar"));
    m_combo = new QComboBox(this);
    m_combo->setObjectName(QStringLiteral("profileCombo"));
    m_combo->setToolTip(tr("Profile: limits, policy and dependency settings"));
    m_combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_combo, &QComboBox::activated, this, [this] { select(m_combo->currentText()); });
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr(" Profile: "), this));
    layout->addWidget(m_combo);

    m_saveAs = new QAction(tr("Save as &Profile…"), this);
    m_saveAs->setObjectName(QStringLiteral("saveProfileAction"));
    connect(m_saveAs, &QAction::triggered, this, [this] {
        bool ok = false;
        const QString name =
            QInputDialog::getText(this, tr("Save as profile"), tr("Name (letters, digits, '-', '_', '.'):"),
                                  QLineEdit::Normal, currentName(), &ok);
        if (ok && !name.trimmed().isEmpty())
            saveAs(name.trimmed());
    });
    m_import = new QAction(tr("&Import Profile…"), this);
    m_import->setObjectName(QStringLiteral("importProfileAction"));
    connect(m_import, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Import profile"), {},
                                                          tr("Profile (*.json);;All files (*)"));
        if (!path.isEmpty())
            importFrom(path);
    });
    m_export = new QAction(tr("&Export Profile…"), this);
    m_export->setObjectName(QStringLiteral("exportProfileAction"));
    connect(m_export, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export profile"),
                                                          currentName() + u".json", tr("Profile (*.json)"));
        if (!path.isEmpty())
            exportTo(path);
    });
    refresh(QStringLiteral("default"));
}

QStringList ProfileBar::names() const
{
    QStringList out;
    for (const auto& name : m_store.names())
        out << QString::fromStdString(name);
    return out;
}

QString ProfileBar::currentName() const
{
    return m_combo->currentText();
}

void ProfileBar::setCurrentName(const QString& name)
{
    refresh(name);
}

void ProfileBar::refresh(const QString& current)
{
    const QSignalBlocker block(m_combo);
    m_combo->clear();
    m_combo->addItems(names());
    const int index = m_combo->findText(current);
    m_combo->setCurrentIndex(index >= 0 ? index : 0);
}

bool ProfileBar::fail(const QString& message)
{
    Q_EMIT failed(message);
    return false;
}

bool ProfileBar::select(const QString& name)
{
    auto profile = m_store.load(name.toStdString());
    if (!profile)
        return fail(QString::fromStdString(profile.error().message));
    refresh(name);
    Q_EMIT profileLoaded(*profile);
    return true;
}

bool ProfileBar::saveAs(const QString& name)
{
    if (!agentrun::profile::isValidName(name.toStdString()))
        return fail(
            tr("“%1” is not a valid profile name: use 1–64 letters, digits, '-', '_' or '.'.").arg(name));
    if (!m_capture)
        return fail(tr("Nothing to save."));
    auto profile = m_capture(name);
    if (!profile)
        return fail(QString::fromStdString(profile.error().message));
    profile->name = name.toStdString();
    if (auto saved = m_store.save(*profile); !saved)
        return fail(QString::fromStdString(saved.error().message));
    refresh(name);
    return true;
}

bool ProfileBar::importFrom(const QString& path)
{
    auto profile = m_store.importFile(path.toStdString());
    if (!profile)
        return fail(QString::fromStdString(profile.error().message));
    refresh(QString::fromStdString(profile->name));
    Q_EMIT profileLoaded(*profile);
    return true;
}

bool ProfileBar::exportTo(const QString& path)
{
    if (!m_capture)
        return fail(tr("Nothing to export."));
    auto profile = m_capture(currentName());
    if (!profile)
        return fail(QString::fromStdString(profile.error().message));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(QByteArray::fromStdString(agentrun::profile::toJson(*profile))) < 0 || !file.commit())
        return fail(tr("Cannot write %1: %2").arg(path, file.errorString()));
    return true;
}

} // namespace agentrun::ui
