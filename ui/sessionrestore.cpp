#include "sessionrestore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QSet>
#include <QStandardPaths>
#include <QTabBar>

#include "codeeditor.h"
#include "editortabs.h"

namespace agentrun::ui {

namespace {

constexpr int FormatVersion = 1;
const char* const WatchedProperty = "agentrunSessionWatched";

} // namespace

SessionFile::SessionFile(QString path) : m_path(std::move(path)) {}

QString SessionFile::defaultPath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .filePath(QStringLiteral("session.json"));
}

QByteArray SessionFile::toJson(const SavedSession& session)
{
    QJsonArray tabs;
    for (const SavedTab& tab : session.tabs) {
        QJsonObject o;
        o.insert(QStringLiteral("title"), tab.title);
        if (!tab.path.isEmpty())
            o.insert(QStringLiteral("path"), tab.path);
        if (tab.path.isEmpty() || tab.modified)
            o.insert(QStringLiteral("text"), tab.text);
        o.insert(QStringLiteral("modified"), tab.modified);
        tabs.append(o);
    }
    QJsonObject root;
    root.insert(QStringLiteral("version"), FormatVersion);
    root.insert(QStringLiteral("current"), session.current);
    root.insert(QStringLiteral("tabs"), tabs);
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

std::optional<SavedSession> SessionFile::fromJson(const QByteArray& json, QString* error)
{
    const auto fail = [error](const QString& why) -> std::optional<SavedSession> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    QJsonParseError parse{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parse);
    if (parse.error != QJsonParseError::NoError)
        return fail(QObject::tr("not JSON (%1 at byte %2)").arg(parse.errorString()).arg(parse.offset));
    if (!doc.isObject())
        return fail(QObject::tr("not a JSON object"));
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("version")).toInt(-1) != FormatVersion)
        return fail(
            QObject::tr("unknown version %1")
                .arg(QString::fromUtf8(QJsonDocument(QJsonArray{root.value(QStringLiteral("version"))})
                                           .toJson(QJsonDocument::Compact))));
    const QJsonValue tabsValue = root.value(QStringLiteral("tabs"));
    if (!tabsValue.isArray())
        return fail(QObject::tr("\"tabs\" is not a list"));
    const QJsonArray tabs = tabsValue.toArray();
    if (tabs.size() > SessionFile::MaxTabs)
        return fail(QObject::tr("%1 tabs, more than %2").arg(tabs.size()).arg(SessionFile::MaxTabs));
    SavedSession session;
    for (qsizetype i = 0; i < tabs.size(); ++i) {
        if (!tabs.at(i).isObject())
            return fail(QObject::tr("tab %1 is not an object").arg(i + 1));
        const QJsonObject o = tabs.at(i).toObject();
        SavedTab tab;
        for (const auto& [key, field] :
             {std::pair{QStringLiteral("title"), &tab.title}, std::pair{QStringLiteral("path"), &tab.path},
              std::pair{QStringLiteral("text"), &tab.text}}) {
            const QJsonValue v = o.value(key);
            if (!v.isUndefined() && !v.isString())
                return fail(QObject::tr("tab %1: \"%2\" is not a string").arg(i + 1).arg(key));
            *field = v.toString();
        }
        const QJsonValue modified = o.value(QStringLiteral("modified"));
        if (!modified.isUndefined() && !modified.isBool())
            return fail(QObject::tr("tab %1: \"modified\" is not true or false").arg(i + 1));
        tab.modified = modified.toBool();
        if (tab.path.isEmpty() && !o.contains(QStringLiteral("text")))
            return fail(QObject::tr("tab %1 has neither a path nor a text").arg(i + 1));
        session.tabs.push_back(std::move(tab));
    }
    session.current =
        qBound(0, root.value(QStringLiteral("current")).toInt(0), qMax(0, int(session.tabs.size()) - 1));
    return session;
}

