#include "livechecker.h"

#include "agentrun/safety/incremental.h"

#include <mutex>

#include <QtConcurrent/QtConcurrentRun>

#include "safetycheck.h"

namespace agentrun::ui {

struct LiveChecker::Session
{
    std::mutex mutex;
    agentrun::safety::IncrementalAnalyzer analyzer;
    std::shared_ptr<const agentrun::safety::Policy> policy; ///< the one the analyzer holds a copy of
    bool parsed = false;

    agentrun::safety::Report check(const std::string& source,
                                   const std::shared_ptr<const agentrun::safety::Policy>& wanted)
    {
        const std::lock_guard lock(mutex);
        if (policy != wanted) {
            analyzer.setPolicy(*wanted);
            policy = wanted;
        }
        if (!parsed) {
            parsed = true;
            return analyzer.reset(source);
        }
        // The text since the last check (several keystrokes, a paste, another tab) as one edit.
        return analyzer.update(source);
    }
};

LiveChecker::LiveChecker(QObject* parent) : QObject(parent), m_session(std::make_shared<Session>())
{
    registerMetaTypes();
    setObjectName(QStringLiteral("liveChecker"));
    m_pool.setMaxThreadCount(1); // checks are short; one at a time keeps a typing burst cheap
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(DebounceMs);
    connect(&m_debounce, &QTimer::timeout, this, &LiveChecker::start);
    setPolicy(QStringLiteral("standard"));
}

LiveChecker::~LiveChecker()
{
    m_pool.waitForDone();
}

bool LiveChecker::setPolicy(const QString& nameOrPath)
{
    auto policy = safetycheck::loadPolicy(nameOrPath);
    if (!policy) {
        Q_EMIT policyError(QString::fromStdString(policy.error().message));
        return false;
    }
    m_policy = std::move(*policy);
    m_policyName = nameOrPath;
    if (!m_source.isNull() && m_enabled)
        m_debounce.start(0);
    return true;
}

void LiveChecker::setPolicy(std::shared_ptr<const agentrun::safety::Policy> policy, const QString& name)
{
    m_policy = std::move(policy);
    m_policyName = name;
    if (!m_source.isNull() && m_enabled)
        m_debounce.start(0);
}

bool LiveChecker::policyAllowsOverride() const
{
    return m_policy && m_policy->allowsOverride();
}

void LiveChecker::setEnabled(bool enabled)
{
    m_enabled = enabled;
    if (!enabled) {
        m_debounce.stop();
        ++m_generation; // an answer in flight is no longer wanted
        Q_EMIT reportReady({});
    } else if (!m_source.isNull()) {
        m_debounce.start(0);
    }
}

void LiveChecker::schedule(const QString& source)
{
    m_source = source;
    ++m_generation; // whatever is in flight answers text that no longer exists
    if (m_enabled)
        m_debounce.start();
}

void LiveChecker::checkNow(const QString& source)
{
    m_source = source;
    m_debounce.stop();
    start();
}

void LiveChecker::start()
{
    if (!m_policy)
        return;
    const quint64 generation = ++m_generation;
    auto* watcher = new QFutureWatcher<agentrun::safety::Report>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation == m_generation)
            Q_EMIT reportReady(watcher->result());
    });
    watcher->setFuture(
        QtConcurrent::run(&m_pool, [session = m_session, source = m_source.toStdString(), policy = m_policy] {
            return session->check(source, policy);
        }));
}

} // namespace agentrun::ui
