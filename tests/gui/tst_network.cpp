// The workbench's network (issue 19): the Limits panel's three network modes and what limits() returns,
// allowlist entries refused inline with the entry named (and the run not started), the round trip through
// setLimits, the Open warning and its contrast, and the Network tab filled from a run's result.
#include "agentrun/history/historystore.h"
#include "agentrun/run/executor.h"

#include <cmath>

#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include "historypanel.h"
#include "limitspanel.h"
#include "mainwindow.h"
#include "networkmodel.h"
#include "networkpanel.h"
#include "outcome.h"
#include "outputconsole.h"
#include "runcontroller.h"
#include "settings.h"

using namespace agentrun;

namespace {

double luminance(const QColor& color)
{
    const auto channel = [](double c) {
        return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) +
           0.0722 * channel(color.blueF());
}

double contrast(const QColor& a, const QColor& b)
{
    const double la = luminance(a);
    const double lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

void chooseMode(QComboBox* combo, const QString& mode)
{
    const int index = combo->findData(mode);
    QVERIFY2(index >= 0, qPrintable(mode));
    combo->setCurrentIndex(index);
}

model::RunResult networkResult()
{
    model::RunResult r;
    r.status = model::Status::Ok;
    r.exitCode = 0;
    r.connections = {
        {.host = "api.test",
         .port = 443,
         .method = "CONNECT",
         .allowed = true,
         .status = 200,
         .bytesSent = 900,
         .bytesReceived = 13'640,
         .durationMs = 41},
        {.host = "other.test",
         .port = 80,
         .method = "GET",
         .allowed = false,
         .status = 403,
         .bytesSent = 120,
         .bytesReceived = 0,
         .durationMs = 2},
    };
    r.networkBytes = 14'540; // 14.2 KiB
    return r;
}

} // namespace

class TestNetwork : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void threeModes();
    void invalidEntriesAreRefused_data();
    void invalidEntriesAreRefused();
    void windowDoesNotRunWithBadEntry();
    void setLimitsRoundTrip();
    void openWarning();
    void networkTabShowsConnections();
    void networkTabWithoutNetwork();
    void historyShowsAllowlistAndTraffic();

private:
    QString freshSettingsFile();
    QTemporaryDir m_dir;
    int m_files = 0;
};

void TestNetwork::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLocale::setDefault(QLocale::c());
    QVERIFY(m_dir.isValid());
}

QString TestNetwork::freshSettingsFile()
{
    return m_dir.filePath(QStringLiteral("settings%1.ini").arg(++m_files));
}

