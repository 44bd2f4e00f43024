#pragma once

#include <functional>

#include <QObject>
#include <QString>

namespace agentrun::ui {

class MainWindow;

/// Renders the window in its documented states to PNGs (docs/screenshots), then quits the application:
/// a run with the resource chart (and the overview with its History entry), a blocked snippet with
/// markers, the limits panel with its preview, the policy's rule table, a session after three cells.
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
    void runCells(int left, const QString& shot, std::function<void()> next,
                  std::function<void()> beforeShot = {});
    void save(const QString& name);
    void later(int ms, std::function<void()> next);

    MainWindow& m_window;
    QString m_directory;
};

} // namespace agentrun::ui