SessionFile::Loaded SessionFile::read() const
{
    Loaded out;
    const QFileInfo info(m_path);
    if (!info.exists() && !info.isSymLink())
        return out; // the first start: nothing to restore
    if (info.isDir()) {
        out.problem = QObject::tr("%1 is a folder, not a file").arg(m_path);
        return out;
    }
    if (info.size() > MaxBytes) {
        out.problem = QObject::tr("%1 is %2 bytes, larger than a session can be (%3 MiB)")
                          .arg(m_path)
                          .arg(info.size())
                          .arg(MaxBytes >> 20);
        return out;
    }
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly)) {
        out.problem = QObject::tr("cannot read %1: %2").arg(m_path, file.errorString());
        return out;
    }
    // The size may change between the look and the read (or lie, for a device): never read past the cap.
    const QByteArray bytes = file.read(MaxBytes + 1);
    if (bytes.size() > MaxBytes) {
        out.problem =
            QObject::tr("%1 is larger than a session can be (%2 MiB)").arg(m_path).arg(MaxBytes >> 20);
        return out;
    }
    QString why;
    out.session = fromJson(bytes, &why);
    if (!out.session)
        out.problem = QObject::tr("%1 is damaged: %2").arg(m_path, why);
    return out;
}

bool SessionFile::write(const SavedSession& session, QString* error) const
{
    const QByteArray json = toJson(session);
    if (json.size() > MaxBytes) {
        if (error)
            *error = QObject::tr("the open tabs hold more than %1 MiB; they are not saved in the session")
                         .arg(MaxBytes >> 20);
        return false;
    }
    if (!QDir().mkpath(QFileInfo(m_path).absolutePath())) {
        if (error)
            *error = QObject::tr("cannot create the folder of %1").arg(m_path);
        return false;
    }
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size() || !file.commit()) {
        if (error)
            *error = QObject::tr("cannot write %1: %2").arg(m_path, file.errorString());
        return false;
    }
    return true;
}

bool SessionFile::moveAside(QString* movedTo) const
{
    const QString aside = m_path + QStringLiteral(".bad");
    if (QFileInfo(aside).isFile())
        QFile::remove(aside);
    if (!QFileInfo(m_path).isFile() || QFileInfo::exists(aside) || !QFile::rename(m_path, aside))
        return false;
    if (movedTo)
        *movedTo = aside;
    return true;
}

SavedSession captureTabs(const EditorTabs& tabs)
{
    SavedSession session;
    for (int i = 0; i < tabs.count(); ++i) {
        const CodeEditor* editor = tabs.editorAt(i);
        if (!editor)
            continue;
        SavedTab tab;
        tab.path = tabs.filePath(i);
        tab.title = tabs.tabText(i);
        if (tab.title.endsWith(u'*'))
            tab.title.chop(1);
        tab.modified = editor->isModified();
        if (tab.path.isEmpty()) {
            tab.text = editor->text();
            if (tab.text.isEmpty())
                continue;        // an empty scratch tab holds nothing to keep
            tab.modified = true; // never saved anywhere
        } else if (tab.modified) {
            tab.text = editor->text();
        }
        if (i == tabs.currentIndex())
            session.current = int(session.tabs.size());
        session.tabs.push_back(std::move(tab));
    }
    return session;
}

