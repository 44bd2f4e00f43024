#pragma once

#include "agentrun/error.h"

#include <QStringList>
#include <QTabWidget>

#include <functional>

namespace agentrun::ui {

class CodeEditor;

/// Several snippets side by side, each in a CodeEditor, optionally backed by a .py file.
class EditorTabs : public QTabWidget
{
    Q_OBJECT
public:
    explicit EditorTabs(QWidget* parent = nullptr);

    CodeEditor* currentEditor() const;
    CodeEditor* editorAt(int index) const;
    CodeEditor* newTab(const QString& title = {}, const QString& text = {});
    QString filePath(int index) const;

    /// Opens `path` in a new tab (or the tab that already shows it); the error says why not.
    agentrun::Result<void> openFile(const QString& path);
    /// Writes the current tab to `path` (UTF-8) and binds the tab to it.
    agentrun::Result<void> saveCurrent(const QString& path);
    /// Closes a tab; the last tab is replaced by an empty one so there is always an editor.
    void closeTab(int index);

    enum class CloseAnswer
    {
        Save,
        Discard,
        Cancel
    };
    /// Asked before unsaved code is closed, with the titles of the tabs concerned; by default a message
    /// box (tests replace it).
    std::function<CloseAnswer(const QStringList& titles)> askBeforeClose;
    /// Saves tab `index` (the window's Save, which asks for a name when the tab has none).
    std::function<void(int index)> saveTab;
    /// Closes tab `index` (Ctrl+W, its close button), asking first when it has unsaved code; false when it
    /// stays open (Cancel, or a Save that did not happen).
    bool requestClose(int index);
    /// The same for every tab at once (quitting): false when the window must stay open.
    bool requestCloseAll();

Q_SIGNALS:
    void currentEditorChanged(agentrun::ui::CodeEditor* editor);
    /// `editor` now shows a file opened from disk (bound to its path).
    void fileOpened(agentrun::ui::CodeEditor* editor);
    /// Text of the current editor changed (live check).
    void currentTextChanged();
    /// A paste into one of the editors kept only the Python of a chat answer (CodeEditor::pasteFiltered).
    void pasteFiltered(const QString& summary);

private:
    void updateTitle(CodeEditor* editor);
    /// Whether closing tab `index` would lose code: changed since it was opened or saved, and not empty.
    bool unsaved(int index) const;
    /// Saves the tabs; true when none of them is left unsaved.
    bool save(const QList<int>& indexes);
    int m_untitled = 0;
};

} // namespace agentrun::ui
