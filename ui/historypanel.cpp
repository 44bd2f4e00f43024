#include "historypanel.h"

#include "agentrun/history/historystore.h"

#include <QComboBox>
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

    auto* top = new QHBoxLayout;
    top->addWidget(m_filter);
    top->addWidget(m_search, 1);
    top->addWidget(refreshButton);
    auto* buttons = new QHBoxLayout;
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
}

} // namespace agentrun::ui