QStringList restoreTabs(EditorTabs& tabs, const SavedSession& session)
{
    QStringList problems;
    // The window starts with one empty tab: it goes once something is restored.
    const auto isPristine = [&tabs](CodeEditor* editor) {
        const int index = tabs.indexOf(editor);
        return editor && index >= 0 && tabs.filePath(index).isEmpty() && editor->text().isEmpty() &&
               !editor->isModified();
    };
    CodeEditor* pristine = tabs.count() == 1 && isPristine(tabs.editorAt(0)) ? tabs.editorAt(0) : nullptr;
    // QScintilla cannot be told that text is modified: text set after the tab opened makes it so, and
    // closing such a tab asks first, as it did before the restart.
    const auto scratch = [&tabs](const QString& title, const QString& text) {
        CodeEditor* editor = tabs.newTab(title);
        editor->setText(text);
        return editor;
    };
    std::vector<CodeEditor*> opened;
    for (const SavedTab& tab : session.tabs) {
        CodeEditor* editor = nullptr;
        if (!tab.path.isEmpty() && QFileInfo(tab.path).isFile()) {
            if (auto ok = tabs.openFile(tab.path); ok) {
                editor = tabs.currentEditor();
                if (tab.modified && editor->text() != tab.text)
                    editor->setText(tab.text); // the unsaved changes, over the file as it is on disk
            } else {
                problems << QString::fromStdString(ok.error().message);
            }
        }
        if (!editor && tab.path.isEmpty()) {
            editor = scratch(tab.title, tab.text);
        } else if (!editor && tab.modified) {
            // The file is gone, its unsaved text is not: a scratch tab holds it, named after the file.
            editor = scratch(QFileInfo(tab.path).fileName(), tab.text);
            problems << QObject::tr("%1 is gone; its unsaved text is in a new tab").arg(tab.path);
        } else if (!editor) {
            problems << QObject::tr("%1 is gone").arg(tab.path);
        }
        opened.push_back(editor);
    }
    if (pristine && tabs.count() > 1 && isPristine(pristine))
        tabs.closeTab(tabs.indexOf(pristine));
    if (session.current >= 0 && session.current < int(opened.size()) && opened[std::size_t(session.current)])
        tabs.setCurrentWidget(opened[std::size_t(session.current)]);
    return problems;
}

SessionAutosave::SessionAutosave(EditorTabs& tabs, QString path, QObject* parent)
    : QObject(parent), m_tabs(tabs), m_file(std::move(path))
{
    setObjectName(QStringLiteral("sessionAutosave"));
    m_timer.setSingleShot(true);
    m_timer.setInterval(DefaultDelayMs);
    connect(&m_timer, &QTimer::timeout, this, &SessionAutosave::saveNow);
    for (int i = 0; i < m_tabs.count(); ++i)
        watch(m_tabs.widget(i));
    // A new tab becomes the current one (EditorTabs::newTab); a closed or moved one changes the list.
    connect(&m_tabs, &EditorTabs::currentEditorChanged, this, [this](CodeEditor* editor) {
        watch(editor);
        schedule();
    });
    connect(&m_tabs, &EditorTabs::fileOpened, this, [this] { schedule(); });
    connect(&m_tabs, &QTabWidget::tabCloseRequested, this, [this] { schedule(); });
    connect(m_tabs.tabBar(), &QTabBar::tabMoved, this, [this] { schedule(); });
}

void SessionAutosave::watch(QObject* editor)
{
    auto* code = qobject_cast<CodeEditor*>(editor);
    if (!code || code->property(WatchedProperty).toBool())
        return;
    code->setProperty(WatchedProperty, true);
    connect(code, &CodeEditor::textChanged, this, &SessionAutosave::schedule);
    connect(code, &CodeEditor::modificationChanged, this, &SessionAutosave::schedule);
    connect(code, &QObject::destroyed, this, &SessionAutosave::schedule);
}

void SessionAutosave::schedule()
{
    if (m_armed)
        m_timer.start(); // restarted by each edit: written a short time after the last one
}

bool SessionAutosave::saveNow()
{
    m_timer.stop();
    if (!m_armed)
        return false;
    QString error;
    if (!m_file.write(captureTabs(m_tabs), &error)) {
        if (error != m_lastError)
            Q_EMIT failed(tr("Open tabs not saved for the next start: %1").arg(error));
        m_lastError = error;
        return false;
    }
    m_lastError.clear();
    ++m_writes;
    Q_EMIT saved();
    return true;
}

} // namespace agentrun::ui
