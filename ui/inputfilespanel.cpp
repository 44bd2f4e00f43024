#include "inputfilespanel.h"

#include "codeeditor.h"
#include "contrast.h"
#include "labels.h"

#include <QAction>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace agentrun::ui {

namespace {
enum Column
{
    NameColumn,
    SizeColumn,
    PathColumn
};
} // namespace

InputFilesPanel::InputFilesPanel(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_view = new QTreeWidget(this);
    m_view->setObjectName(QStringLiteral("inputFilesView"));
    m_view->setHeaderLabels({tr("Name in /tmp"), tr("Size"), tr("Host file")});
    m_view->setRootIsDecorated(false);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    m_view->header()->setSectionResizeMode(PathColumn, QHeaderView::Stretch);
    m_view->setToolTip(tr("Files placed in the sandbox's /tmp before the code runs, read from disk at each "
                          "run. Drop files here; F2 renames one in the sandbox; Delete removes."));
    m_view->setAcceptDrops(true);
    m_view->viewport()->setAcceptDrops(true);
    m_view->viewport()->installEventFilter(this);
    // Delete removes the selected files while the list has the focus (an open rename editor takes the key).
    auto* remove = new QAction(tr("Remove"), m_view);
    remove->setShortcuts({QKeySequence::Delete, QKeySequence(Qt::Key_Backspace)});
    remove->setShortcutContext(Qt::WidgetShortcut);
    connect(remove, &QAction::triggered, this, &InputFilesPanel::removeSelected);
    m_view->addAction(remove);
    layout->addWidget(m_view);

    auto* row = new QHBoxLayout;
    auto* add = new QPushButton(tr("&Add Files…"), this);
    add->setObjectName(QStringLiteral("addInputFilesButton"));
    m_remove = new QPushButton(tr("&Remove"), this);
    m_remove->setObjectName(QStringLiteral("removeInputFilesButton"));
    m_summary = new QLabel(this);
    row->addWidget(add);
    row->addWidget(m_remove);
    row->addWidget(m_summary, 1);
    layout->addLayout(row);
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("inputFilesMessage"));
    m_message->setWordWrap(true);
    m_message->hide();
    layout->addWidget(m_message);

    askForFiles = [](QWidget* owner) {
        return QFileDialog::getOpenFileNames(owner, tr("Files for the sandbox's /tmp"));
    };
    connect(add, &QPushButton::clicked, this, &InputFilesPanel::addWithDialog);
    connect(m_remove, &QPushButton::clicked, this, &InputFilesPanel::removeSelected);
    connect(m_view, &QTreeWidget::itemChanged, this, &InputFilesPanel::renamed);
    connect(m_view, &QTreeWidget::itemSelectionChanged, this,
            [this] { m_remove->setEnabled(!m_view->selectedItems().isEmpty()); });
    refresh();
}

void InputFilesPanel::setEditor(CodeEditor* editor)
{
    if (editor && !m_lists.contains(editor))
        // A closed tab's list goes with it.
        connect(editor, &QObject::destroyed, this, [this, editor] { m_lists.remove(editor); });
    m_editor = editor;
    say({});
    refresh();
}

QList<InputFileEntry> InputFilesPanel::entries(const CodeEditor* editor) const
{
    return m_lists.value(editor);
}

void InputFilesPanel::setEntries(CodeEditor* editor, const QList<InputFileEntry>& entries)
{
    if (!m_lists.contains(editor))
        connect(editor, &QObject::destroyed, this, [this, editor] { m_lists.remove(editor); });
    m_lists.insert(editor, entries);
    if (editor == m_editor)
        refresh();
    Q_EMIT entriesChanged();
}

