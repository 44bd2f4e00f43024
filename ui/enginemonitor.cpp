#include "enginemonitor.h"

#include "agentrun/errorcodes.h"

#include "runcontroller.h"

namespace agentrun::ui {

EngineMonitor::EngineMonitor(RunController& controller, QObject* parent)
    : QObject(parent), m_controller(controller)
{
    setObjectName(QStringLiteral("engineMonitor"));
    m_retry.setSingleShot(true);
    m_retry.setInterval(DefaultRetryMs);
    connect(&m_retry, &QTimer::timeout, this, &EngineMonitor::checkNow);
    connect(&m_controller, &RunController::engineStatus, this, &EngineMonitor::onStatus);
    m_text = tr("Engine: checking…");
}

void EngineMonitor::start()
{
    checkNow();
}

void EngineMonitor::checkNow()
{
    m_retry.stop();
    m_controller.checkEngine();
}

void EngineMonitor::setRetryInterval(int ms)
{
    m_retry.setInterval(ms);
}

void EngineMonitor::onStatus(bool ok, const QString& text, const QString& code)
{
    const State previous = m_state;
    m_detail = text;
    if (ok) {
        m_state = State::Ready;
        m_text = tr("Engine: %1").arg(text);
    } else if (code == QLatin1String(errc::ImageMissing)) {
        m_state = State::ImageMissing;
        m_text = tr("Sandbox image missing — build it (Run ▸ Build Sandbox Image…)");
    } else {
        m_state = State::Unreachable;
        const int seconds = (m_retry.interval() + 999) / 1000;
        m_text = tr("Engine unreachable (retrying every %n s): %1", nullptr, seconds).arg(text);
        m_retry.start();
    }
    Q_EMIT stateChanged(m_state, m_text);
    if (m_state == State::ImageMissing && previous != State::ImageMissing)
        Q_EMIT imageMissing(text);
}

} // namespace agentrun::ui
