#pragma once

#include <QColor>
#include <QLabel>
#include <QPointer>

class QAbstractItemView;
class QPlainTextEdit;

namespace agentrun::ui {

/// What an empty panel says on the first start: where to begin, and what will appear there.
namespace emptyhint {
QString output();
QString problems();
QString history();
} // namespace emptyhint

/// The colour hint text is drawn in on `palette`'s base: its placeholder tone, darkened (or lightened on
/// a dark theme) until it reaches 4.5:1 (WCAG AA) — Qt's own placeholder grey often does not.
QColor hintColor(const QPalette& palette);

/// Shows `text` in `edit` while it is empty (its placeholder), in hintColor().
void setEmptyHint(QPlainTextEdit* edit, const QString& text);

/// A line over the viewport of an item view while its model has no rows; it follows the model.
class EmptyViewHint : public QLabel
{
    Q_OBJECT
public:
    EmptyViewHint(QAbstractItemView* view, const QString& text);
    /// Whether the hint is up (the view is empty).
    bool isShowing() const { return !isHidden(); }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void follow();
    void place();

    QPointer<QAbstractItemView> m_view;
};

} // namespace agentrun::ui
