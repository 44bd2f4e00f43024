// MainWindow's part in tuning limits (issue 23): a limit suggestion of the Resources panel, applied or
// undone, sets that field in the Limits panel for the next run (memory: setMemoryLimit).
#include "mainwindow.h"

#include <QStatusBar>

#include "limitspanel.h"
#include "limitsuggestions.h"

namespace agentrun::ui {

void MainWindow::setSuggestedLimit(const QString& field, double value)
{
    using agentrun::run::LimitField;
    LimitField which = LimitField::Memory;
    if (field == u"cpus")
        which = LimitField::Cpus;
    else if (field == u"timeout")
        which = LimitField::Timeout;
    else if (field == u"pids")
        which = LimitField::Pids;
    else
        return; // memory: setMemoryLimit keeps swap and /tmp in step
    auto limits = m_limitsPanel->limits();
    if (!limits) {
        statusBar()->showMessage(tr("The limits panel has an invalid field: %1")
                                     .arg(QString::fromStdString(limits.error().message)),
                                 10000);
        return;
    }
    if (which == LimitField::Cpus)
        limits->cpus = value;
    else if (which == LimitField::Timeout)
        limits->timeoutSeconds = value;
    else
        limits->pids = qint64(value);
    m_limitsPanel->setLimits(*limits);
    statusBar()->showMessage(tr("%1 limit set to %2 for the next run")
                                 .arg(which == LimitField::Cpus      ? tr("CPU")
                                      : which == LimitField::Timeout ? tr("Timeout")
                                                                     : tr("Process"),
                                      LimitSuggestionsView::valueLabel(which, value)),
                             10000);
}

} // namespace agentrun::ui
