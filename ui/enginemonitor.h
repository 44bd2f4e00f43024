#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

namespace agentrun::ui {

class RunController;

/// Watches the engine through RunController::checkEngine(): asks once at start, then every
/// retryInterval() while the engine does not answer, and says plainly what is wrong. A missing sandbox
/// image is reported once (imageMissing()), as building it is the fix, not waiting.
class EngineMonitor : public QObject
{
    Q_OBJECT
public:
    enum class State
    {
        Checking,
        Ready,
        Unreachable,
        ImageMissing
    };
    Q_ENUM(State)
    static constexpr int DefaultRetryMs = 5000;

    explicit EngineMonitor(RunController& controller, QObject* parent = nullptr);

    void start();
    /// Checks now (the status bar's Retry, or after the image was built).
    void checkNow();
    void setRetryInterval(int ms);
    int retryInterval() const { return m_retry.interval(); }
    State state() const { return m_state; }
    /// What the status bar says, e.g. "Engine unreachable (retrying every 5 s): …".
    QString statusText() const { return m_text; }
    QString detail() const { return m_detail; }

Q_SIGNALS:
    void stateChanged(agentrun::ui::EngineMonitor::State state, const QString& text);
    void imageMissing(const QString& message);

private:
    void onStatus(bool ok, const QString& text, const QString& code);

    RunController& m_controller;
    QTimer m_retry;
    State m_state = State::Checking;
    QString m_text;
    QString m_detail;
};

} // namespace agentrun::ui