void TestNetwork::threeModes()
{
    ui::Settings settings(freshSettingsFile());
    ui::LimitsPanel panel(settings, QStringLiteral("img"));
    auto* combo = panel.findChild<QComboBox*>(QStringLiteral("networkCombo"));
    auto* hosts = panel.findChild<QPlainTextEdit*>(QStringLiteral("allowHostsEdit"));
    auto* cap = panel.findChild<QLineEdit*>(QStringLiteral("networkBytesEdit"));
    QVERIFY(combo && hosts && cap);
    QCOMPARE(combo->count(), 3);
    QCOMPARE(combo->itemText(0), QStringLiteral("None (no network)"));
    QCOMPARE(combo->itemText(1), QStringLiteral("Allowlist (these hosts only)"));
    QCOMPARE(combo->itemText(2), QStringLiteral("Open (everything)"));
    QCOMPARE(cap->text(), QStringLiteral("64m"));

    // None: no hosts, nothing to edit.
    QCOMPARE(panel.limits()->network, std::string("none"));
    QVERIFY(panel.limits()->allowHosts.empty());
    QVERIFY(!hosts->isEnabled());

    // Allowlist: lines and commas, normalised (lower case, sorted, no duplicates); the cap is read.
    chooseMode(combo, QStringLiteral("allow"));
    QVERIFY(hosts->isEnabled());
    QVERIFY(cap->isEnabled());
    QVERIFY(!panel.limits().has_value()); // an empty allowlist is refused
    QVERIFY(hosts->property("invalid").toBool());
    hosts->setPlainText(QStringLiteral("API.Example.com\n*.example.org:8443, api.example.com\n\n"));
    cap->setText(QStringLiteral("2m"));
    auto limits = panel.limits();
    QVERIFY2(limits.has_value(), qPrintable(panel.errorText()));
    QCOMPARE(limits->network, std::string("allow"));
    QVERIFY(limits->allowHosts == (std::vector<std::string>{"*.example.org:8443", "api.example.com"}));
    QCOMPARE(limits->networkBytes, 2ll << 20);
    QVERIFY(panel.errorText().isEmpty());
    QVERIFY(settings.limits().allowHosts == limits->allowHosts); // stored at once
    QCOMPARE(settings.limits().network, std::string("allow"));
    QVERIFY(panel.findChild<QPlainTextEdit*>(QStringLiteral("dockerRunPreview"))
                ->toPlainText()
                .startsWith(QStringLiteral("docker run ")));

    // Open: bridge, the hosts kept in the field but not in the limits.
    chooseMode(combo, QStringLiteral("bridge"));
    QVERIFY(!hosts->isEnabled());
    QVERIFY(cap->isEnabled());
    limits = panel.limits();
    QVERIFY2(limits.has_value(), qPrintable(panel.errorText()));
    QCOMPARE(limits->network, std::string("bridge"));
    QVERIFY(limits->allowHosts.empty());

    chooseMode(combo, QStringLiteral("none"));
    QVERIFY(!cap->isEnabled());
    QCOMPARE(panel.limits()->network, std::string("none"));
}

void TestNetwork::invalidEntriesAreRefused_data()
{
    QTest::addColumn<QString>("entries");
    QTest::addColumn<QString>("named");
    QTest::newRow("address") << QStringLiteral("api.test\n10.0.0.1") << QStringLiteral("\"10.0.0.1\"");
    QTest::newRow("url") << QStringLiteral("https://x") << QStringLiteral("\"https://x\"");
    QTest::newRow("space") << QStringLiteral("api.test, a b") << QStringLiteral("\"a b\"");
}

void TestNetwork::invalidEntriesAreRefused()
{
    QFETCH(QString, entries);
    QFETCH(QString, named);
    ui::Settings settings(freshSettingsFile());
    ui::LimitsPanel panel(settings, QStringLiteral("img"));
    chooseMode(panel.findChild<QComboBox*>(QStringLiteral("networkCombo")), QStringLiteral("allow"));
    auto* hosts = panel.findChild<QPlainTextEdit*>(QStringLiteral("allowHostsEdit"));
    hosts->setPlainText(QStringLiteral("api.test"));
    QVERIFY(panel.limits().has_value());
    const model::Limits before = settings.limits();
    QSignalSpy changed(&panel, &ui::LimitsPanel::changed);

    hosts->setPlainText(entries);
    const auto limits = panel.limits();
    QVERIFY(!limits.has_value());
    QCOMPARE(QString::fromStdString(limits.error().code), QStringLiteral("limits.allow_hosts"));
    const QString error = panel.errorText();
    QVERIFY2(error.contains(named), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("api.example.com")), qPrintable(error)); // what to write
    QVERIFY(panel.findChild<QLabel*>(QStringLiteral("limitsErrorLabel"))->isVisibleTo(&panel));
    QVERIFY(hosts->property("invalid").toBool());
    QCOMPARE(changed.size(), 0);
    QVERIFY(settings.limits() == before);
    QVERIFY(!panel.apply());

    hosts->setPlainText(QStringLiteral("api.test"));
    QVERIFY(panel.errorText().isEmpty());
    QVERIFY(!hosts->property("invalid").toBool());
}

