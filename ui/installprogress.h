#pragma once

#include <chrono>

#include <QString>
#include <QStringList>

namespace agentrun::ui {

/// What the Output console shows while a run installs its packages, from the installer's progress lines
/// (deps::Installer's callback, through the run's observer): every line as it comes, before the next
/// package's line the time the previous package took (from pip's first line about it, "Collecting x" or
/// "Processing /wheelhouse/x-1.0-….whl", to the next package's or to pip's install step), and when the
/// install is over "installed N packages in X s" (N from the installer's "Installed a==1.0, b==2.0"
/// line, X from the start of the installing stage). No widgets and no clock of its own: the run's
/// observer gives it the times (tested with made-up ones, tst_installprogress).
class InstallProgress
{
public:
    using Clock = std::chrono::steady_clock;

    /// The installing stage began (again: a baked image and then the code's packages count as one).
    void begin(Clock::time_point at);
    /// One progress line; returns the lines to show, in order (the timing line of the package that just
    /// ended, then `line`).
    QStringList line(const QString& line, Clock::time_point at);
    /// The installing stage is over (a later stage began, or the run ended); returns the last timing line
    /// and the summary, or nothing when no install was going or nothing was installed.
    QStringList end(Clock::time_point at);
    bool active() const { return m_active; }

    /// "0.42 s", "12.3 s".
    static QString seconds(Clock::duration duration);

private:
    QStringList closePackage(Clock::time_point at);

    bool m_active = false;
    Clock::time_point m_start;
    QString m_package; ///< the package pip is at ("name 1.0"), empty: none
    Clock::time_point m_packageStart;
    int m_installed = 0;   ///< from the installer's "Installed …" lines
    int m_pipReported = 0; ///< pip's "Successfully installed …" count not yet confirmed by the installer
    int m_cached = 0;      ///< packages found in the cache ("Using cached dependencies …")
};

} // namespace agentrun::ui
