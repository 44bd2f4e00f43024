#pragma once

#include <QObject>

class QMenu;
class QWidget;

namespace agentrun::ui {

class EditorTabs;
class Settings;

/// Opening and saving snippets as .py files, the recent-files menu and the Examples menu.
class SnippetFiles : public QObject
{
    Q_OBJECT
public:
    /// `dialogParent` owns this object and parents its file dialogs and messages.
    SnippetFiles(EditorTabs& tabs, Settings& settings, QWidget* dialogParent);

    void openFile();
    void openPath(const QString& path);
    void saveFile(bool askForName);
    /// The menu that lists the recent files; kept current from now on.
    void setRecentMenu(QMenu* menu);
    /// Fills `menu` with resources/examples (compiled in).
    void loadExamples(QMenu* menu);

private:
    void rebuildRecentMenu();

    EditorTabs& m_tabs;
    Settings& m_settings;
    QWidget* m_dialogParent;
    QMenu* m_recentMenu = nullptr;
};

} // namespace agentrun::ui
