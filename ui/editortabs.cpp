#include "editortabs.h"

#include "agentrun/errorcodes.h"

#include <QFile>
#include <QFileInfo>
#include <QMessageBox>
#include <QSaveFile>
#include <QStringDecoder>

#include "codeeditor.h"

namespace agentrun::ui {

namespace {
const char* const PathProperty = "agentrunFilePath";
const char* const TitleProperty = "agentrunTitle";
constexpr qint64 MaxFileBytes = 20 << 20;
} // namespace

EditorTabs::EditorTabs(QWidget* parent) : QTabWidget(parent)
{
    setObjectName(QStringLiteral("editorTabs"));
    setDocumentMode(true);
    setTabsClosable(true);
    setMovable(true);
    connect(this, &QTabWidget::tabCloseRequested, this, &EditorTabs::requestClose);
    askBeforeClose = [this](const QStringList& titles) {
        const QString text =
            titles.size() == 1
                ? tr("“%1” has changes that are not saved.").arg(titles.front())
                : tr("%n snippets have changes that are not saved: %1.", nullptr, int(titles.size()))
                      .arg(titles.join(QStringLiteral(", ")));
        const auto answer = QMessageBox::warning(
            this, tr("Unsaved code"), text + u' ' + tr("Save them first?"),
            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
        return answer == QMessageBox::Save      ? CloseAnswer::Save
               : answer == QMessageBox::Discard ? CloseAnswer::Discard
                                                : CloseAnswer::Cancel;
    };
    connect(this, &QTabWidget::currentChanged, this,
            [this] { Q_EMIT currentEditorChanged(currentEditor()); });
}

CodeEditor* EditorTabs::currentEditor() const
{
    return qobject_cast<CodeEditor*>(currentWidget());
}

CodeEditor* EditorTabs::editorAt(int index) const
{
    return qobject_cast<CodeEditor*>(widget(index));
}

CodeEditor* EditorTabs::newTab(const QString& title, const QString& text)
{
    auto* editor = new CodeEditor(this);
    editor->setText(text);
    editor->setModified(false);
    editor->setProperty(TitleProperty, title.isEmpty() ? tr("Untitled %1").arg(++m_untitled) : title);
    connect(editor, &CodeEditor::modificationChanged, this, [this, editor] { updateTitle(editor); });
    connect(editor, &CodeEditor::pasteFiltered, this, &EditorTabs::pasteFiltered);
    connect(editor, &CodeEditor::textChanged, this, [this, editor] {
        if (editor == currentEditor())
            Q_EMIT currentTextChanged();
    });
    const int index = addTab(editor, QString());
    updateTitle(editor);
    setCurrentIndex(index);
    return editor;
}

QString EditorTabs::filePath(int index) const
{
    const QWidget* w = widget(index);
    return w ? w->property(PathProperty).toString() : QString();
}

agentrun::Result<void> EditorTabs::openFile(const QString& path)
{
    const QString canonical = QFileInfo(path).absoluteFilePath();
    for (int i = 0; i < count(); ++i)
        if (filePath(i) == canonical) {
            setCurrentIndex(i);
            return {};
        }
    QFile file(canonical);
    if (file.size() > MaxFileBytes)
        return agentrun::fail(errc::FileTooLarge, tr("%1 is larger than 20 MiB; that is not a snippet.")
                                                      .arg(QFileInfo(path).fileName())
                                                      .toStdString());
    if (!file.open(QIODevice::ReadOnly))
        return agentrun::fail(errc::FileRead,
                              tr("Cannot open %1: %2").arg(path, file.errorString()).toStdString());
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = utf8.decode(file.readAll());
    if (utf8.hasError())
        return agentrun::fail(errc::FileEncoding,
                              tr("%1 is not UTF-8 text.").arg(QFileInfo(path).fileName()).toStdString());

    // Reuse a pristine empty tab instead of leaving "Untitled 1" behind.
    CodeEditor* editor = currentEditor();
    if (!editor || editor->isModified() || !editor->text().isEmpty() || !filePath(currentIndex()).isEmpty())
        editor = newTab(QFileInfo(canonical).fileName(), text);
    else {
        editor->setText(text);
        editor->setModified(false);
    }
    editor->setProperty(PathProperty, canonical);
    editor->setProperty(TitleProperty, QFileInfo(canonical).fileName());
    updateTitle(editor);
    Q_EMIT fileOpened(editor);
    return {};
}

agentrun::Result<void> EditorTabs::saveCurrent(const QString& path)
{
    CodeEditor* editor = currentEditor();
    if (!editor)
        return agentrun::fail(errc::FileWrite, tr("There is no editor to save.").toStdString());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(editor->text().toUtf8()) < 0 || !file.commit())
        return agentrun::fail(errc::FileWrite,
                              tr("Cannot save %1: %2").arg(path, file.errorString()).toStdString());
    const QString canonical = QFileInfo(path).absoluteFilePath();
    editor->setProperty(PathProperty, canonical);
    editor->setProperty(TitleProperty, QFileInfo(canonical).fileName());
    editor->setModified(false);
    updateTitle(editor);
    return {};
}

void EditorTabs::closeTab(int index)
{
    QWidget* w = widget(index);
    if (!w)
        return;
    removeTab(index);
    w->deleteLater();
    if (count() == 0)
        newTab();
}

bool EditorTabs::unsaved(int index) const
{
    const CodeEditor* editor = editorAt(index);
    return editor && editor->isModified() && !editor->text().trimmed().isEmpty();
}

bool EditorTabs::save(const QList<int>& indexes)
{
    bool allSaved = true;
    for (int index : indexes) {
        if (saveTab) {
            setCurrentIndex(index);
            saveTab(index);
        }
        allSaved = allSaved && !unsaved(index);
    }
    return allSaved;
}

bool EditorTabs::requestClose(int index)
{
    if (!widget(index))
        return false;
    if (unsaved(index) && askBeforeClose) {
        const QString title = widget(index)->property(TitleProperty).toString();
        switch (askBeforeClose({title})) {
        case CloseAnswer::Cancel:
            return false;
        case CloseAnswer::Save:
            if (!save({index}))
                return false;
            break;
        case CloseAnswer::Discard:
            break;
        }
    }
    closeTab(index);
    return true;
}

bool EditorTabs::requestCloseAll()
{
    QList<int> indexes;
    QStringList titles;
    for (int i = 0; i < count(); ++i) {
        if (unsaved(i)) {
            indexes << i;
            titles << widget(i)->property(TitleProperty).toString();
        }
    }
    if (indexes.isEmpty() || !askBeforeClose)
        return true;
    switch (askBeforeClose(titles)) {
    case CloseAnswer::Cancel:
        return false;
    case CloseAnswer::Save:
        return save(indexes);
    case CloseAnswer::Discard:
        return true;
    }
    return false;
}

void EditorTabs::updateTitle(CodeEditor* editor)
{
    const int index = indexOf(editor);
    if (index < 0)
        return;
    const QString title = editor->property(TitleProperty).toString();
    setTabText(index, editor->isModified() ? title + u'*' : title);
    setTabToolTip(index, editor->property(PathProperty).toString());
}

} // namespace agentrun::ui
