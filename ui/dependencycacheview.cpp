#include "dependencycacheview.h"

#include "dependencycachemodel.h"

#include "agentrun/model/limits.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace agentrun::ui {

DependencyCacheView::DependencyCacheView(DependencyCacheBackend backend, QWidget* parent)
    : QWidget(parent), m_backend(std::move(backend))
{
    setObjectName(QStringLiteral("dependencyCacheView"));
    m_model = new DependencyCacheModel(this);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("depsCacheTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    m_table->setMinimumHeight(90);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("depsCacheStatusLabel"));
    m_status->setWordWrap(true);
    m_refreshButton = new QPushButton(tr("Refresh"), this);
    m_refreshButton->setObjectName(QStringLiteral("depsCacheRefreshButton"));
    m_removeButton = new QPushButton(tr("Remove…"), this);
    m_removeButton->setObjectName(QStringLiteral("depsCacheRemoveButton"));
    m_removeButton->setToolTip(tr("Remove the selected volume or baked image"));
    m_pruneButton = new QPushButton(tr("Prune…"), this);
    m_pruneButton->setObjectName(QStringLiteral("depsCachePruneButton"));
    m_pruneButton->setToolTip(tr("Remove every cached set and baked image that no container uses"));
    connect(m_refreshButton, &QPushButton::clicked, this, &DependencyCacheView::refresh);
    connect(m_removeButton, &QPushButton::clicked, this, &DependencyCacheView::removeSelected);
    connect(m_pruneButton, &QPushButton::clicked, this, &DependencyCacheView::prune);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &DependencyCacheView::updateButtons);
    connect(m_model, &QAbstractItemModel::modelReset, this, &DependencyCacheView::updateButtons);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_refreshButton);
    buttons->addStretch(1);
    buttons->addWidget(m_removeButton);
    buttons->addWidget(m_pruneButton);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_status);
    layout->addLayout(buttons);
    updateButtons();
}

DependencyCacheView::~DependencyCacheView()
{
    *m_alive = false;
    m_future.waitForFinished();
}

QString DependencyCacheView::statusText() const
{
    return m_status->text();
}

void DependencyCacheView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (!m_shownOnce) {
        m_shownOnce = true;
        refresh();
    }
}

void DependencyCacheView::setBusy(bool busy)
{
    m_busy = busy;
    updateButtons();
}

void DependencyCacheView::updateButtons()
{
    const bool selected = m_table->selectionModel() && m_table->selectionModel()->hasSelection();
    m_refreshButton->setEnabled(!m_busy);
    m_removeButton->setEnabled(!m_busy && selected);
    m_pruneButton->setEnabled(!m_busy && m_model->rowCount() > 0);
}

void DependencyCacheView::refresh()
{
    runThenRefresh({});
}

void DependencyCacheView::runThenRefresh(std::function<agentrun::Result<QString>()> work)
{
    if (m_busy)
        return;
    setBusy(true);
    m_status->setText(work ? tr("Working…") : tr("Reading the cache…"));
    m_future = QtConcurrent::run([this, alive = m_alive, backend = m_backend, work = std::move(work)] {
        QString done;
        QString error;
        if (work) {
            auto outcome = work();
            if (outcome)
                done = *outcome;
            else
                error = QString::fromStdString(outcome.error().message);
        }
        auto listed = backend.list();
        if (!listed && error.isEmpty())
            error = QString::fromStdString(listed.error().message);
        std::vector<DependencyCacheItem> items =
            listed ? std::move(*listed) : std::vector<DependencyCacheItem>();
        const bool ok = listed.has_value();
        QMetaObject::invokeMethod(
            this,
            [this, alive, ok, done, error, items = std::move(items)]() mutable {
                if (!*alive)
                    return;
                if (ok)
                    m_model->setItems(std::move(items));
                setBusy(false);
                int volumes = 0;
                int images = 0;
                for (int row = 0; row < m_model->rowCount(); ++row)
                    (m_model->item(row).kind == DependencyCacheItem::Kind::BakedImage ? images : volumes)++;
                QString summary = tr("%n cached set(s)", nullptr, volumes) + QStringLiteral(", ") +
                                  tr("%n baked image(s)", nullptr, images) + QStringLiteral(" — ") +
                                  QString::fromStdString(agentrun::model::formatSize(m_model->totalBytes()));
                if (!done.isEmpty())
                    summary = done + QStringLiteral(" ") + summary;
                m_status->setText(error.isEmpty() ? summary : error);
                Q_EMIT refreshed(error);
            },
            Qt::QueuedConnection);
    });
}

bool DependencyCacheView::confirm(const QString& title, const QString& text)
{
    QMessageBox box(QMessageBox::Question, title, text, QMessageBox::Yes | QMessageBox::Cancel, this);
    box.setObjectName(QStringLiteral("depsCacheConfirm"));
    box.setDefaultButton(QMessageBox::Cancel);
    return box.exec() == QMessageBox::Yes;
}

void DependencyCacheView::removeSelected()
{
    const QModelIndexList rows =
        m_table->selectionModel() ? m_table->selectionModel()->selectedRows() : QModelIndexList();
    if (rows.isEmpty() || m_busy)
        return;
    const DependencyCacheItem item = m_model->item(rows.first().row());
    const QString name = QString::fromStdString(item.name);
    const QString what = item.kind == DependencyCacheItem::Kind::BakedImage
                             ? tr("the baked image %1").arg(name)
                             : tr("the cached set %1").arg(name);
    if (!confirm(tr("Remove from the cache"),
                 tr("Remove %1 (%2)? Runs that need it install or bake it again.")
                     .arg(what, QString::fromStdString(item.requirements))))
        return;
    runThenRefresh([backend = m_backend, item, name]() -> agentrun::Result<QString> {
        if (auto removed = backend.remove(item); !removed)
            return std::unexpected(removed.error());
        return tr("Removed %1.").arg(name);
    });
}

void DependencyCacheView::prune()
{
    if (m_busy)
        return;
    if (!confirm(tr("Prune the dependency cache"),
                 tr("Remove every cached set and baked image that no container uses (%1)?")
                     .arg(QString::fromStdString(agentrun::model::formatSize(m_model->totalBytes())))))
        return;
    runThenRefresh([backend = m_backend]() -> agentrun::Result<QString> {
        auto removed = backend.prune();
        if (!removed)
            return std::unexpected(removed.error());
        return tr("Removed %n item(s).", nullptr, *removed);
    });
}

} // namespace agentrun::ui