void TestNetwork::windowDoesNotRunWithBadEntry()
{
    run::Executor executor;
    ui::Settings settings(freshSettingsFile());
    ui::MainWindow window(executor, settings);
    auto* combo = window.findChild<QComboBox*>(QStringLiteral("networkCombo"));
    auto* hosts = window.findChild<QPlainTextEdit*>(QStringLiteral("allowHostsEdit"));
    auto* cap = window.findChild<QLineEdit*>(QStringLiteral("networkBytesEdit"));
    auto* controller = window.findChild<ui::RunController*>(QStringLiteral("runController"));
    auto* console = window.findChild<ui::OutputConsole*>(QStringLiteral("outputConsole"));
    QVERIFY(combo && hosts && cap && controller && console);
    chooseMode(combo, QStringLiteral("allow"));
    hosts->setPlainText(QStringLiteral("https://x"));
    QSignalSpy started(controller, &ui::RunController::started);
    QVERIFY(!window.runCurrent());
    QCOMPARE(started.size(), 0);
    QVERIFY(!controller->isRunning());
    console->flushAll();
    QVERIFY2(console->toPlainText().contains(QStringLiteral("not started")),
             qPrintable(console->toPlainText()));
    QVERIFY2(console->toPlainText().contains(QStringLiteral("https://x")),
             qPrintable(console->toPlainText()));

    // The cap is a size like the others, in its range.
    hosts->setPlainText(QStringLiteral("api.test"));
    cap->setText(QStringLiteral("10"));
    const auto spec = window.runSpec();
    QVERIFY(!spec.spec);
    QVERIFY(spec.inLimits);
    QVERIFY2(spec.problem.contains(QStringLiteral("network byte cap")), qPrintable(spec.problem));
    QVERIFY(cap->property("invalid").toBool());
    cap->setText(QStringLiteral("1g"));
    const auto good = window.runSpec();
    QVERIFY2(good.spec.has_value(), qPrintable(good.problem));
    QCOMPARE(good.spec->limits.network, std::string("allow"));
    QVERIFY(good.spec->limits.allowHosts == std::vector<std::string>{"api.test"});
    QCOMPARE(good.spec->limits.networkBytes, 1ll << 30);
}

void TestNetwork::setLimitsRoundTrip()
{
    const QString file = freshSettingsFile();
    model::Limits wanted;
    wanted.network = "allow";
    wanted.allowHosts = {"*.example.org", "api.test:8443"};
    wanted.networkBytes = 3ll << 20;
    {
        ui::Settings settings(file);
        ui::LimitsPanel panel(settings, QStringLiteral("img"));
        const QStringList rounded = panel.setLimits(wanted);
        QVERIFY2(rounded.isEmpty(), qPrintable(rounded.join(u',')));
        QCOMPARE(panel.findChild<QComboBox*>(QStringLiteral("networkCombo"))->currentData().toString(),
                 QStringLiteral("allow"));
        QCOMPARE(panel.findChild<QPlainTextEdit*>(QStringLiteral("allowHostsEdit"))->toPlainText(),
                 QStringLiteral("*.example.org\napi.test:8443"));
        QCOMPARE(panel.findChild<QLineEdit*>(QStringLiteral("networkBytesEdit"))->text(),
                 QStringLiteral("3m"));
        QVERIFY(panel.limits().has_value());
        QVERIFY(*panel.limits() == wanted);
        QVERIFY(panel.findChild<QWidget*>(QStringLiteral("allowHostsEdit"))->isEnabled());
    }
    // The settings keep them for the next start.
    ui::Settings settings(file);
    QVERIFY(settings.limits() == wanted);
    ui::LimitsPanel panel(settings, QStringLiteral("img"));
    QVERIFY(*panel.limits() == wanted);

    // An entry not in normal form reads back normalised, and says so.
    model::Limits loose = wanted;
    loose.allowHosts = {"API.test:8443", "*.example.org"};
    QCOMPARE(panel.setLimits(loose), QStringList{QStringLiteral("allowed hosts")});
    QVERIFY(panel.limits()->allowHosts == wanted.allowHosts);

    // The network cap is a field the outcome can mark as reached.
    panel.markReached(QStringLiteral("network_bytes"));
    QCOMPARE(panel.reachedField(), panel.findChild<QWidget*>(QStringLiteral("networkBytesEdit")));
    panel.markReached({});
    QVERIFY(panel.reachedField() == nullptr);
}

