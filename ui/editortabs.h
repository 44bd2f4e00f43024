#pragma once

#include "agentrun/error.h"

#include <QTabWidget>

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

Q_SIGNALS:
    void currentEditorChanged(agentrun::ui::CodeEditor* editor);
    /// Text of the current editor changed (live check).
    void currentTextChanged();

private:
    void updateTitle(CodeEditor* editor);
    int m_untitled = 0;
};

} // namespace agentrun::ui
