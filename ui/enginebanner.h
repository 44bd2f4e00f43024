#pragma once

#include <QFrame>

#include "enginemonitor.h"

class QLabel;
class QPushButton;

namespace agentrun::ui {

/// A bar above the editor while the engine does not answer: what happened, the address tried, how to
/// start the engine, and Retry. The status bar cuts a long message at the window's edge; this wraps.
/// It hides as soon as the engine answers (EngineMonitor leaves Unreachable).
class EngineBanner : public QFrame
{
    Q_OBJECT
public:
    /// `address` is where the runs go, in words (RunController::engineDescription(): an address as in
    /// DOCKER_HOST, or the engines of a fleet).
    EngineBanner(EngineMonitor& monitor, QString address, QWidget* parent = nullptr);

    /// The banner's text, without markup (tests, accessibility).
    QString message() const;
    QPushButton* retryButton() const { return m_retry; }

private:
    void onState(EngineMonitor::State state);

    EngineMonitor& m_monitor;
    QString m_address;
    QLabel* m_title = nullptr;
    QLabel* m_text = nullptr;
    QPushButton* m_retry = nullptr;
};

} // namespace agentrun::ui