void TestNetwork::openWarning()
{
    ui::Settings settings(freshSettingsFile());
    ui::LimitsPanel panel(settings, QStringLiteral("img"));
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    auto* combo = panel.findChild<QComboBox*>(QStringLiteral("networkCombo"));
    auto* warning = panel.findChild<QLabel*>(QStringLiteral("networkOpenWarning"));
    QVERIFY(warning);
    QVERIFY(!warning->isVisible());
    chooseMode(combo, QStringLiteral("allow"));
    QVERIFY(!warning->isVisible());
    chooseMode(combo, QStringLiteral("bridge"));
    QVERIFY(warning->isVisible());
    QVERIFY2(warning->text().contains(QStringLiteral("metadata")), qPrintable(warning->text()));
    QVERIFY2(warning->text().contains(QStringLiteral("allowlist")), qPrintable(warning->text()));
    const QColor text = warning->palette().color(warning->foregroundRole());
    const QColor background = panel.palette().color(QPalette::Window);
    QVERIFY2(contrast(text, background) >= 4.5, qPrintable(QStringLiteral("%1 on %2: %3")
                                                               .arg(text.name(), background.name())
                                                               .arg(contrast(text, background))));
    QVERIFY2(text != panel.palette().color(QPalette::WindowText), "the warning has a colour of its own");
    chooseMode(combo, QStringLiteral("none"));
    QVERIFY(!warning->isVisible());
}

void TestNetwork::networkTabShowsConnections()
{
    // The panel alone: rows, words and tones.
    ui::NetworkPanel panel;
    model::Limits limits;
    limits.network = "allow";
    limits.allowHosts = {"api.test"};
    panel.showRun(networkResult(), limits);
    auto* table = panel.findChild<QTableView*>(QStringLiteral("networkTable"));
    QVERIFY(table);
    QAbstractItemModel* model = table->model();
    QCOMPARE(model->rowCount(), 2);
    using Col = ui::NetworkModel::Column;
    QCOMPARE(model->index(0, Col::Host).data().toString(), QStringLiteral("api.test"));
    QCOMPARE(model->index(0, Col::Port).data().toInt(), 443);
    QCOMPARE(model->index(0, Col::Method).data().toString(), QStringLiteral("HTTPS (tunnel)"));
    QCOMPARE(model->index(0, Col::Verdict).data().toString(), QStringLiteral("Allowed"));
    QCOMPARE(model->index(1, Col::Method).data().toString(), QStringLiteral("GET"));
    QCOMPARE(model->index(1, Col::Verdict).data().toString(), QStringLiteral("Denied"));
    QCOMPARE(model->index(1, Col::HttpStatus).data().toInt(), 403);
    QCOMPARE(model->index(0, Col::Received).data().toString(), QStringLiteral("13.3 KiB"));
    QCOMPARE(model->index(0, Col::Time).data().toString(), QStringLiteral("41 ms"));
    QVERIFY(model->index(1, Col::Verdict).data(Qt::ForegroundRole).value<QColor>() ==
            ui::toneColor(ui::Outcome::Tone::Bad));
    QVERIFY(model->index(0, Col::Verdict).data(Qt::ForegroundRole).value<QColor>() !=
            ui::toneColor(ui::Outcome::Tone::Bad));
    auto* summary = panel.findChild<QLabel*>(QStringLiteral("networkSummary"));
    QVERIFY(summary);
    QCOMPARE(summary->text(),
             QStringLiteral("2 requests: 1 allowed, 1 denied · 14.2 KiB moved of the 64 MiB cap"));
    QCOMPARE(panel.title(), QStringLiteral("Network (2)"));
    QVERIFY(panel.hasDenied());

    // Through the window: a finished run fills the tab beside the Output, its title counts and is red.
    run::Executor executor;
    ui::Settings settings(freshSettingsFile());
    ui::MainWindow window(executor, settings);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* dock = window.findChild<QDockWidget*>(QStringLiteral("networkDock"));
    QVERIFY(dock);
    QVERIFY(window.tabifiedDockWidgets(dock).contains(
        window.findChild<QDockWidget*>(QStringLiteral("outputDock"))));
    Q_EMIT window.runController()->finished(networkResult());
    auto* windowTable = window.findChild<QTableView*>(QStringLiteral("networkTable"));
    QCOMPARE(windowTable->model()->rowCount(), 2);
    QCOMPARE(dock->windowTitle(), QStringLiteral("Network (2)"));
    QVERIFY(dock->property("denied").toBool());
    QTabBar* tabs = nullptr;
    int tab = -1;
    for (QTabBar* bar : window.findChildren<QTabBar*>())
        for (int i = 0; i < bar->count(); ++i)
            if (bar->tabText(i) == dock->windowTitle()) {
                tabs = bar;
                tab = i;
            }
    QVERIFY2(tabs, "the Network tab is in a dock tab bar");
    QVERIFY(tabs->tabTextColor(tab) == ui::toneColor(ui::Outcome::Tone::Bad));

    // A run with nothing denied: the colour goes back.
    model::RunResult allowed = networkResult();
    allowed.connections.pop_back();
    Q_EMIT window.runController()->finished(allowed);
    QCOMPARE(dock->windowTitle(), QStringLiteral("Network (1)"));
    QVERIFY(!dock->property("denied").toBool());
    for (QTabBar* bar : window.findChildren<QTabBar*>())
        for (int i = 0; i < bar->count(); ++i)
            if (bar->tabText(i) == dock->windowTitle())
                QVERIFY(bar->tabTextColor(i) != ui::toneColor(ui::Outcome::Tone::Bad));
}

