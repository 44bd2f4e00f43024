#include "historypanel.h"

#include "agentrun/errorcodes.h"
#include "agentrun/history/historystore.h"

#include <algorithm>

#include <QAction>
#include <QComboBox>
#include <QDateTime>
#include <QMenu>
#include <QStringDecoder>
#include <QFileDialog>
#include <QMessageBox>
#include <QSaveFile>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTreeView>
#include <QVBoxLayout>

#include "labels.h"
#include "runcompare.h"
#include "runhistorymodel.h"

namespace agentrun::ui {

namespace {

QPlainTextEdit* readOnlyText(const QString& name, QWidget* parent)
{
    auto* text = new QPlainTextEdit(parent);
    text->setObjectName(name);
    text->setReadOnly(true);
    text->setLineWrapMode(QPlainTextEdit::NoWrap);
    text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return text;
}

QString findingsText(const nlohmann::json& findings)
{
    QStringList lines;
    for (const auto& f : findings) {
        const auto get = [&f](const char* key) {
            return f.contains(key) && f[key].is_string() ? QString::fromStdString(f[key].get<std::string>())
                                                         : QString();
        };
        const auto number = [&f](const char* key) {
            return f.contains(key) && f[key].is_number() ? QString::number(f[key].get<long long>())
                                                         : QString();
        };
        lines << QStringLiteral("%1  %2:%3  %4  %5")
                     .arg(get("severity"), number("line"), number("column"), get("rule"), get("message"));
    }
    return lines.join(u'\n');
}

/// "none", "allow (api.test, *.example.org), cap 64 MiB", "bridge (open), cap 64 MiB".
QString networkText(const agentrun::model::Limits& l)
{
    if (l.network == "none")
        return QStringLiteral("none");
    QStringList hosts;
    for (const auto& host : l.allowHosts)
        hosts << QString::fromStdString(host);
    const QString cap = QString::fromStdString(agentrun::model::formatSize(l.networkBytes));
    if (l.network == "allow")
        return QObject::tr("allow (%1), cap %2").arg(hosts.join(QStringLiteral(", ")), cap);
    return QObject::tr("%1 (open), cap %2").arg(QString::fromStdString(l.network), cap);
}

/// The run's traffic: the summary line and a line per request the proxy saw (empty: no network use).
QString connectionsText(const agentrun::history::RunRecord& r)
{
    if (r.connections.empty() && r.networkBytes <= 0)
        return {};
    QStringList lines;
    lines << QObject::tr("Network:  %1")
                 .arg(QString::fromStdString(agentrun::model::summary(r.connections, r.networkBytes)));
    for (const auto& c : r.connections)
        lines << QString::fromStdString(agentrun::model::describe(c));
    return lines.join(u'\n');
}

QString limitsText(const agentrun::model::Limits& l)
{
    const auto size = [](std::int64_t bytes) {
        return QString::fromStdString(agentrun::model::formatSize(bytes));
    };
    return QObject::tr(
               "timeout %1 s, memory %2, memory+swap %3, %4 CPUs, %5 processes, output %6 per stream, "
               "/tmp %7, network %8, runtime %9")
        .arg(QString::number(l.timeoutSeconds), size(l.memoryBytes), size(l.memorySwapBytes),
             QString::number(l.cpus), QString::number(l.pids), size(l.outputLimitBytes), size(l.tmpfsBytes),
             networkText(l), QString::fromStdString(l.runtime));
}

/// What was asked for: the settings a person may want back, and whether the check was overridden.
QString settingsText(const agentrun::history::RunRecord& r)
{
    const auto str = [](const std::string& text) { return QString::fromStdString(text); };
    QStringList lines;
    lines << QObject::tr("Status:   %1 (exit %2)").arg(str(r.status)).arg(r.exitCode);
    lines << QObject::tr("Source:   %1").arg(str(r.source));
    lines << QObject::tr("Policy:   %1").arg(str(r.policy));
    if (r.checkSkipped)
        lines << QObject::tr("Check:    overridden (Run Anyway), reason: %1")
                     .arg(r.overrideReason.empty() ? QObject::tr("none given") : str(r.overrideReason));
    lines
        << QObject::tr("Profile:  %1").arg(r.profile.empty() ? QObject::tr("none recorded") : str(r.profile));
    lines << QObject::tr("Image:    %1").arg(str(r.image));
    if (auto limits = agentrun::history::limitsFromJson(r.limits))
        lines << QObject::tr("Limits:   %1").arg(limitsText(*limits));
    else
        lines << QObject::tr("Limits:   %1 (%2)").arg(str(r.limits.dump()), str(limits.error().message));
    if (const QString network = connectionsText(r); !network.isEmpty())
        lines << network;
    lines << QObject::tr("Input:    %1")
                 .arg(r.stdinData.empty()
                          ? QObject::tr("none")
                          : QObject::tr("%1 bytes%2")
                                .arg(r.stdinData.size())
                                .arg(r.stdinCapped ? QObject::tr(" (cut by the history)") : QString()));
    return lines.join(u'\n');
}

QString htmlReport(const agentrun::history::RunRecord& r, const QString& findings)
{
    const auto esc = [](const std::string& text) { return QString::fromStdString(text).toHtmlEscaped(); };
    QString html = QStringLiteral("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Run %1</title>"
                                  "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
                                  "pre{background:#f4f4f4;padding:.8em;overflow:auto}"
                                  "td{padding:.1em 1em .1em 0}</style></head><body>\n")
                       .arg(esc(r.runId));
    html += QStringLiteral("<h1>Run %1: %2</h1>\n<table>").arg(esc(r.runId), esc(r.status));
    const auto row = [&html](const QString& key, const QString& value) {
        html += QStringLiteral("<tr><td>%1</td><td>%2</td></tr>").arg(key, value);
    };
    row(QObject::tr("Time"), esc(agentrun::history::formatTimestamp(r.createdMs)));
    row(QObject::tr("Source"), esc(r.source));
    row(QObject::tr("Exit code"), QString::number(r.exitCode));
    row(QObject::tr("Duration"), durationLabel(r.durations.totalMs));
    row(QObject::tr("Peak memory"), r.peakMemoryBytes > 0 ? sizeLabel(r.peakMemoryBytes) : QString());
    row(QObject::tr("Policy"), esc(r.policy));
    if (r.checkSkipped)
        row(QObject::tr("Check overridden"),
            r.overrideReason.empty() ? QObject::tr("no reason given") : esc(r.overrideReason));
    if (!r.profile.empty())
        row(QObject::tr("Profile"), esc(r.profile));
    row(QObject::tr("Image"), esc(r.image));
    row(QObject::tr("Limits"), QStringLiteral("<code>%1</code>").arg(esc(r.limits.dump())));
    html += QStringLiteral("</table>\n");
    if (!r.message.empty())
        html += QStringLiteral("<p>%1</p>\n").arg(esc(r.message));
    html += QStringLiteral("<h2>%1</h2>\n<pre>%2</pre>\n").arg(QObject::tr("Code"), esc(r.code));
    if (const QString network = connectionsText(r); !network.isEmpty())
        html += QStringLiteral("<h2>%1</h2>\n<pre>%2</pre>\n")
                    .arg(QObject::tr("Network"), network.toHtmlEscaped());
    if (!findings.isEmpty())
        html += QStringLiteral("<h2>%1</h2>\n<pre>%2</pre>\n")
                    .arg(QObject::tr("Findings"), findings.toHtmlEscaped());
    html += QStringLiteral("<h2>%1</h2>\n<pre>%2</pre>\n</body></html>\n")
                .arg(QObject::tr("Output"), esc(r.output));
    return html;
}

} // namespace

HistoryPanel::HistoryPanel(agentrun::history::HistoryStore* store, QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("historyPanel"));
    m_model = new RunHistoryModel(store, this);

