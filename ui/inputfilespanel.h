#pragma once

// The Files panel: the input files of the current editor tab (issue 17). Each tab has its own list; the
// panel shows the current tab's. Add with a file dialog (Ctrl+Shift+O in the window, the panel's Add
// button) or by dropping files on the list; Delete removes the selected ones; F2 or a double click renames
// a file in the sandbox. The files are read at each run (inputfiles.h), not here.

#include "inputfiles.h"

#include <QHash>
#include <QPointer>
#include <QWidget>

#include <functional>

class QLabel;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace agentrun::ui {

class CodeEditor;

class InputFilesPanel : public QWidget
{
    Q_OBJECT
public:
    explicit InputFilesPanel(QWidget* parent = nullptr);

    /// Shows (and edits) the list of `editor`; nullptr shows nothing.
    void setEditor(CodeEditor* editor);
    QList<InputFileEntry> entries(const CodeEditor* editor) const;
    void setEntries(CodeEditor* editor, const QList<InputFileEntry>& entries);
    /// Adds host files to the current tab's list; a folder or a path already listed is refused with a
    /// message in the panel. Returns how many were added.
    int addPaths(const QStringList& paths);
    void removeSelected();
    /// Opens the file dialog (replaceable by tests) and adds what was chosen.
    void addWithDialog();
    std::function<QStringList(QWidget* parent)> askForFiles;

    /// Shows the sizes on disk now (a file that went missing is marked): at each run, since the files are
    /// read then.
    void refresh();

    QTreeWidget* view() const { return m_view; }
    QString message() const;

Q_SIGNALS:
    void entriesChanged();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void renamed(QTreeWidgetItem* item, int column);
    void say(const QString& text);

    QPointer<CodeEditor> m_editor;
    QHash<const CodeEditor*, QList<InputFileEntry>> m_lists;
    QTreeWidget* m_view = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_message = nullptr;
    QPushButton* m_remove = nullptr;
    bool m_refreshing = false;
};

} // namespace agentrun::ui
