// The window's layout (issue 23): the Output console is the main bottom panel (the whole width, about
// half the height) with the other result panels as tabs beside it, so the History, when chosen, shows its
// Code column without scrolling; the run settings stay beside the editor. Checked at 1280×800 and
// 1920×1080, offscreen. The user's arrangement is remembered, an older window's saved layout is not
// restored, and View ▸ Reset Layout puts everything back.
#include "agentrun/history/historystore.h"
#include "agentrun/run/executor.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QHeaderView>
#include <QLocale>
#include <QScrollBar>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include "mainwindow.h"
#include "outputconsole.h"
#include "runhistorymodel.h"
#include "settings.h"

using namespace agentrun;

class TestLayout : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        auto store =
            history::HistoryStore::open(m_dir.filePath(QStringLiteral("history.sqlite3")).toStdString());
        QVERIFY(store);
        m_store.emplace(std::move(*store));
        // Runs as the History shows them, one with the check overridden (its reason has a column).
        for (int i = 0; i < 3; ++i) {
            model::RunSpec request;
            request.code = "import pandas as pd\nprint(pd.DataFrame({'a': [1, 2, 3]}).describe())";
            request.skipCheck = i == 1;
            request.overrideReason = i == 1 ? "local CSV" : "";
            model::RunResult result;
            result.runId = "layout0" + std::to_string(i);
            result.status = i == 2 ? model::Status::OutOfMemory : model::Status::Ok;
            result.exitCode = i == 2 ? 137 : 0;
            result.durations.totalMs = 1234.5;
            result.peakMemoryBytes = 268435456;
            QVERIFY(m_store->record(request, result, "standard", "workbench").has_value());
        }
    }

    void outputGetsTheRoomAndHistoryItsCodeColumn_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("1280x800") << QSize(1280, 800);
        QTest::newRow("1920x1080") << QSize(1920, 1080);
    }

    void outputGetsTheRoomAndHistoryItsCodeColumn()
    {
        QFETCH(QSize, size);
        run::Executor executor;
        ui::Settings settings(freshSettingsFile());
        ui::MainWindow window(executor, settings, &*m_store);
        window.resize(size);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_COMPARE(window.size(), size);
        checkDefaultLayout(window);
    }

    void resetLayoutPutsEverythingBack()
    {
        run::Executor executor;
        ui::Settings settings(freshSettingsFile());
        ui::MainWindow window(executor, settings, &*m_store);
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        // Rearranged: Output hidden, History floating, Limits on the left, Problems split off to the right.
        dock(window, "outputDock")->hide();
        dock(window, "historyDock")->setFloating(true);
        window.addDockWidget(Qt::LeftDockWidgetArea, dock(window, "limitsDock"));
        window.addDockWidget(Qt::RightDockWidgetArea, dock(window, "findingsDock"));
        QApplication::processEvents();
        QVERIFY(!dock(window, "outputDock")->isVisible());

        auto* reset = window.findChild<QAction*>(QStringLiteral("resetLayoutAction"));
        QVERIFY(reset && reset->isEnabled());
        reset->trigger();
        QVERIFY(!dock(window, "historyDock")->isFloating());
        QCOMPARE(window.dockWidgetArea(dock(window, "limitsDock")), Qt::RightDockWidgetArea);
        QCOMPARE(window.dockWidgetArea(dock(window, "findingsDock")), Qt::BottomDockWidgetArea);
        checkDefaultLayout(window);
    }

    void theUsersLayoutIsRememberedButNotAnOlderWindows()
    {
        run::Executor executor;
        const QString file = freshSettingsFile();
        {
            ui::Settings settings(file);
            ui::MainWindow window(executor, settings, &*m_store);
            window.resize(1280, 800);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.addDockWidget(Qt::LeftDockWidgetArea, dock(window, "limitsDock"));
            window.close();
        }
        {
            ui::Settings settings(file);
            ui::MainWindow window(executor, settings, &*m_store);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            QCOMPARE(window.dockWidgetArea(dock(window, "limitsDock")), Qt::LeftDockWidgetArea);
            // A layout saved by the window before this one (Output a third of the bottom; no version)
            // is not restored: the new default is used.
            window.addDockWidget(Qt::LeftDockWidgetArea, dock(window, "outputDock"));
            settings.setValue(ui::Settings::Key::WindowState, window.saveState());
            settings.sync();
        }
        ui::Settings settings(file);
        ui::MainWindow window(executor, settings, &*m_store);
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.dockWidgetArea(dock(window, "outputDock")), Qt::BottomDockWidgetArea);
        QCOMPARE(window.dockWidgetArea(dock(window, "limitsDock")), Qt::RightDockWidgetArea);
        checkDefaultLayout(window);
    }