    m_filter = new QComboBox(this);
    m_filter->setObjectName(QStringLiteral("historyFilterCombo"));
    m_filter->addItem(tr("All runs"), int(RunHistoryModel::Filter::All));
    m_filter->addItem(tr("Blocked"), int(RunHistoryModel::Filter::Blocked));
    m_filter->addItem(tr("Failed"), int(RunHistoryModel::Filter::Failed));
    m_filter->addItem(tr("Ok"), int(RunHistoryModel::Filter::Ok));
    m_filter->addItem(tr("Check overridden"), int(RunHistoryModel::Filter::Overridden));
    connect(m_filter, &QComboBox::currentIndexChanged, this,
            [this] { m_model->setFilter(RunHistoryModel::Filter(m_filter->currentData().toInt())); });
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("historySearchEdit"));
    m_search->setPlaceholderText(tr("Search code, status, message, reason"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, m_model, &RunHistoryModel::setSearchText);
    auto* refreshButton = new QPushButton(tr("Refresh"), this);
    refreshButton->setObjectName(QStringLiteral("historyRefreshButton"));
    connect(refreshButton, &QPushButton::clicked, this, &HistoryPanel::refresh);

    m_view = new QTreeView(this);
    m_view->setObjectName(QStringLiteral("historyView"));
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    // Several runs may be selected (Ctrl/Shift+click) to compare two; the current one is shown.
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setModel(m_model);
    QHeaderView* header = m_view->header();
    header->setStretchLastSection(true);
    for (int column = 0; column < RunHistoryModel::CodeColumn; ++column)
        header->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    // Which code ran is read first: its column comes right after the outcome (time, status, exit,
    // duration), before the tuning columns, so that it shows without scrolling at 1280 px. Moved on screen
    // only: the model's columns (and exports) keep their order.
    header->moveSection(header->visualIndex(RunHistoryModel::CodeColumn),
                        RunHistoryModel::DurationColumn + 1);
    header->setSectionResizeMode(RunHistoryModel::CodeColumn, QHeaderView::Interactive);
    header->resizeSection(RunHistoryModel::CodeColumn, 280);
    m_view->setToolTip(tr("Select a run to see its code and output; double-click to reopen it"));
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                showRun(current.isValid() ? current.data(RunHistoryModel::RunIdRole).toString() : QString());
            });
    connect(m_view, &QTreeView::activated, this, [this] {
        if (!m_runId.isEmpty())
            Q_EMIT reopenRequested(m_runCode, title());
    });
    createActions();
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { m_compareAction->setEnabled(selectedRunIds().size() == 2); });
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        if (m_runId.isEmpty())
            return;
        QMenu menu(this);
        menu.addActions({m_openAction, m_restoreLimitsAction, m_restoreInputAction, m_runAgainAction});
        menu.addSeparator();
        menu.addAction(m_compareAction);
        menu.addAction(m_exportAction);
        menu.exec(m_view->viewport()->mapToGlobal(pos));
    });

    m_code = readOnlyText(QStringLiteral("historyCodeView"), this);
    m_settings = readOnlyText(QStringLiteral("historyRunView"), this);
    m_findings = readOnlyText(QStringLiteral("historyFindingsView"), this);
    m_output = readOnlyText(QStringLiteral("historyOutputView"), this);
    m_details = new QTabWidget(this);
    m_details->setObjectName(QStringLiteral("historyDetails"));
    m_details->addTab(m_code, tr("Code"));
    m_details->addTab(m_settings, tr("Settings"));
    m_details->addTab(m_findings, tr("Findings"));
    m_details->addTab(m_output, tr("Output"));
    m_open = new QPushButton(tr("Open in editor"), this);
    m_open->setObjectName(QStringLiteral("historyOpenButton"));
    m_open->setToolTip(m_openAction->toolTip());
    m_restoreLimits = new QPushButton(tr("Restore limits"), this);
    m_restoreLimits->setObjectName(QStringLiteral("historyRestoreLimitsButton"));
    m_restoreLimits->setToolTip(m_restoreLimitsAction->toolTip());
    m_runAgain = new QPushButton(tr("Run again"), this);
    m_runAgain->setObjectName(QStringLiteral("historyRunAgainButton"));
    m_runAgain->setToolTip(m_runAgainAction->toolTip());
    m_export = new QPushButton(tr("Export…"), this);
    m_export->setObjectName(QStringLiteral("historyExportButton"));
    m_export->setToolTip(m_exportAction->toolTip());
    connect(m_open, &QPushButton::clicked, m_openAction, &QAction::trigger);
    connect(m_restoreLimits, &QPushButton::clicked, m_restoreLimitsAction, &QAction::trigger);
    connect(m_runAgain, &QPushButton::clicked, m_runAgainAction, &QAction::trigger);
    connect(m_export, &QPushButton::clicked, m_exportAction, &QAction::trigger);

    auto* top = new QHBoxLayout;
    top->addWidget(m_filter);
    top->addWidget(m_search, 1);
    top->addWidget(refreshButton);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_export);
    buttons->addStretch(1);
    buttons->addWidget(m_open);
    buttons->addWidget(m_restoreLimits);
    buttons->addWidget(m_runAgain);
    auto* detailBox = new QWidget(this);
    auto* detailLayout = new QVBoxLayout(detailBox);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    detailLayout->addWidget(m_details, 1);
    detailLayout->addLayout(buttons);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_view);
    split->addWidget(detailBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(split, 1);
    showRun({});
}

