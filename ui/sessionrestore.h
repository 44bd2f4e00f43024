#pragma once

#include <optional>
#include <vector>

#include <QObject>
#include <QString>
#include <QTimer>

namespace agentrun::ui {

class EditorTabs;

/// One editor tab as the session file keeps it. A scratch tab (never named) keeps its text; a tab bound
/// to a file keeps its path, and its text only when it has changes that are not saved.
struct SavedTab
{
    QString title;
    QString path;          ///< empty: a scratch tab
    QString text;          ///< the scratch tab's text, or a file tab's unsaved text
    bool modified = false; ///< the text differs from what is on disk (a file tab), or was never saved
};

struct SavedSession
{
    std::vector<SavedTab> tabs;
    int current = 0;
};

/// The session file (`session.json` in the application's data folder): what the editor tabs held, so that
/// no code is lost when the window closes, crashes or the machine goes down. Read once at start; written
/// atomically (QSaveFile), so a crash during a write leaves the previous file.
class SessionFile
{
public:
    static constexpr qint64 MaxBytes = 64ll << 20; ///< a larger file is not read (it is not a session)
    static constexpr int MaxTabs = 200;

    explicit SessionFile(QString path);
    /// QStandardPaths::AppDataLocation + "/session.json".
    static QString defaultPath();
    QString path() const { return m_path; }

    struct Loaded
    {
        std::optional<SavedSession> session; ///< nothing: no file, or `problem`
        QString problem;                     ///< why the file was not used (corrupt, too large, a folder)
    };
    /// Reads the file; never throws or crashes on hostile content: a problem is returned instead.
    Loaded read() const;
    /// Writes `session` atomically; the error says why not.
    bool write(const SavedSession& session, QString* error = nullptr) const;
    /// Moves an unreadable file aside (`session.json.bad`) so that the next write does not destroy it.
    bool moveAside(QString* movedTo = nullptr) const;

    static QByteArray toJson(const SavedSession& session);
    static std::optional<SavedSession> fromJson(const QByteArray& json, QString* error = nullptr);

private:
    QString m_path;
};

/// Captures the tabs of `tabs` into a SavedSession, and puts a saved one back.
SavedSession captureTabs(const EditorTabs& tabs);
/// Opens the saved tabs in `tabs` (a pristine empty tab is reused); returns what could not be restored
/// (a saved file that is gone with no unsaved text kept), one line each.
QStringList restoreTabs(EditorTabs& tabs, const SavedSession& session);

/// Writes the tabs to the session file a short time after each edit (and on saveNow()). It writes only
/// once armed (MainWindow::restoreSession, after the old file was read): a file not yet read is never
/// overwritten.
class SessionAutosave : public QObject
{
    Q_OBJECT
public:
    static constexpr int DefaultDelayMs = 1000;

    SessionAutosave(EditorTabs& tabs, QString path, QObject* parent = nullptr);
    QString path() const { return m_file.path(); }
    void setDelay(int ms) { m_timer.setInterval(ms); }
    void arm() { m_armed = true; }
    bool isArmed() const { return m_armed; }
    /// Writes now (closing the window); false when not armed or the write failed.
    bool saveNow();
    /// Number of successful writes (tests).
    int writes() const { return m_writes; }
    /// What restoring the last session said (the status bar's message, kept for later).
    QString note() const { return m_note; }
    void setNote(const QString& note) { m_note = note; }

Q_SIGNALS:
    /// A write failed (said once per distinct error, for the status bar).
    void failed(const QString& message);
    void saved();

private:
    void watch(QObject* editor);
    void schedule();

    EditorTabs& m_tabs;
    SessionFile m_file;
    QTimer m_timer;
    bool m_armed = false;
    int m_writes = 0;
    QString m_lastError;
    QString m_note;
};

} // namespace agentrun::ui