int InputFilesPanel::addPaths(const QStringList& paths)
{
    if (!m_editor) {
        say(tr("Open an editor tab first: input files belong to a tab."));
        return 0;
    }
    auto list = m_lists.value(m_editor);
    QStringList refused;
    int added = 0;
    for (const QString& path : paths) {
        const QFileInfo info(path);
        const QString absolute = info.absoluteFilePath();
        if (info.isDir()) {
            refused << tr("%1 is a folder: add the files in it, or pack it into an archive").arg(absolute);
            continue;
        }
        const bool listed = std::any_of(list.cbegin(), list.cend(),
                                        [&](const InputFileEntry& e) { return e.path == absolute; });
        if (listed) {
            refused << tr("%1 is already listed").arg(absolute);
            continue;
        }
        list.append({absolute, {}});
        ++added;
    }
    setEntries(m_editor, list);
    say(refused.join(QLatin1Char('\n')));
    return added;
}

void InputFilesPanel::removeSelected()
{
    if (!m_editor)
        return;
    QList<int> rows;
    for (QTreeWidgetItem* item : m_view->selectedItems())
        rows << m_view->indexOfTopLevelItem(item);
    std::sort(rows.begin(), rows.end(), std::greater<>());
    auto list = m_lists.value(m_editor);
    for (int row : rows)
        if (row >= 0 && row < list.size())
            list.removeAt(row);
    setEntries(m_editor, list);
    say({});
}

void InputFilesPanel::addWithDialog()
{
    const QStringList paths = askForFiles(this);
    if (!paths.isEmpty())
        addPaths(paths);
}

QString InputFilesPanel::message() const
{
    return m_message->text();
}

bool InputFilesPanel::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_view->viewport()) {
        if (event->type() == QEvent::DragEnter || event->type() == QEvent::DragMove) {
            auto* drag = static_cast<QDropEvent*>(event);
            if (drag->mimeData()->hasUrls()) {
                drag->acceptProposedAction();
                return true;
            }
        } else if (event->type() == QEvent::Drop) {
            auto* drop = static_cast<QDropEvent*>(event);
            QStringList paths;
            for (const QUrl& url : drop->mimeData()->urls())
                if (url.isLocalFile())
                    paths << url.toLocalFile();
            addPaths(paths);
            drop->acceptProposedAction();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void InputFilesPanel::refresh()
{
    m_refreshing = true;
    m_view->clear();
    const auto list = m_lists.value(m_editor);
    qint64 total = 0;
    for (const auto& entry : list) {
        const QFileInfo info(entry.path);
        auto* item = new QTreeWidgetItem(m_view);
        item->setFlags(item->flags() | Qt::ItemIsEditable);
        item->setText(NameColumn, sandboxName(entry));
        item->setText(PathColumn, entry.path);
        item->setToolTip(PathColumn, entry.path);
        if (info.isFile()) {
            item->setText(SizeColumn, sizeLabel(info.size()));
            total += info.size();
        } else {
            item->setText(SizeColumn, tr("missing"));
            item->setForeground(SizeColumn, textColor(TextTone::Error));
            item->setToolTip(SizeColumn, tr("No such file now: a run with this list is refused."));
        }
    }
    m_view->setEnabled(m_editor);
    m_remove->setEnabled(!m_view->selectedItems().isEmpty());
    m_summary->setText(list.isEmpty()
                           ? tr("No input files for this tab")
                           : tr("%n file(s), %1 of 32 MiB", nullptr, int(list.size())).arg(sizeLabel(total)));
    m_refreshing = false;
}

void InputFilesPanel::renamed(QTreeWidgetItem* item, int column)
{
    if (m_refreshing || !m_editor || column != NameColumn)
        return;
    auto list = m_lists.value(m_editor);
    const int row = m_view->indexOfTopLevelItem(item);
    if (row < 0 || row >= list.size())
        return;
    QString name = item->text(NameColumn).trimmed();
    // Back to the file's own name when cleared or set to it; the run checks the name (files.name).
    if (name == QFileInfo(list[row].path).fileName())
        name.clear();
    list[row].name = name;
    setEntries(m_editor, list);
}

void InputFilesPanel::say(const QString& text)
{
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
}

} // namespace agentrun::ui
