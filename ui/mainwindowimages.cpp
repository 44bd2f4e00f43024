// The toolbar's sandbox image picker and the remembered input files of saved snippets (issue 17).
#include "mainwindow.h"

#include "imagebuilddialog.h"
#include "codeeditor.h"
#include "editortabs.h"
#include "imagechoice.h"
#include "inputfilespanel.h"
#include "limitspanel.h"
#include "runcontroller.h"
#include "settings.h"

#include <QComboBox>
#include <QSignalBlocker>
#include <QStatusBar>

namespace agentrun::ui {

void MainWindow::refreshImages()
{
    const QString current = QString::fromStdString(m_controller->runner().config().image);
    QSignalBlocker quiet(m_imageCombo);
    m_imageCombo->clear();
    auto images = listSandboxImages(m_controller->runner().config(), current);
    if (!images) {
        // The engine is not reachable: only the image in use is offered, and why.
        m_imageCombo->addItem(current, current);
        m_imageCombo->setItemData(
            0, tr("The images could not be listed: %1").arg(QString::fromStdString(images.error().message)),
            Qt::ToolTipRole);
        return;
    }
    for (const SandboxImage& image : std::as_const(*images)) {
        m_imageCombo->addItem(image.present ? image.tag : tr("%1 (not built)").arg(image.tag), image.tag);
        const int row = m_imageCombo->count() - 1;
        m_imageCombo->setItemData(row, image.present, Qt::UserRole + 1);
        m_imageCombo->setItemData(
            row, image.present ? image.tag : tr("Not built: run %1").arg(image.buildHint), Qt::ToolTipRole);
        m_imageCombo->setItemData(row, image.buildHint, Qt::UserRole + 2);
    }
    m_imageCombo->setCurrentIndex(m_imageCombo->findData(current));
}

bool MainWindow::chooseImage(const QString& tag)
{
    const QString before = QString::fromStdString(m_controller->runner().config().image);
    const int row = m_imageCombo->findData(tag);
    const auto refuse = [&](const QString& why) {
        statusBar()->showMessage(why, 15000);
        m_imageCombo->setCurrentIndex(m_imageCombo->findData(before));
        return false;
    };
    if (row >= 0 && !m_imageCombo->itemData(row, Qt::UserRole + 1).toBool())
        return refuse(
            tr("%1 is not built: run %2").arg(tag, m_imageCombo->itemData(row, Qt::UserRole + 2).toString()));
    if (const QString refused = m_controller->setImage(tag.toStdString()); !refused.isEmpty())
        return refuse(refused);
    m_imageCombo->setCurrentIndex(row);
    m_settings.setValue(Settings::Key::SandboxImage, tag);
    m_imageBuilder = ImageBuildDialog::sandboxImageBuilder(m_controller->runner().config());
    m_limitsPanel->setImage(tag);
    QString said = tr("Runs use %1 from now on").arg(tag);
    if (tag != before && !m_controller->openSessions().isEmpty())
        said += tr("; sessions already open keep %1 (turn Run in Session off and on for one on %2)")
                    .arg(before, tag);
    statusBar()->showMessage(said, 15000);
    return true;
}

void MainWindow::rememberInputFiles(CodeEditor* editor)
{
    const QString file = editor ? m_tabs->filePath(m_tabs->indexOf(editor)) : QString();
    if (file.isEmpty())
        return; // an untitled tab's list lives as long as the tab
    QVariantMap all = m_settings.value(Settings::Key::InputFiles).toMap();
    QStringList encoded;
    for (const InputFileEntry& entry : m_inputFilesPanel->entries(editor))
        encoded << entry.path + u'\t' + entry.name;
    if (encoded.isEmpty())
        all.remove(file);
    else
        all.insert(file, encoded);
    m_settings.setValue(Settings::Key::InputFiles, all);
}

void MainWindow::recallInputFiles(CodeEditor* editor)
{
    const QString file = editor ? m_tabs->filePath(m_tabs->indexOf(editor)) : QString();
    if (file.isEmpty() || !m_inputFilesPanel->entries(editor).isEmpty())
        return;
    QList<InputFileEntry> entries;
    for (const QString& line : m_settings.value(Settings::Key::InputFiles).toMap().value(file).toStringList())
        entries.append({line.section(u'\t', 0, 0), line.section(u'\t', 1)});
    if (!entries.isEmpty())
        m_inputFilesPanel->setEntries(editor, entries);
}

} // namespace agentrun::ui
