// MainWindow's session restore: the editor tabs come back after a restart (sessionrestore.h). Kept apart
// from mainwindow.cpp, which wires the panels.
#include "mainwindow.h"

#include <QStatusBar>

#include "editortabs.h"
#include "sessionrestore.h"

namespace agentrun::ui {

bool MainWindow::restoreSession(const QString& sessionFile)
{
    if (m_autosave)
        return false; // once: a second read would find the tabs of this start
    const QString path = sessionFile.isEmpty() ? SessionFile::defaultPath() : sessionFile;
    m_autosave = new SessionAutosave(*m_tabs, path, this);
    connect(m_autosave, &SessionAutosave::failed, this,
            [this](const QString& message) { statusBar()->showMessage(message, 15000); });
    const SessionFile file(path);
    const SessionFile::Loaded loaded = file.read();
    if (!loaded.problem.isEmpty()) {
        // Never overwrite what could not be read: move it aside first, or do not save this time.
        QString aside;
        if (file.moveAside(&aside)) {
            m_autosave->setNote(
                tr("Last session not restored: %1. It is kept as %2.").arg(loaded.problem, aside));
            m_autosave->arm();
        } else {
            m_autosave->setNote(tr("Last session not restored: %1. Open tabs are not saved for the next "
                                   "start until it is moved away.")
                                    .arg(loaded.problem));
        }
        statusBar()->showMessage(m_autosave->note(), 30000);
        return false;
    }
    bool restored = false;
    if (loaded.session && !loaded.session->tabs.empty()) {
        const QStringList problems = restoreTabs(*m_tabs, *loaded.session);
        restored = true;
        const int n = int(loaded.session->tabs.size());
        QString note = n == 1 ? tr("Restored 1 tab from the last session")
                              : tr("Restored %1 tabs from the last session").arg(n);
        if (!problems.isEmpty())
            note += u"; " + problems.join(u"; ");
        m_autosave->setNote(note);
        statusBar()->showMessage(note, 15000);
    }
    m_autosave->arm();
    return restored;
}

} // namespace agentrun::ui
