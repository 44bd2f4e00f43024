#include "runcontroller.h"

#include "agentrun/errorcodes.h"
#include "agentrun/history/historystore.h"
#include "agentrun/run/executor.h"
#include "agentrun/run/engineaddress.h"
#include "agentrun/run/fleet.h"

#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <QMetaObject>

#include "depsmessages.h"
#include "installprogress.h"

namespace agentrun::ui {

using agentrun::model::RunResult;
using agentrun::model::Stream;

struct RunController::RunState
{
    agentrun::run::CancelToken cancel;

    // Output is coalesced here: the worker appends, and at most one flush is posted at a time, so a
    // flood costs one queued event per GUI round trip instead of one per chunk. Figures wait in the same
    // queue, so that they reach the console where they were in the text.
    struct Chunk
    {
        Stream stream = Stream::Stdout;
        std::string bytes;
        std::optional<agentrun::model::Figure> figure;
    };
    std::mutex mutex;
    std::vector<Chunk> pending;
    bool flushPosted = false;
};

class RunController::Observer final : public agentrun::run::RunObserver
{
public:
    Observer(RunController* controller, std::shared_ptr<RunState> state)
        : m_controller(controller), m_state(std::move(state))
    {}

    void stageChanged(agentrun::run::Stage stage) override
    {
        {
            std::lock_guard lock(m_installMutex);
            if (stage == agentrun::run::Stage::Installing)
                m_install.begin(InstallProgress::Clock::now());
            else
                postInstallLines(m_install.end(InstallProgress::Clock::now()));
        }
        post([c = m_controller, stage] { Q_EMIT c->stageChanged(stage); });
    }
    void findings(const agentrun::safety::Report& report) override
    {
        post([c = m_controller, report] { Q_EMIT c->findingsReady(report); });
    }
    void installProgress(std::string_view line) override
    {
        // Timed here, as the installer reports it, not when the GUI gets to it.
        std::lock_guard lock(m_installMutex);
        postInstallLines(m_install.line(QString::fromUtf8(line.data(), qsizetype(line.size())),
                                        InstallProgress::Clock::now()));
    }
    /// After the run: the summary of an install that no later stage ended (the run failed after it).
    void endInstall()
    {
        std::lock_guard lock(m_installMutex);
        postInstallLines(m_install.end(InstallProgress::Clock::now()));
    }
    void output(Stream stream, std::string_view bytes) override
    {
        bool postFlush = false;
        {
            std::lock_guard lock(m_state->mutex);
            auto& pending = m_state->pending;
            if (!pending.empty() && pending.back().stream == stream && !pending.back().figure)
                pending.back().bytes.append(bytes);
            else
                pending.push_back({stream, std::string(bytes), std::nullopt});
            postFlush = !std::exchange(m_state->flushPosted, true);
        }
        if (postFlush)
            post([c = m_controller, s = m_state] { c->flushOutput(s); });
    }
    void figure(const agentrun::model::Figure& figure) override
    {
        bool postFlush = false;
        {
            std::lock_guard lock(m_state->mutex);
            m_state->pending.push_back({Stream::Stdout, {}, figure});
            postFlush = !std::exchange(m_state->flushPosted, true);
        }
        if (postFlush)
            post([c = m_controller, s = m_state] { c->flushOutput(s); });
    }
    void resources(const agentrun::run::ResourceSample& sample) override
    {
        post([c = m_controller, sample] { Q_EMIT c->resourceSample(sample); });
    }
    void finished(const RunResult&) override
    {
        // The result is delivered from the return value of run(), after the last output flush.
    }

private:
    template <class F> void post(F&& f)
    {
        QMetaObject::invokeMethod(m_controller, std::forward<F>(f), Qt::QueuedConnection);
    }
    void postInstallLines(const QStringList& lines)
    {
        for (const QString& text : lines)
            post([c = m_controller, text] { Q_EMIT c->installProgress(text); });
    }

