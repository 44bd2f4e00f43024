#include "runcontroller.h"

#include "agentrun/history/historystore.h"

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <QMetaObject>

namespace agentrun::ui {

using agentrun::model::RunResult;
using agentrun::model::Stream;

struct RunController::RunState
{
    agentrun::run::CancelToken cancel;

    // Output is coalesced here: the worker appends, and at most one flush is posted at a time, so a
    // flood costs one queued event per GUI round trip instead of one per chunk.
    std::mutex mutex;
    std::vector<std::pair<Stream, std::string>> pending;
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
        post([c = m_controller, stage] { Q_EMIT c->stageChanged(stage); });
    }
    void findings(const agentrun::safety::Report& report) override
    {
        post([c = m_controller, report] { Q_EMIT c->findingsReady(report); });
    }
    void installProgress(std::string_view line) override
    {
        post([c = m_controller, text = QString::fromUtf8(line.data(), qsizetype(line.size()))] {
            Q_EMIT c->installProgress(text);
        });
    }
    void output(Stream stream, std::string_view bytes) override
    {
        bool postFlush = false;
        {
            std::lock_guard lock(m_state->mutex);
            auto& pending = m_state->pending;
            if (!pending.empty() && pending.back().first == stream)
                pending.back().second.append(bytes);
            else
                pending.emplace_back(stream, std::string(bytes));
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

    RunController* m_controller;
    std::shared_ptr<RunState> m_state;
};

RunController::RunController(agentrun::run::Executor& executor, QObject* parent)
    : QObject(parent), m_executor(executor)
{
    registerMetaTypes();
    setObjectName(QStringLiteral("runController"));
    m_pool.setMaxThreadCount(2); // one run + one engine ping
}

RunController::~RunController()
{
    if (m_current)
        m_current->cancel.cancel();
    m_pool.waitForDone();
}

bool RunController::start(agentrun::model::RunSpec request, const QString& policyLabel)
{
    agentrun::history::RecordContext context;
    context.policy = policyLabel.toStdString();
    return start(std::move(request), std::move(context));
}

bool RunController::start(agentrun::model::RunSpec request, agentrun::history::RecordContext context)
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
    m_pool.start([this, state, request = std::move(request), context = std::move(context),
                  store = m_history] {
        Observer observer(this, state);
        RunResult result = m_executor.run(request, observer, state->cancel);
        if (store) {
            const auto written = store->record(request, result, context);
            const QString error = written ? QString() : QString::fromStdString(written.error().message);
            QMetaObject::invokeMethod(
                this,
                [this, id = QString::fromStdString(result.runId), error] { Q_EMIT recorded(id, error); },
                Qt::QueuedConnection);
        }
        QMetaObject::invokeMethod(
            this, [this, state, result = std::move(result)] { finish(state, result); }, Qt::QueuedConnection);
    });
    return true;
}

void RunController::cancel()
{
    if (m_current)
        m_current->cancel.cancel();
}

void RunController::checkEngine()
{
    m_pool.start([this] {
        auto answer = m_executor.ping();
        const bool ok = answer.has_value();
        const QString text = QString::fromStdString(ok ? *answer : answer.error().message);
        const QString code = ok ? QString() : QString::fromStdString(answer.error().code);
        QMetaObject::invokeMethod(
            this, [this, ok, text, code] { Q_EMIT engineStatus(ok, text, code); }, Qt::QueuedConnection);
    });
}

void RunController::flushOutput(const std::shared_ptr<RunState>& state)
{
    std::vector<std::pair<Stream, std::string>> chunks;
    {
        std::lock_guard lock(state->mutex);
        chunks.swap(state->pending);
        state->flushPosted = false;
    }
    for (auto& [stream, bytes] : chunks)
        Q_EMIT outputArrived(stream, QByteArray(bytes.data(), qsizetype(bytes.size())));
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