void TestNetwork::networkTabWithoutNetwork()
{
    ui::NetworkPanel panel;
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    model::RunResult result;
    result.status = model::Status::Ok;
    panel.showRun(result, model::Limits{});
    auto* hint = panel.findChild<QLabel*>(QStringLiteral("networkEmptyHint"));
    QVERIFY(hint && hint->isVisible());
    QCOMPARE(hint->text(),
             QStringLiteral("This run had no network. Give it hosts in Limits → Network to let it "
                            "reach an API."));
    QVERIFY(!panel.findChild<QTableView*>(QStringLiteral("networkTable"))->isVisible());
    QVERIFY(!panel.findChild<QLabel*>(QStringLiteral("networkSummary"))->isVisible());
    QCOMPARE(panel.title(), QStringLiteral("Network"));
    QVERIFY(!panel.hasDenied());

    // After a networked run the hint goes away.
    model::Limits limits;
    limits.network = "allow";
    limits.allowHosts = {"api.test"};
    panel.showRun(networkResult(), limits);
    QVERIFY(!hint->isVisible());
    QVERIFY(panel.findChild<QTableView*>(QStringLiteral("networkTable"))->isVisible());
}

void TestNetwork::historyShowsAllowlistAndTraffic()
{
    auto store = history::HistoryStore::open(m_dir.filePath(QStringLiteral("network.sqlite3")).toStdString());
    QVERIFY(store.has_value());
    model::RunSpec request;
    request.code = "import urllib.request\n";
    request.limits.network = "allow";
    request.limits.allowHosts = {"api.test", "*.example.org"};
    request.limits.networkBytes = 2ll << 20;
    model::RunResult result = networkResult();
    result.runId = "net00001";
    history::RecordContext context;
    context.policy = "standard";
    context.source = "workbench";
    QVERIFY(store->record(request, result, context).has_value());

    ui::HistoryPanel panel(&*store);
    panel.refresh();
    panel.selectRow(0);
    QCOMPARE(panel.selectedRunId(), QStringLiteral("net00001"));
    const QString text = panel.findChild<QPlainTextEdit*>(QStringLiteral("historyRunView"))->toPlainText();
    QVERIFY2(text.contains(QStringLiteral("network allow (*.example.org, api.test), cap 2 MiB")),
             qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Network:  2 requests")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("denied")) && text.contains(QStringLiteral("other.test")),
             qPrintable(text));
}

QTEST_MAIN(TestNetwork)
#include "tst_network.moc"
