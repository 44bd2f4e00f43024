// Two runs side by side (issue 23): select two runs in History, Compare Two Runs (the button-less action of
// the context menu and the History menu, Ctrl+Shift+D) opens a window with their limits, usage and outcome,
// the rows that differ highlighted, and a diff of their stdout and stderr. Synthetic records: no engine.
#include "agentrun/history/historystore.h"

#include <optional>

#include <QAction>
#include <QLocale>
#include <QMainWindow>
#include <QMenu>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "historymenu.h"
#include "historypanel.h"
#include "limitspanel.h"
#include "runcompare.h"
#include "runhistorymodel.h"
#include "settings.h"
#include "stdinpanel.h"

using namespace agentrun;

namespace {

constexpr std::int64_t MiB = 1ll << 20;

void addRun(history::HistoryStore& store, const std::string& id, model::Status status, std::int64_t memory,
            std::int64_t peak, const std::string& out, const std::string& err)
{
    model::RunSpec request;
    request.code = "for i in range(3):\n    print(i)\n";
    request.limits.memoryBytes = memory;
    request.limits.memorySwapBytes = memory;
    request.limits.cpus = 0.5;
    model::fitTmpfsToMemory(request.limits); // /tmp below the memory limit, as every front end does
    model::RunResult result;
    result.runId = id;
    result.status = status;
    result.exitCode = status == model::Status::Ok ? 0 : 137;
    result.durations.runMs = 500;
    result.durations.totalMs = 600;
    result.cpuSeconds = 0.25;
    result.peakMemoryBytes = peak;
    result.stdoutData = out;
    result.stderrData = err;
    result.output = out + err;
    QVERIFY(store.record(request, result, "standard", "workbench").has_value());
}

QStringList kinds(const std::vector<ui::DiffLine>& diff)
{
    QStringList out;
    for (const auto& line : diff)
        out << (line.kind == ui::DiffLine::Kind::Same      ? QStringLiteral(" ")
                : line.kind == ui::DiffLine::Kind::Removed ? QStringLiteral("-")
                                                           : QStringLiteral("+")) +
                   line.text;
    return out;
}

} // namespace

