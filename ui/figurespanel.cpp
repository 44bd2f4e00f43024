#include "figurespanel.h"

#include <cmath>

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QGraphicsPixmapItem>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>

namespace agentrun::ui {

namespace {

constexpr int ThumbnailSide = 96;

QToolButton* toolButton(QWidget* parent, const QString& name, const QString& text, const QString& tip)
{
    auto* button = new QToolButton(parent);
    button->setObjectName(name);
    button->setText(text);
    button->setToolTip(tip);
    button->setAutoRaise(true);
    return button;
}

} // namespace

FigureView::FigureView(QWidget* parent) : QGraphicsView(parent)
{
    setObjectName(QStringLiteral("figureView"));
    setScene(new QGraphicsScene(this));
    m_item = scene()->addPixmap({});
    m_item->setTransformationMode(Qt::SmoothTransformation);
    setDragMode(ScrollHandDrag);
    setTransformationAnchor(AnchorUnderMouse);
    setRenderHint(QPainter::SmoothPixmapTransform);
}

void FigureView::setImage(const QImage& image)
{
    m_item->setPixmap(QPixmap::fromImage(image));
    scene()->setSceneRect(m_item->boundingRect());
    fit();
}

void FigureView::setZoom(double zoom)
{
    m_fitting = false;
    m_zoom = qBound(MinZoom, zoom, MaxZoom);
    setTransform(QTransform::fromScale(m_zoom, m_zoom));
    Q_EMIT zoomChanged(m_zoom);
}

void FigureView::fit()
{
    const QSizeF image = m_item->boundingRect().size();
    const QSizeF room = viewport()->size() - QSizeF(4, 4);
    double zoom = 1.0;
    if (!image.isEmpty() && room.width() > 0 && room.height() > 0)
        zoom = qMin(1.0, qMin(room.width() / image.width(), room.height() / image.height()));
    setZoom(zoom);
    m_fitting = true;
}

void FigureView::wheelEvent(QWheelEvent* event)
{
    if (!(event->modifiers() & Qt::ControlModifier)) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    const int steps = event->angleDelta().y() / 120;
    if (steps != 0)
        setZoom(m_zoom * std::pow(1.25, steps));
    event->accept();
}

void FigureView::resizeEvent(QResizeEvent* event)
{
    QGraphicsView::resizeEvent(event);
    if (m_fitting)
        fit();
}

FiguresPanel::FiguresPanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("figuresPanel"));
    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("figuresList"));
    m_list->setIconSize(QSize(ThumbnailSide, ThumbnailSide));
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setUniformItemSizes(true);
    m_view = new FigureView(this);

    auto* zoomOut =
        toolButton(this, QStringLiteral("figureZoomOut"), QStringLiteral("−"), tr("Zoom out (-)"));
    auto* zoomIn = toolButton(this, QStringLiteral("figureZoomIn"), QStringLiteral("+"), tr("Zoom in (+)"));
    auto* fit = toolButton(this, QStringLiteral("figureFit"), tr("Fit"), tr("Fit the figure in view (0)"));
    auto* actual = toolButton(this, QStringLiteral("figureActualSize"), tr("1:1"), tr("Actual size (1)"));
    m_save = toolButton(this, QStringLiteral("figureSave"), tr("Save as PNG…"),
                        tr("Save the selected figure as a PNG file"));
    m_zoomLabel = new QLabel(this);
    m_zoomLabel->setObjectName(QStringLiteral("figureZoomLabel"));
    connect(zoomOut, &QToolButton::clicked, m_view, &FigureView::zoomOut);
    connect(zoomIn, &QToolButton::clicked, m_view, &FigureView::zoomIn);
    connect(fit, &QToolButton::clicked, m_view, &FigureView::fit);
    connect(actual, &QToolButton::clicked, m_view, &FigureView::actualSize);
    connect(m_save, &QToolButton::clicked, this, &FiguresPanel::saveSelectedAs);
    connect(m_view, &FigureView::zoomChanged, this,
            [this](double zoom) { m_zoomLabel->setText(QStringLiteral("%1%").arg(qRound(zoom * 100))); });
    // Keys while the view or the list has focus, as image viewers have them (none is the window's: an
    // ambiguous shortcut would trigger neither).
    const struct
    {
        QKeySequence key;
        void (FigureView::*slot)();
    } keys[] = {{QKeySequence(Qt::Key_Plus), &FigureView::zoomIn},
                {QKeySequence(Qt::Key_Equal), &FigureView::zoomIn},
                {QKeySequence(Qt::Key_Minus), &FigureView::zoomOut},
                {QKeySequence(Qt::Key_0), &FigureView::fit},
                {QKeySequence(Qt::Key_1), &FigureView::actualSize}};
    for (const auto& k : keys) {
        auto* action = new QAction(this);
        action->setShortcut(k.key);
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(action, &QAction::triggered, m_view, k.slot);
        addAction(action);
    }

    auto* tools = new QHBoxLayout;
    tools->setContentsMargins(0, 0, 0, 0);
    for (QWidget* w :
         {static_cast<QWidget*>(zoomOut), static_cast<QWidget*>(zoomIn), static_cast<QWidget*>(fit),
          static_cast<QWidget*>(actual), static_cast<QWidget*>(m_zoomLabel)})
        tools->addWidget(w);
    tools->addStretch();
    tools->addWidget(m_save);
    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addLayout(tools);
    rightLayout->addWidget(m_view);

    auto* splitter = new QSplitter(this);
    splitter->addWidget(m_list);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({ThumbnailSide + 140, 400});
    m_empty = new QLabel(tr("Figures appear here when a run shows one (matplotlib's plt.show(), or figures "
                            "still open at the end)."),
                         this);
    m_empty->setObjectName(QStringLiteral("figuresEmptyLabel"));
    m_empty->setWordWrap(true);
    m_empty->setAlignment(Qt::AlignCenter);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);
    layout->addWidget(m_empty);
    connect(m_list, &QListWidget::currentRowChanged, this, &FiguresPanel::showSelected);
    clear();
}