void HistoryPanel::createActions()
{
    const auto make = [this](const QString& text, const QString& name, const QString& tip) {
        auto* action = new QAction(text, this);
        action->setObjectName(name);
        action->setToolTip(tip);
        action->setEnabled(false);
        return action;
    };
    m_openAction = make(tr("&Open Code in New Tab"), QStringLiteral("historyOpenAction"),
                        tr("Open the selected run's code in a new editor tab"));
    m_restoreLimitsAction = make(tr("Restore &Limits"), QStringLiteral("historyRestoreLimitsAction"),
                                 tr("Put the exact limits of the selected run into the Limits panel"));
    m_restoreInputAction = make(tr("Restore &Input"), QStringLiteral("historyRestoreInputAction"),
                                tr("Put what the selected run read on stdin into the Input panel"));
    m_runAgainAction =
        make(tr("Run &Again"), QStringLiteral("historyRunAgainAction"),
             tr("Open the selected run's code in a new tab and run it with the current settings"));
    m_exportAction = make(tr("&Export Run…"), QStringLiteral("historyExportAction"),
                          tr("Save the run as JSON or as a readable HTML report"));
    m_compareAction = make(tr("&Compare Two Runs"), QStringLiteral("historyCompareAction"),
                           tr("Select two runs (Ctrl+click) to see their limits, usage, outcome and output "
                              "side by side"));
    connect(m_compareAction, &QAction::triggered, this, [this] { compareSelected(); });
    connect(m_openAction, &QAction::triggered, this, [this] {
        if (!m_runId.isEmpty())
            Q_EMIT reopenRequested(m_runCode, title());
    });
    connect(m_runAgainAction, &QAction::triggered, this, [this] {
        if (!m_runId.isEmpty())
            Q_EMIT runAgainRequested(m_runCode, title());
    });
    connect(m_restoreLimitsAction, &QAction::triggered, this, [this] {
        if (!m_runId.isEmpty())
            Q_EMIT restoreLimitsRequested(m_runId);
    });
    connect(m_restoreInputAction, &QAction::triggered, this, [this] {
        if (!m_runId.isEmpty())
            Q_EMIT restoreInputRequested(m_runId);
    });
    connect(m_exportAction, &QAction::triggered, this, [this] {
        if (m_runId.isEmpty())
            return;
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export run"), u"run-" + m_runId + u".html", tr("HTML report (*.html);;JSON (*.json)"));
        QString error;
        if (!path.isEmpty() && !exportRun(path, &error))
            QMessageBox::warning(this, tr("Export run"), error);
    });
}

