#include "emptyhints.h"

#include <QAbstractItemModel>
#include <QAbstractItemView>
#include <QEvent>
#include <QHeaderView>
#include <QPlainTextEdit>
#include <QTreeView>

#include "contrast.h"

namespace agentrun::ui {

namespace emptyhint {

QString output()
{
    return QObject::tr("Nothing has run yet.\n\nPaste code a model wrote into the editor (only its Python "
                       "blocks are kept), or open one from the Examples menu, then press Ctrl+Return to run "
                       "it in the sandbox. What it prints appears here.");
}

QString problems()
{
    return QObject::tr("No problems: what the safety check finds in the snippet appears here as you type.");
}

QString history()
{
    return QObject::tr("No runs yet: every run (from here, the CLI or the REST server) appears here.");
}

} // namespace emptyhint

QColor hintColor(const QPalette& palette)
{
    // Qt's placeholder tone is often the text colour at half opacity: what shows is the blend on the base.
    const QColor base = palette.color(QPalette::Base);
    const QColor tone = palette.color(QPalette::PlaceholderText);
    const double a = tone.alphaF();
    const QColor shown = QColor::fromRgbF(float(tone.redF() * a + base.redF() * (1 - a)),
                                          float(tone.greenF() * a + base.greenF() * (1 - a)),
                                          float(tone.blueF() * a + base.blueF() * (1 - a)));
    return readableOn(shown, base, 4.5);
}

void setEmptyHint(QPlainTextEdit* edit, const QString& text)
{
    QPalette pal = edit->palette();
    pal.setColor(QPalette::PlaceholderText, hintColor(pal));
    edit->setPalette(pal);
    edit->setPlaceholderText(text);
}

EmptyViewHint::EmptyViewHint(QAbstractItemView* view, const QString& text)
    : QLabel(text, view->viewport()), m_view(view)
{
    setObjectName(QStringLiteral("emptyHint"));
    setWordWrap(true);
    setAlignment(Qt::AlignLeft | Qt::AlignTop);
    setMargin(8);
    setAttribute(Qt::WA_TransparentForMouseEvents); // the view under it stays usable
    QPalette pal = palette();
    pal.setColor(QPalette::WindowText, hintColor(view->viewport()->palette()));
    setPalette(pal);
    view->viewport()->installEventFilter(this);
    const auto refollow = [this] { follow(); };
    if (QAbstractItemModel* model = view->model()) {
        connect(model, &QAbstractItemModel::rowsInserted, this, refollow);
        connect(model, &QAbstractItemModel::rowsRemoved, this, refollow);
        connect(model, &QAbstractItemModel::modelReset, this, refollow);
        connect(model, &QAbstractItemModel::layoutChanged, this, refollow);
    }
    follow();
}

bool EmptyViewHint::eventFilter(QObject* watched, QEvent* event)
{
    if (m_view && watched == m_view->viewport() && event->type() == QEvent::Resize)
        place();
    return QLabel::eventFilter(watched, event);
}

void EmptyViewHint::place()
{
    if (m_view)
        setGeometry(0, 0, m_view->viewport()->width(), heightForWidth(m_view->viewport()->width()));
}

void EmptyViewHint::follow()
{
    const QAbstractItemModel* model = m_view ? m_view->model() : nullptr;
    const bool empty = !model || model->rowCount(m_view->rootIndex()) == 0;
    setVisible(empty);
    if (empty)
        place();
}

} // namespace agentrun::ui
