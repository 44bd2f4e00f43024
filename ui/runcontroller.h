#pragma once

#include "agentrun/history/historystore.h"
#include "agentrun/run/runner.h"
#include "agentrun/run/observer.h"
#include "agentrun/model/runresult.h"
#include "agentrun/safety/finding.h"

#include <memory>
#include <mutex>

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThreadPool>

#include "metatypes.h"

namespace agentrun::ui {

/// The one adapter between the blocking core executor and the event loop. Each run executes on a worker
/// thread of a private pool; every observer event comes back as a signal emitted on this object's
/// thread, so receivers never see a core thread. One run at a time: the window has one console.
class RunController : public QObject
{
    Q_OBJECT
public:
    /// `runner` (one engine's Executor, or a Fleet of several) must outlive this object (it is owned by
    /// main, next to the window).
    explicit RunController(agentrun::run::Runner& runner, QObject* parent = nullptr);
    /// Cancels a run in flight and waits for its worker so that no event can outlive us.
    ~RunController() override;

    bool isRunning() const { return m_current != nullptr; }
    /// What fresh runs and new sessions use now (setImage() may replace it).
    agentrun::run::Runner& runner() { return *m_runner; }

    /// Runs and sessions opened from now on use `image` (ExecutorConfig::image): a new runner with the
    /// first one's configuration and engines but that image (and its own warm pools). Sessions already
    /// open keep the runner, and so the image, they were opened with. Refused while a run is in flight: the
    /// answer is then why, in words (empty: done).
    QString setImage(const std::string& image);

    /// Runs finished from now on are recorded in `store` (may be null: none), from the worker thread
    /// so the GUI never waits for SQLite. `store` must outlive this object.
    void setHistoryStore(agentrun::history::HistoryStore* store) { m_history = store; }
    agentrun::history::HistoryStore* historyStore() const { return m_history; }

    /// Starts a run; false (and nothing started) while another run is in flight. `policyLabel` is what
    /// the history shows as the policy (the request's policy may be a temporary file).
    bool start(agentrun::model::RunSpec request, const QString& policyLabel = {});
    /// As above; `context` is what the history keeps beside the run: the policy label, the profile and,
    /// when request.skipCheck, the reason given for overriding the check. Its source is "workbench".
    bool start(agentrun::model::RunSpec request, agentrun::history::RecordContext context);
    /// Asks the run to stop; finished() still follows, with status Cancelled.
    void cancel();
    /// The engine (or engines) runs go to, in words: an address, or "2 engines (default, remote)".
    QString engineDescription() const;
    /// Pings the engine off the GUI thread; answers with engineStatus(). For a fleet of several engines
    /// the text gives each engine's answer ("1 of 2 engines answer. default: Docker …; remote: not
    /// answering (…)"), ok when one answers.
    void checkEngine();

    // Sessions (Runner::openSession…): opening, restarting and closing start or remove a container, so
    // they run on the pool like a run; the answers come back as signals. Every session opened here is
    // closed at the latest when this object is destroyed: the window leaves nothing behind.

    /// Starts a run in a session. With request.sessionId empty, a session is opened first with
    /// request.limits (sessionOpened() says which, before the run's own events); false while a run is in
    /// flight.
    bool startInSession(agentrun::model::RunSpec request, agentrun::history::RecordContext context);
    /// Replaces the session's sandbox: its state is gone. Answers with sessionRestarted().
    void restartSession(const QString& id);
    /// Closes the session and removes its sandbox (a run in it is stopped); answers with sessionClosed().
    void closeSession(const QString& id);
    /// Sessions opened here and not closed yet.
    QStringList openSessions() const;

Q_SIGNALS:
    void started();
    void stageChanged(agentrun::run::Stage stage);
    void findingsReady(const agentrun::safety::Report& report);
    /// A line of the dependency install, as it happens: the installer's and pip's lines, the time each
    /// package took and a last "installed N packages in X s" (InstallProgress).
    void installProgress(const QString& line);
    void outputArrived(agentrun::model::Stream stream, const QByteArray& bytes);
    /// A figure the run produced, in order with outputArrived(): the text before it has been emitted.
    /// Its bytes come from the sandbox: the core checked only the PNG header (decodeFigure()).
    void figureArrived(const agentrun::model::Figure& figure);
    void resourceSample(const agentrun::run::ResourceSample& sample);
    void finished(const agentrun::model::RunResult& result);
    void runningChanged(bool running);
    /// `code` is the core's error code when not ok ("engine.unreachable", "image.missing", …).
    void engineStatus(bool ok, const QString& text, const QString& code);
    /// The run was written to the history (emitted just before finished()); `error` empty on success.
    void recorded(const QString& runId, const QString& error);
    /// A session was opened for the run just started (`error` empty), or could not be (`id` empty).
    void sessionOpened(const QString& id, const QString& error);
    /// `error` empty: the session's sandbox is fresh.
    void sessionRestarted(const QString& id, const QString& error);
    void sessionClosed(const QString& id, const QString& error);

private:
    struct RunState;
    class Observer;
    void flushOutput(const std::shared_ptr<RunState>& state);
    void finish(const std::shared_ptr<RunState>& state, const agentrun::model::RunResult& result);
    bool launch(agentrun::model::RunSpec request, agentrun::history::RecordContext context, bool openSession);

    agentrun::run::Runner* m_runner;
    /// Runners made by setImage(); replaced ones stay until this object goes: a session opened on one
    /// keeps using it.
    std::vector<std::unique_ptr<agentrun::run::Runner>> m_owned;
    agentrun::history::HistoryStore* m_history = nullptr;
    QThreadPool m_pool;
    std::shared_ptr<RunState> m_current;
    mutable std::mutex m_sessionsMutex; ///< the worker adds a session it opened, the GUI thread removes
    QStringList m_sessions;
    QHash<QString, agentrun::run::Runner*> m_sessionRunners; ///< which runner opened each session
};

} // namespace agentrun::ui