QString HistoryPanel::title() const
{
    return tr("Run %1").arg(m_runId.left(8));
}

agentrun::Result<agentrun::model::Limits> HistoryPanel::selectedLimits() const
{
    if (!m_record)
        return agentrun::fail(errc::HistoryNoSelection, tr("Select a run first.").toStdString());
    return agentrun::history::limitsFromJson(m_record->limits);
}

agentrun::Result<QString> HistoryPanel::selectedInput() const
{
    if (!m_record)
        return agentrun::fail(errc::HistoryNoSelection, tr("Select a run first.").toStdString());
    if (m_record->stdinCapped)
        return agentrun::fail(errc::HistoryInputCapped,
                              tr("The history kept only the first %1 of this run's input.")
                                  .arg(sizeLabel(qint64(agentrun::history::MaxStoredOutputBytes)))
                                  .toStdString());
    QStringDecoder decode(QStringDecoder::Utf8);
    QString text = decode(QByteArrayView(m_record->stdinData.data(), qsizetype(m_record->stdinData.size())));
    if (decode.hasError())
        return agentrun::fail(
            errc::HistoryInputBinary,
            tr("This run's input is not UTF-8 text; the Input panel takes text only.").toStdString());
    return text;
}

void HistoryPanel::refresh()
{
    const QString selected = m_runId;
    m_model->reload();
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (m_model->index(row, 0).data(RunHistoryModel::RunIdRole).toString() == selected) {
            selectRow(row);
            return;
        }
    }
    showRun({});
}

