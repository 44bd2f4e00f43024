#include "historypanel.h"

#include "agentrun/history/historystore.h"

#include <QComboBox>
#include <QDateTime>
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
    row(QObject::tr("Image"), esc(r.image));
    row(QObject::tr("Limits"), QStringLiteral("<code>%1</code>").arg(esc(r.limits.dump())));
    html += QStringLiteral("</table>\n");
    if (!r.message.empty())
        html += QStringLiteral("<p>%1</p>\n").arg(esc(r.message));
    html += QStringLiteral("<h2>%1</h2>\n<pre>%2</pre>\n").arg(QObject::tr("Code"), esc(r.code));
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
    connect(m_filter, &QComboBox::currentIndexChanged, this,
            [this] { m_model->setFilter(RunHistoryModel::Filter(m_filter->currentData().toInt())); });
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("historySearchEdit"));
    m_search->setPlaceholderText(tr("Search code, status, message"));
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
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setModel(m_model);
    m_view->header()->setStretchLastSection(true);
    for (int column = 0; column < RunHistoryModel::CodeColumn; ++column)
        m_view->header()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    m_view->setToolTip(tr("Select a run to see its code and output; double-click to reopen it"));
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                showRun(current.isValid() ? current.data(RunHistoryModel::RunIdRole).toString() : QString());
            });
    connect(m_view, &QTreeView::activated, this, [this] {
        if (!m_runId.isEmpty())
            Q_EMIT reopenRequested(m_runCode, tr("Run %1").arg(m_runId.left(8)));
    });

    m_code = readOnlyText(QStringLiteral("historyCodeView"), this);
    m_findings = readOnlyText(QStringLiteral("historyFindingsView"), this);
    m_output = readOnlyText(QStringLiteral("historyOutputView"), this);
    m_details = new QTabWidget(this);
    m_details->setObjectName(QStringLiteral("historyDetails"));
    m_details->addTab(m_code, tr("Code"));
    m_details->addTab(m_findings, tr("Findings"));
    m_details->addTab(m_output, tr("Output"));
    m_open = new QPushButton(tr("Open in editor"), this);
    m_open->setObjectName(QStringLiteral("historyOpenButton"));
    m_runAgain = new QPushButton(tr("Run again"), this);
    m_runAgain->setObjectName(QStringLiteral("historyRunAgainButton"));
    connect(m_open, &QPushButton::clicked, this,
            [this] { Q_EMIT reopenRequested(m_runCode, tr("Run %1").arg(m_runId.left(8))); });
    connect(m_runAgain, &QPushButton::clicked, this,
            [this] { Q_EMIT runAgainRequested(m_runCode, tr("Run %1").arg(m_runId.left(8))); });

    m_export = new QPushButton(tr("Export…"), this);
    m_export->setObjectName(QStringLiteral("historyExportButton"));
    m_export->setToolTip(tr("Save the run as JSON or as a readable HTML report"));
    connect(m_export, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export run"), u"run-" + m_runId + u".html", tr("HTML report (*.html);;JSON (*.json)"));
        QString error;
        if (!path.isEmpty() && !exportRun(path, &error))
            QMessageBox::warning(this, tr("Export run"), error);
    });

    auto* top = new QHBoxLayout;
    top->addWidget(m_filter);
    top->addWidget(m_search, 1);
    top->addWidget(refreshButton);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_export);
    buttons->addStretch(1);
    buttons->addWidget(m_open);
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

void HistoryPanel::showRun(const QString& runId)
{
    m_runId.clear();
    m_runCode.clear();
    m_code->clear();
    m_findings->clear();
    m_output->clear();
    auto* store = m_model->store();
    if (store && !runId.isEmpty()) {
        if (auto record = store->get(runId.toStdString())) {
            m_runId = runId;
            m_runCode = QString::fromStdString(record->code);
            m_code->setPlainText(m_runCode);
            m_findings->setPlainText(findingsText(record->findings));
            QString output = QString::fromStdString(record->output);
            if (!record->message.empty())
                output += u"\n— " + QString::fromStdString(record->message);
            m_output->setPlainText(output);
        } else {
            m_output->setPlainText(QString::fromStdString(record.error().message));
        }
    }
    m_open->setEnabled(!m_runId.isEmpty());
    m_runAgain->setEnabled(!m_runId.isEmpty());
    m_export->setEnabled(!m_runId.isEmpty());
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