class TestHistoryCompare : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toUtf8());
        auto store = history::HistoryStore::open(m_dir.filePath(QStringLiteral("h.sqlite3")).toStdString());
        QVERIFY(store.has_value());
        m_store.emplace(std::move(*store));
        // The older run ran out of memory at 64 MiB; the newer passed at 128 MiB and printed more.
        addRun(*m_store, "abcd0001", model::Status::OutOfMemory, 64 * MiB, 64 * MiB, "0\n1\n",
               "MemoryError\n");
        addRun(*m_store, "abcd0002", model::Status::Ok, 128 * MiB, 90 * MiB, "0\n1\n2\ndone\n", "");
        addRun(*m_store, "abcd0003", model::Status::Ok, 128 * MiB, 90 * MiB, "x\n", "");
    }

    void lineDiffKeepsCommonLines()
    {
        const QStringList a{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"),
                            QStringLiteral("d")};
        const QStringList b{QStringLiteral("a"), QStringLiteral("c"), QStringLiteral("x"),
                            QStringLiteral("d")};
        QCOMPARE(kinds(ui::lineDiff(a, b)),
                 QStringList({QStringLiteral(" a"), QStringLiteral("-b"), QStringLiteral(" c"),
                              QStringLiteral("+x"), QStringLiteral(" d")}));
        QVERIFY(ui::lineDiff({}, {}).empty());
        QCOMPARE(kinds(ui::lineDiff(a, a)).filter(QRegularExpression(QStringLiteral("^[+-]"))).size(), 0);
        QCOMPARE(kinds(ui::lineDiff({}, b)).size(), 4);
        // Too long for the table: the common head and tail are kept, the middle is replaced whole.
        QStringList longA;
        QStringList longB;
        for (int i = 0; i < ui::MaxDiffLines + 10; ++i) {
            longA << QString::number(i);
            longB << QString::number(i + 1);
        }
        longA.prepend(QStringLiteral("head"));
        longB.prepend(QStringLiteral("head"));
        const auto diff = ui::lineDiff(longA, longB);
        QVERIFY(diff.front().kind == ui::DiffLine::Kind::Same);
        QCOMPARE(int(diff.size()), 1 + 2 * (ui::MaxDiffLines + 10));
    }

    void comparesTwoSelectedRuns()
    {
        ui::HistoryPanel panel(&*m_store);
        QAction* compare = panel.compareAction();
        QVERIFY(compare);
        QVERIFY(!compare->isEnabled());
        panel.selectRow(0);
        QVERIFY(!compare->isEnabled()); // one run: nothing to compare
        QVERIFY(!panel.compareSelected());
        panel.selectRows({1, 2}); // abcd0002 and abcd0001 (newest first)
        QCOMPARE(panel.selectedRunIds(),
                 QStringList({QStringLiteral("abcd0002"), QStringLiteral("abcd0001")}));
        QVERIFY(compare->isEnabled());
        compare->trigger();
        auto* view = panel.findChild<ui::RunCompare*>();
        QVERIFY(view);
        QVERIFY(view->isVisible());
        QVERIFY(view->windowTitle().contains(u"abcd0001"));
        // The older run is the first column.
        QCOMPARE(view->value(QStringLiteral("Status"), 0), QStringLiteral("out_of_memory"));
        QCOMPARE(view->value(QStringLiteral("Status"), 1), QStringLiteral("ok"));
        QCOMPARE(view->value(QStringLiteral("Memory limit"), 0), QStringLiteral("64.0 MiB"));
        QCOMPARE(view->value(QStringLiteral("Memory limit"), 1), QStringLiteral("128.0 MiB"));
        QCOMPARE(view->value(QStringLiteral("Peak memory"), 1), QStringLiteral("90.0 MiB"));
        QCOMPARE(view->value(QStringLiteral("CPU time"), 0), QStringLiteral("250 ms"));
        const QStringList differ = view->differingRows();
        for (const char* label : {"Status", "Exit code", "Memory limit", "Memory+swap", "Peak memory"})
            QVERIFY2(differ.contains(QString::fromUtf8(label)), label);
        for (const char* label : {"CPUs", "Timeout", "Pids", "CPU time", "Wall time", "Code"})
            QVERIFY2(!differ.contains(QString::fromUtf8(label)), label);
        // The differing rows are highlighted, the same ones are not.
        auto* table = view->findChild<QTableWidget*>(QStringLiteral("compareTable"));
        QVERIFY(table);
        for (int row = 0; row < table->rowCount(); ++row) {
            const bool differs = differ.contains(table->verticalHeaderItem(row)->text());
            QCOMPARE(table->item(row, 0)->background().style() != Qt::NoBrush, differs);
            QCOMPARE(table->item(row, 1)->font().bold(), differs);
        }
        // The outputs as a diff: lines only in the first run "-", only in the second "+".
        QCOMPARE(view->diffText(QStringLiteral("stdout")), QStringLiteral("  0\n  1\n+ 2\n+ done"));
        QCOMPARE(view->diffText(QStringLiteral("stderr")), QStringLiteral("- MemoryError"));
        view->close();
    }

    void compareIsInTheMenusWithItsShortcut()
    {
        QMainWindow window;
        ui::Settings settings(m_dir.filePath(QStringLiteral("s.ini")));
        auto* panel = new ui::HistoryPanel(&*m_store, &window);
        window.setCentralWidget(panel);
        ui::LimitsPanel limits(settings, QStringLiteral("img"));
        ui::StdinPanel input(settings);
        auto* menu = new ui::HistoryMenu(*panel, limits, input, &window);
        QCOMPARE(panel->compareAction()->shortcut(), QKeySequence(QStringLiteral("Ctrl+Shift+D")));
        QVERIFY(menu->actions().contains(panel->compareAction()));
        window.show();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        panel->selectRows({0, 1});
        QVERIFY(!panel->findChild<ui::RunCompare*>());
        QTest::keyClick(&window, Qt::Key_D, Qt::ControlModifier | Qt::ShiftModifier);
        auto* view = panel->findChild<ui::RunCompare*>();
        QVERIFY(view);
        QCOMPARE(view->value(QStringLiteral("Status"), 0), QStringLiteral("ok"));
        QVERIFY(view->diffText(QStringLiteral("stdout")).contains(u"+ x"));
        view->close();
    }

private:
    QTemporaryDir m_dir;
    std::optional<history::HistoryStore> m_store;
};

QTEST_MAIN(TestHistoryCompare)
#include "tst_historycompare.moc"