void HistoryPanel::selectRow(int row)
{
    m_view->setCurrentIndex(m_model->index(row, 0));
}

QStringList HistoryPanel::selectedRunIds() const
{
    QList<int> rows;
    for (const QModelIndex& index : m_view->selectionModel()->selectedRows())
        rows << index.row();
    std::sort(rows.begin(), rows.end());
    QStringList ids;
    for (int row : rows)
        ids << m_model->index(row, 0).data(RunHistoryModel::RunIdRole).toString();
    return ids;
}

void HistoryPanel::selectRows(const QList<int>& rows)
{
    m_view->selectionModel()->clearSelection();
    for (int row : rows)
        m_view->selectionModel()->setCurrentIndex(m_model->index(row, 0),
                                                  QItemSelectionModel::Select | QItemSelectionModel::Rows);
}

RunCompare* HistoryPanel::compareSelected()
{
    const QStringList ids = selectedRunIds();
    auto* store = m_model->store();
    if (ids.size() != 2 || !store)
        return nullptr;
    // Newest first in the list: the older run is the first column, so "+" lines are what changed since.
    auto older = store->get(ids.at(1).toStdString());
    auto newer = store->get(ids.at(0).toStdString());
    if (!older || !newer) {
        QMessageBox::warning(this, tr("Compare runs"),
                             QString::fromStdString((older ? newer : older).error().message));
        return nullptr;
    }
    auto* compare = new RunCompare(std::move(*older), std::move(*newer), this);
    compare->show();
    return compare;
}

void HistoryPanel::showRun(const QString& runId)
{
    m_runId.clear();
    m_runCode.clear();
    m_record.reset();
    m_code->clear();
    m_settings->clear();
    m_findings->clear();
    m_output->clear();
    auto* store = m_model->store();
    if (store && !runId.isEmpty()) {
        if (auto record = store->get(runId.toStdString())) {
            m_runId = runId;
            m_runCode = QString::fromStdString(record->code);
            m_code->setPlainText(m_runCode);
            m_settings->setPlainText(settingsText(*record));
            QString findings = findingsText(record->findings);
            if (record->checkSkipped)
                // The review of overridden code starts from why it was let through.
                findings.prepend(tr("Check overridden, reason: %1\n")
                                     .arg(record->overrideReason.empty()
                                              ? tr("none given")
                                              : QString::fromStdString(record->overrideReason)));
            m_findings->setPlainText(findings);
            QString output = QString::fromStdString(record->output);
            if (!record->message.empty())
                output += u"\n— " + QString::fromStdString(record->message);
            m_output->setPlainText(output);
            m_record = std::move(*record);
        } else {
            m_output->setPlainText(QString::fromStdString(record.error().message));
        }
    }
    const bool selected = !m_runId.isEmpty();
    for (QAction* action : {m_openAction, m_restoreLimitsAction, m_exportAction})
        action->setEnabled(selected);
    m_restoreInputAction->setEnabled(selected && !m_record->stdinData.empty());
    // A run whose code the history cut keeps only its head: running that again would run other code.
    const bool wholeCode = selected && !m_record->codeCapped;
    m_runAgainAction->setEnabled(wholeCode);
    m_open->setEnabled(selected);
    m_restoreLimits->setEnabled(selected);
    m_runAgain->setEnabled(wholeCode);
    m_export->setEnabled(selected);
}

bool HistoryPanel::exportRun(const QString& path, QString* error)
{
    const auto failWith = [error](const QString& message) {
        if (error)
            *error = message;
        return false;
    };
    auto* store = m_model->store();
    if (!store || m_runId.isEmpty())
        return failWith(tr("Select a run first."));
    auto record = store->get(m_runId.toStdString());
    if (!record)
        return failWith(QString::fromStdString(record.error().message));
    const bool html =
        path.endsWith(u".html", Qt::CaseInsensitive) || path.endsWith(u".htm", Qt::CaseInsensitive);
    const QByteArray bytes =
        html ? htmlReport(*record, findingsText(record->findings)).toUtf8()
             : QByteArray::fromStdString(agentrun::history::toJson(*record).dump(2) + "\n");
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) < 0 || !file.commit())
        return failWith(tr("Cannot write %1: %2").arg(path, file.errorString()));
    return true;
}

} // namespace agentrun::ui