private:
    static QDockWidget* dock(ui::MainWindow& window, const char* name)
    {
        auto* found = window.findChild<QDockWidget*>(QLatin1String(name));
        if (!found)
            qFatal("no dock %s", name);
        return found;
    }

    /// Output: the whole width (it had a third of the bottom) and a third of the height or more, 18 lines
    /// or more (it had 14); the editor keeps a third; Limits is on screen at its width; the History, chosen,
    /// shows its Code column unscrolled.
    void checkDefaultLayout(ui::MainWindow& window)
    {
        QApplication::processEvents();
        auto* console = window.findChild<ui::OutputConsole*>(QStringLiteral("outputConsole"));
        QVERIFY(console);
        QTRY_VERIFY(console->isVisible());
        const QString sizes = QStringLiteral("window %1×%2, output %3×%4, editor %5×%6")
                                  .arg(window.width())
                                  .arg(window.height())
                                  .arg(console->width())
                                  .arg(console->height())
                                  .arg(window.centralWidget()->width())
                                  .arg(window.centralWidget()->height());
        QVERIFY2(console->width() >= window.width() * 9 / 10, qPrintable(sizes));
        QVERIFY2(console->height() >= window.height() / 3, qPrintable(sizes));
        const int lines = console->viewport()->height() / console->fontMetrics().lineSpacing();
        QVERIFY2(lines >= 18, qPrintable(sizes + u", lines " + QString::number(lines)));
        QVERIFY2(window.centralWidget()->height() >= window.height() / 3, qPrintable(sizes));
        // The Limits panel: in front on the right, at its full width (scrolled up and down when the window
        // is short), and whole at 1080 pixels.
        auto* limits = window.findChild<QWidget*>(QStringLiteral("limitsPanel"));
        QVERIFY(limits && limits->isVisible());
        const QString limitsSize = QStringLiteral("limits %1×%2, needs %3×%4, shown %5")
                                       .arg(limits->width())
                                       .arg(limits->height())
                                       .arg(limits->minimumSizeHint().width())
                                       .arg(limits->minimumSizeHint().height())
                                       .arg(limits->visibleRegion().boundingRect().height());
        QVERIFY2(limits->width() >= limits->minimumSizeHint().width(), qPrintable(limitsSize));
        if (window.height() >= 1080)
            QVERIFY2(limits->visibleRegion().boundingRect().height() >= limits->minimumSizeHint().height(),
                     qPrintable(limitsSize));
        QVERIFY(window.tabifiedDockWidgets(dock(window, "outputDock")).contains(dock(window, "historyDock")));

        dock(window, "historyDock")->raise();
        auto* view = window.findChild<QTreeView*>(QStringLiteral("historyView"));
        QVERIFY(view);
        QTRY_VERIFY(view->isVisible());
        QTRY_VERIFY(view->model()->rowCount() >= 3);
        QApplication::processEvents();
        const int code = view->header()->sectionViewportPosition(ui::RunHistoryModel::CodeColumn);
        const QString history = QStringLiteral("history view %1 wide, Code column at %2, scroll range %3")
                                    .arg(view->viewport()->width())
                                    .arg(code)
                                    .arg(view->horizontalScrollBar()->maximum());
        // The Code column is in view without scrolling, whole (280 px) when the view has the room; the
        // tuning columns (limits and usage) come after it and may scroll.
        QVERIFY2(code >= 0 && code + 100 <= view->viewport()->width(), qPrintable(history));
        QVERIFY2(view->horizontalScrollBar()->value() == 0, qPrintable(history));
        const int codeWidth = view->header()->sectionSize(ui::RunHistoryModel::CodeColumn);
        QVERIFY2(code + std::min(codeWidth, 280) <= view->viewport()->width(), qPrintable(history));
        dock(window, "outputDock")->raise();
    }

    QString freshSettingsFile() { return m_dir.filePath(QStringLiteral("layout%1.ini").arg(++m_files)); }

    QTemporaryDir m_dir;
    std::optional<history::HistoryStore> m_store;
    int m_files = 0;
};

QTEST_MAIN(TestLayout)
#include "tst_layout.moc"