    RunController* m_controller;
    std::shared_ptr<RunState> m_state;
    std::mutex m_installMutex;
    InstallProgress m_install; ///< the time each package took, and the summary line
};

namespace {

/// Each engine's answer to a ping, for the status line of a window driving a fleet.
QString fleetStatusText(agentrun::run::Fleet& fleet)
{
    QStringList answers;
    int answering = 0;
    const auto engines = fleet.status(); // their addresses as the fleet shows them ("default", …)
    for (std::size_t i = 0; i < engines.size(); ++i) {
        auto answer = fleet.engine(i).ping();
        if (answer)
            ++answering;
        answers << QString::fromStdString(
            engines[i].address + ": " +
            (answer ? *answer : "not answering (" + answer.error().message + ")"));
    }
    return RunController::tr("%1 of %2 engines answer. %3")
        .arg(answering)
        .arg(engines.size())
        .arg(answers.join(QStringLiteral("; ")));
}

} // namespace

QString RunController::engineDescription() const
{
    const auto* fleet = dynamic_cast<const agentrun::run::Fleet*>(m_runner);
    if (!fleet)
        return QString::fromStdString(agentrun::run::engineAddress(m_runner->config().dockerHost));
    if (fleet->size() == 1)
        return QString::fromStdString(agentrun::run::engineAddress(fleet->engines().front().address));
    QStringList names;
    for (const auto& engine : fleet->status())
        names << QString::fromStdString(engine.address);
    return tr("%1 engines (%2)").arg(names.size()).arg(names.join(QStringLiteral(", ")));
}

RunController::RunController(agentrun::run::Runner& runner, QObject* parent)
    : QObject(parent), m_runner(&runner)
{
    registerMetaTypes();
    setObjectName(QStringLiteral("runController"));
    // One run, one engine ping, and sessions being closed (a tab closed, the window quitting) beside them.
    m_pool.setMaxThreadCount(4);
}

RunController::~RunController()
{
    if (m_current)
        m_current->cancel.cancel();
    // Sessions still open are closed now, beside the run that is stopping; a session opened by the
    // worker meanwhile is in the list once the wait is over: a second round closes it.
    for (int round = 0; round < 2; ++round) {
        QStringList open;
        QHash<QString, agentrun::run::Runner*> runners;
        {
            std::lock_guard lock(m_sessionsMutex);
            open.swap(m_sessions);
            runners = m_sessionRunners;
        }
        for (const QString& id : std::as_const(open))
            m_pool.start([runner = runners.value(id, m_runner), id = id.toStdString()] {
                (void)runner->closeSession(id);
            });
        m_pool.waitForDone();
    }
}

QStringList RunController::openSessions() const
{
    std::lock_guard lock(m_sessionsMutex);
    return m_sessions;
}

bool RunController::start(agentrun::model::RunSpec request, const QString& policyLabel)
{
    agentrun::history::RecordContext context;
    context.policy = policyLabel.toStdString();
    return start(std::move(request), std::move(context));
}

bool RunController::start(agentrun::model::RunSpec request, agentrun::history::RecordContext context)
{
    return launch(std::move(request), std::move(context), false);
}

bool RunController::startInSession(agentrun::model::RunSpec request, agentrun::history::RecordContext context)
{
    const bool open = request.sessionId.empty();
    return launch(std::move(request), std::move(context), open);
}

bool RunController::launch(agentrun::model::RunSpec request, agentrun::history::RecordContext context,
                           bool openSession)
{
    if (m_current)
        return false;
    auto state = std::make_shared<RunState>();
    m_current = state;
    Q_EMIT started();
    Q_EMIT runningChanged(true);
    if (context.policy.empty())
        context.policy = request.policy;
    context.source = "workbench";
    // A session runs on the runner that opened it (its image); the rest on the current one.
    agentrun::run::Runner* runner = m_runner;
    if (!request.sessionId.empty()) {
        std::lock_guard lock(m_sessionsMutex);
        runner = m_sessionRunners.value(QString::fromStdString(request.sessionId), m_runner);
    }
    m_pool.start([this, state, request = std::move(request), context = std::move(context), store = m_history,
                  openSession, runner]() mutable {
        Observer observer(this, state);
        if (openSession) {
            // Lazily, on the first run: opening starts the session's container.
            observer.stageChanged(agentrun::run::Stage::Starting);
            auto opened = runner->openSession(request.limits);
            const QString id = opened ? QString::fromStdString(opened->id) : QString();
            const QString error = opened ? QString() : QString::fromStdString(opened.error().message);
            if (opened) {
                std::lock_guard lock(m_sessionsMutex); // here, not in the queued call: the window may be gone
                m_sessions << id;
                m_sessionRunners.insert(id, runner);
            }
            QMetaObject::invokeMethod(
                this, [this, id, error] { Q_EMIT sessionOpened(id, error); }, Qt::QueuedConnection);
            if (!opened) {
                const auto kind = errc::kindOf(opened.error().code);
                RunResult failed;
                failed.status = kind == errc::Kind::Unavailable || kind == errc::Kind::Internal
                                    ? agentrun::model::Status::EngineError
                                    : agentrun::model::Status::InvalidRequest;
                failed.errorCode = opened.error().code;
                failed.message = "The session could not be opened: " + opened.error().message;
                QMetaObject::invokeMethod(
                    this, [this, state, failed = std::move(failed)] { finish(state, failed); },
                    Qt::QueuedConnection);
                return;
            }
            request.sessionId = opened->id;
        }
        RunResult result = runner->run(request, observer, state->cancel);
        observer.endInstall();
        if (store) {
            const auto written = store->record(request, result, context);
            const QString error = written ? QString() : QString::fromStdString(written.error().message);
            QMetaObject::invokeMethod(
                this,
                [this, id = QString::fromStdString(result.runId), error] { Q_EMIT recorded(id, error); },
                Qt::QueuedConnection);
        }
        // The window's words: its fields, not the CLI's flags (the history keeps the core's message).
        if (!result.errorCode.empty())
            result.message =
                dependencyMessage({result.errorCode, result.message}, request, result.packages).toStdString();
        QMetaObject::invokeMethod(
            this, [this, state, result = std::move(result)] { finish(state, result); }, Qt::QueuedConnection);
    });
    return true;
}

QString RunController::setImage(const std::string& image)
{
    if (image.empty())
        return tr("No image was named: pick one of the list.");
    if (image == m_runner->config().image)
        return {};
    if (m_current)
        return tr("A run is in flight: the image can be changed when it has finished (or Stop it).");
    auto config = m_runner->config();
    config.image = image;
    // Made here, on the GUI thread, with no run in flight: only runs started later see the new pointer.
    for (const auto& owned : m_owned)
        if (owned->config().image == image) {
            m_runner = owned.get();
            return {};
        }
    // The same engines as now: a fleet stays a fleet.
    if (const auto* fleet = dynamic_cast<const agentrun::run::Fleet*>(m_runner))
        m_owned.push_back(std::make_unique<agentrun::run::Fleet>(std::move(config), fleet->engines()));
    else
        m_owned.push_back(std::make_unique<agentrun::run::Executor>(std::move(config)));
    m_runner = m_owned.back().get();
    return {};
}

void RunController::cancel()
{
    if (m_current)
        m_current->cancel.cancel();
}

void RunController::checkEngine()
{
    m_pool.start([this, runner = m_runner] {
        auto answer = runner->ping();
        const bool ok = answer.has_value();
        QString text = QString::fromStdString(ok ? *answer : answer.error().message);
        const QString code = ok ? QString() : QString::fromStdString(answer.error().code);
        // A fleet: every engine's answer, so that one engine down is seen while the others run.
        if (auto* fleet = dynamic_cast<agentrun::run::Fleet*>(runner); fleet && fleet->size() > 1 && ok)
            text = fleetStatusText(*fleet);
        QMetaObject::invokeMethod(
            this, [this, ok, text, code] { Q_EMIT engineStatus(ok, text, code); }, Qt::QueuedConnection);
    });
}

void RunController::restartSession(const QString& id)
{
    agentrun::run::Runner* runner = m_runner;
    {
        std::lock_guard lock(m_sessionsMutex);
        runner = m_sessionRunners.value(id, m_runner);
    }
    m_pool.start([this, id, runner] {
        auto restarted = runner->restartSession(id.toStdString());
        const QString error = restarted ? QString() : QString::fromStdString(restarted.error().message);
        QMetaObject::invokeMethod(
            this, [this, id, error] { Q_EMIT sessionRestarted(id, error); }, Qt::QueuedConnection);
    });
}

void RunController::closeSession(const QString& id)
{
    agentrun::run::Runner* runner = m_runner;
    {
        std::lock_guard lock(m_sessionsMutex);
        if (!m_sessions.removeOne(id))
            return; // not ours, or already closing
        runner = m_sessionRunners.take(id);
    }
    m_pool.start([this, id, runner] {
        auto closed = runner->closeSession(id.toStdString());
        const QString error = closed ? QString() : QString::fromStdString(closed.error().message);
        QMetaObject::invokeMethod(
            this, [this, id, error] { Q_EMIT sessionClosed(id, error); }, Qt::QueuedConnection);
    });
}

void RunController::flushOutput(const std::shared_ptr<RunState>& state)
{
    std::vector<RunState::Chunk> chunks;
    {
        std::lock_guard lock(state->mutex);
        chunks.swap(state->pending);
        state->flushPosted = false;
    }
    for (const auto& chunk : chunks) {
        if (chunk.figure)
            Q_EMIT figureArrived(*chunk.figure);
        else
            Q_EMIT outputArrived(chunk.stream, QByteArray(chunk.bytes.data(), qsizetype(chunk.bytes.size())));
    }
}

void RunController::finish(const std::shared_ptr<RunState>& state, const RunResult& result)
{
    flushOutput(state); // output still coalescing must reach the console before "finished"
    if (m_current == state)
        m_current.reset();
    Q_EMIT finished(result);
    Q_EMIT runningChanged(false);
}

} // namespace agentrun::ui
