#include "snippetfiles.h"

#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>

#include "editortabs.h"
#include "settings.h"

namespace agentrun::ui {

SnippetFiles::SnippetFiles(EditorTabs& tabs, Settings& settings, QWidget* dialogParent)
    : QObject(dialogParent), m_tabs(tabs), m_settings(settings), m_dialogParent(dialogParent)
{}

void SnippetFiles::setRecentMenu(QMenu* menu)
{
    m_recentMenu = menu;
    rebuildRecentMenu();
}

void SnippetFiles::openFile()
{
    const QString path = QFileDialog::getOpenFileName(
        m_dialogParent, tr("Open Python file"), m_settings.value(Settings::Key::LastDirectory).toString(),
        tr("Python (*.py);;All files (*)"));
    if (!path.isEmpty())
        openPath(path);
}

void SnippetFiles::openPath(const QString& path)
{
    if (auto opened = m_tabs.openFile(path); !opened) {
        QMessageBox::warning(m_dialogParent, tr("Open"), QString::fromStdString(opened.error().message));
        return;
    }
    m_settings.addRecentFile(QFileInfo(path).absoluteFilePath());
    m_settings.setValue(Settings::Key::LastDirectory, QFileInfo(path).absolutePath());
    rebuildRecentMenu();
}

void SnippetFiles::saveFile(bool askForName)
{
    QString path = m_tabs.filePath(m_tabs.currentIndex());
    if (askForName || path.isEmpty()) {
        const QString dir = path.isEmpty() ? m_settings.value(Settings::Key::LastDirectory).toString() : path;
        path = QFileDialog::getSaveFileName(m_dialogParent, tr("Save Python file"), dir,
                                            tr("Python (*.py);;All files (*)"));
        if (path.isEmpty())
            return;
        if (QFileInfo(path).suffix().isEmpty())
            path += QStringLiteral(".py");
    }
    if (auto saved = m_tabs.saveCurrent(path); !saved) {
        QMessageBox::warning(m_dialogParent, tr("Save"), QString::fromStdString(saved.error().message));
        return;
    }
    m_settings.addRecentFile(QFileInfo(path).absoluteFilePath());
    m_settings.setValue(Settings::Key::LastDirectory, QFileInfo(path).absolutePath());
    rebuildRecentMenu();
}

void SnippetFiles::rebuildRecentMenu()
{
    if (!m_recentMenu)
        return;
    m_recentMenu->clear();
    const QStringList files = m_settings.recentFiles();
    for (const QString& path : files)
        m_recentMenu->addAction(QDir::toNativeSeparators(path), this, [this, path] { openPath(path); });
    m_recentMenu->setEnabled(!files.isEmpty());
}

void SnippetFiles::loadExamples(QMenu* menu)
{
    const QDir dir(QStringLiteral(":/examples"));
    const QStringList names = dir.entryList({QStringLiteral("*.py")}, QDir::Files, QDir::Name);
    for (const QString& name : names) {
        menu->addAction(QFileInfo(name).completeBaseName(), this, [this, path = dir.filePath(name), name] {
            QFile file(path);
            if (file.open(QIODevice::ReadOnly))
                m_tabs.newTab(name, QString::fromUtf8(file.readAll()));
        });
    }
    menu->setEnabled(!names.isEmpty());
}

} // namespace agentrun::ui
