#pragma once

#include <QGraphicsView>
#include <QImage>
#include <QList>
#include <QWidget>

class QGraphicsPixmapItem;
class QLabel;
class QListWidget;
class QToolButton;

namespace agentrun::ui {

/// One figure at a chosen zoom: Ctrl+wheel, or zoomIn()/zoomOut()/fit()/actualSize().
class FigureView : public QGraphicsView
{
    Q_OBJECT
public:
    static constexpr double MinZoom = 0.05;
    static constexpr double MaxZoom = 16.0;

    explicit FigureView(QWidget* parent = nullptr);
    void setImage(const QImage& image); ///< a null image empties the view
    double zoom() const { return m_zoom; }
    void setZoom(double zoom);
    void zoomIn() { setZoom(m_zoom * 1.25); }
    void zoomOut() { setZoom(m_zoom / 1.25); }
    void actualSize() { setZoom(1.0); }
    /// Whole figure in view (never above its own size); stays so as the view is resized.
    void fit();

Q_SIGNALS:
    void zoomChanged(double zoom);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    QGraphicsPixmapItem* m_item = nullptr;
    double m_zoom = 1.0;
    bool m_fitting = true;
};

/// The figures of the run (of the session's runs, one after the other): thumbnails with their size, the
/// selected one in a FigureView, and Save as PNG….
class FiguresPanel : public QWidget
{
    Q_OBJECT
public:
    /// The oldest figures are dropped beyond this many (a session's panel is never cleared).
    static constexpr int MaxFigures = 64;

    explicit FiguresPanel(QWidget* parent = nullptr);

    /// Adds a decoded figure and selects it.
    void addFigure(const QImage& image);
    void clear();
    int count() const;
    QImage figure(int row) const { return m_images.value(row); }
    QListWidget* list() const { return m_list; }
    FigureView* view() const { return m_view; }

    /// The name Save as PNG… proposes for the figure in `row`: figure-N.png, N its number since the
    /// panel was cleared.
    QString defaultFileName(int row) const;
    /// Writes the figure in `row` as a PNG to `path`; an empty string on success, else why not.
    QString saveFigure(int row, const QString& path) const;
    /// Asks where (QFileDialog) and saves the selected figure.
    void saveSelectedAs();

private:
    void showSelected();

    QListWidget* m_list = nullptr;
    FigureView* m_view = nullptr;
    QLabel* m_empty = nullptr;
    QLabel* m_zoomLabel = nullptr;
    QToolButton* m_save = nullptr;
    QList<QImage> m_images;
    QList<int> m_numbers; ///< each figure's number since the panel was cleared
    int m_added = 0;
};

} // namespace agentrun::ui
