#pragma once

#include <functional>

#include <QObject>
#include <QString>

namespace agentrun::ui {

class MainWindow;

/// Renders the window in its documented states to PNGs (docs/screenshots), then quits the application:
/// a run with the resource chart (and the overview with its History entry), a blocked snippet with
/// markers, the limits panel with its preview, the policy's rule table, a session after three cells, a
/// run that ran out of memory (outcome and short-run summary), its suggestion applied, a linked traceback
/// and two runs compared.
/// Driven by the window's own signals: no sleeps, no nested event loops.
class Screenshotter : public QObject
{
    Q_OBJECT
public:
    static void start(MainWindow& window, const QString& directory);

private:
    Screenshotter(MainWindow& window, QString directory);
    void runStep();
    void blockedStep();
    void overviewStep();
    void limitsStep();
    void policyStep();
    void sessionStep();
    void chartStep();
    // Issue 23's views: a failed run's outcome, its limit suggestion applied, a short run's summary, a
    // clickable traceback, two runs compared.
    void outcomeStep();
    void suggestionStep();
    void tracebackStep();
    void compareStep();
    void runSnippet(const QString& title, const QString& code, std::function<void()> next);
    void runCells(int left, const QString& shot, std::function<void()> next,
                  std::function<void()> beforeShot = {});
    void save(const QString& name);
    void later(int ms, std::function<void()> next);
    void raiseDock(const QString& name); ///< brings the dock widget of that object name to the front

    MainWindow& m_window;
    QString m_directory;
};

} // namespace agentrun::ui
