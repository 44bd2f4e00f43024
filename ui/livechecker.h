#pragma once

#include "agentrun/safety/finding.h"
#include "agentrun/safety/policy.h"

#include <memory>

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QThreadPool>
#include <QTimer>

#include "metatypes.h"

namespace agentrun::ui {

/// The editor's live check: debounced, run on a worker thread, stale answers dropped. Each request gets
/// a generation number; only the answer to the newest request is delivered. Checks are incremental: the
/// worker keeps the previous parse and re-parses only what changed since the last check (the report is
/// the same as a fresh analyze() of the text).
class LiveChecker : public QObject
{
    Q_OBJECT
public:
    static constexpr int DebounceMs = 300;

    explicit LiveChecker(QObject* parent = nullptr);
    ~LiveChecker() override;

    /// Loads a preset or policy file for the next checks; false (and the previous policy kept) on error,
    /// with policyError() saying why.
    bool setPolicy(const QString& nameOrPath);
    /// Uses a policy built in the window (the Policy panel's edited copy) for the next checks.
    void setPolicy(std::shared_ptr<const agentrun::safety::Policy> policy, const QString& name);
    QString policyName() const { return m_policyName; }
    /// Allows or refuses "Run anyway" for code the check blocked.
    bool policyAllowsOverride() const;

    void setEnabled(bool enabled);
    bool isEnabled() const { return m_enabled; }

    /// New text: checked DebounceMs after the last call.
    void schedule(const QString& source);
    /// Checks now, skipping the debounce (Check action).
    void checkNow(const QString& source);
    quint64 generation() const { return m_generation; }

Q_SIGNALS:
    void reportReady(const agentrun::safety::Report& report);
    void policyError(const QString& message);

private:
    void start();

    struct Session; // the incremental analyzer, used by one worker at a time
    std::shared_ptr<Session> m_session;

    std::shared_ptr<const agentrun::safety::Policy> m_policy;
    QString m_policyName;
    QString m_source;
    QTimer m_debounce;
    QThreadPool m_pool;
    quint64 m_generation = 0;
    bool m_enabled = true;
};

} // namespace agentrun::ui