void FiguresPanel::addFigure(const QImage& image)
{
    if (image.isNull())
        return;
    if (m_images.size() >= MaxFigures) {
        m_images.removeFirst();
        m_numbers.removeFirst();
        delete m_list->takeItem(0);
    }
    const int number = ++m_added;
    m_images << image;
    m_numbers << number;
    const QImage thumbnail =
        image.scaled(ThumbnailSide, ThumbnailSide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    auto* item = new QListWidgetItem(
        QIcon(QPixmap::fromImage(thumbnail)),
        tr("Figure %1\n%2 × %3").arg(number).arg(image.width()).arg(image.height()), m_list);
    item->setToolTip(tr("%1 × %2 pixels").arg(image.width()).arg(image.height()));
    m_list->setCurrentItem(item);
    m_empty->hide();
    m_list->parentWidget()->show();
}

void FiguresPanel::clear()
{
    m_list->clear();
    m_images.clear();
    m_numbers.clear();
    m_added = 0;
    m_view->setImage({});
    m_save->setEnabled(false);
    m_list->parentWidget()->hide();
    m_empty->show();
}

int FiguresPanel::count() const
{
    return int(m_images.size());
}

QString FiguresPanel::defaultFileName(int row) const
{
    return QStringLiteral("figure-%1.png").arg(m_numbers.value(row, row + 1));
}

QString FiguresPanel::saveFigure(int row, const QString& path) const
{
    if (row < 0 || row >= m_images.size())
        return tr("No figure is selected.");
    // Written from the decoded pixels: what lands on disk is a PNG Qt made, whatever else the
    // sandbox's bytes carried.
    if (!m_images.at(row).save(path, "PNG"))
        return tr("Could not write %1: check that the folder exists and is writable.")
            .arg(QDir::toNativeSeparators(path));
    return {};
}

void FiguresPanel::saveSelectedAs()
{
    const int row = m_list->currentRow();
    if (row < 0)
        return;
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save Figure"), QDir(folder).filePath(defaultFileName(row)), tr("PNG images (*.png)"));
    if (path.isEmpty())
        return;
    if (const QString problem = saveFigure(row, path); !problem.isEmpty())
        QMessageBox::warning(this, tr("Save Figure"), problem);
}

void FiguresPanel::showSelected()
{
    const int row = m_list->currentRow();
    m_view->setImage(m_images.value(row));
    m_save->setEnabled(row >= 0);
}

} // namespace agentrun::ui
