#include "outputconsole.h"

#include <QElapsedTimer>
#include <QFontDatabase>
#include <QAbstractTextDocumentLayout>
#include <QLocale>
#include <QPainter>
#include <QResizeEvent>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>

namespace agentrun::ui {

namespace {

constexpr qsizetype FeedChunk = 16 * 1024; // small enough that the time budget is checked often

QColor rgb(std::uint32_t colour)
{
    return QColor::fromRgb(QRgb(colour & 0xffffff));
}

constexpr QSize DroppedFigureSize(240, 40);

} // namespace

ConsoleFigureObject::ConsoleFigureObject(OutputConsole* console) : QObject(console), m_console(console) {}

QSizeF ConsoleFigureObject::intrinsicSize(QTextDocument*, int, const QTextFormat& format)
{
    const QImage image = m_console->figureImage(format.intProperty(OutputConsole::FigureIdProperty));
    if (image.isNull())
        return DroppedFigureSize;
    const QSizeF size = image.deviceIndependentSize();
    const qreal width = m_console->figureWidth();
    return size.width() > width ? size * (width / size.width()) : size;
}

void ConsoleFigureObject::drawObject(QPainter* painter, const QRectF& rect, QTextDocument*, int,
                                     const QTextFormat& format)
{
    const int id = format.intProperty(OutputConsole::FigureIdProperty);
    const QImage image = m_console->figureImage(id);
    if (image.isNull()) {
        m_scaled.remove(id);
        painter->save();
        painter->setPen(QColor(0x6b, 0x6b, 0x6b));
        painter->drawRect(rect.adjusted(0, 0, -1, -1));
        painter->drawText(rect, Qt::AlignCenter, OutputConsole::tr("(an older figure, no longer kept)"));
        painter->restore();
        return;
    }
    const QSize target = (rect.size() * painter->device()->devicePixelRatioF()).toSize();
    if (target == image.size()) {
        painter->drawImage(rect, image);
        return;
    }
    QImage& scaled = m_scaled[id];
    if (scaled.size() != target)
        scaled = image.scaled(target, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    painter->drawImage(rect, scaled);
}

OutputConsole::OutputConsole(QWidget* parent) : QPlainTextEdit(parent)
{
    setObjectName(QStringLiteral("outputConsole"));
    setReadOnly(true);
    setUndoRedoEnabled(false);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setLineWrapMode(WidgetWidth);
    setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_flushTimer.setSingleShot(true);
    connect(&m_flushTimer, &QTimer::timeout, this, &OutputConsole::flushSlice);
    document()->documentLayout()->registerHandler(FigureObjectType, new ConsoleFigureObject(this));
}

int OutputConsole::figureWidth() const
{
    return qMax(32, viewport()->width() - 2 * int(document()->documentMargin()) - 4);
}

void OutputConsole::resizeEvent(QResizeEvent* event)
{
    QPlainTextEdit::resizeEvent(event);
    // A figure's shown width follows the console's: lay its lines out again.
    if (!m_figures.isEmpty() && event->size().width() != event->oldSize().width())
        document()->markContentsDirty(0, document()->characterCount());
}

void OutputConsole::appendOutput(agentrun::model::Stream stream, const QByteArray& bytes)
{
    if (bytes.isEmpty())
        return;
    const int channel = stream == agentrun::model::Stream::Stderr ? 1 : 0;
    if (!m_pending.empty() && m_pending.back().channel == channel &&
        m_pending.back().bytes.size() < (1 << 20))
        m_pending.back().bytes.append(bytes);
    else
        m_pending.push_back(Item{channel, bytes, {}, {}});
    m_pendingBytes += bytes.size();
    if (!m_flushTimer.isActive())
        m_flushTimer.start(FlushIntervalMs);
}

void OutputConsole::appendStage(const QString& text)
{
    m_pending.push_back(Item{-1, {}, text, {}});
    if (!m_flushTimer.isActive())
        m_flushTimer.start(FlushIntervalMs);
}

void OutputConsole::appendOutcome(const QString& text, Outcome::Tone tone)
{
    Item item{-1, {}, text, {}};
    item.kind = tone == Outcome::Tone::Good      ? CellStyle::Kind::Success
                : tone == Outcome::Tone::Warning ? CellStyle::Kind::Warning
                                                 : CellStyle::Kind::Failure;
    m_pending.push_back(std::move(item));
    if (!m_flushTimer.isActive())
        m_flushTimer.start(FlushIntervalMs);
}

void OutputConsole::appendFigure(const QImage& image)
{
    Item item;
    item.channel = -2;
    item.image = image;
    m_pending.push_back(std::move(item));
    if (!m_flushTimer.isActive())
        m_flushTimer.start(FlushIntervalMs);
}

void OutputConsole::clearConsole()
{
    m_flushTimer.stop();
    m_pending.clear();
    m_pendingBytes = 0;
    m_decoder.reset();
    m_cutLines = 0;
    m_skippedBytes = 0;
    m_skippedLines = 0;
    m_noticedCut = 0;
    m_noticedSkipped = 0;
    clear();
    m_figures.clear();
    m_nextFigureId = 0;
}

void OutputConsole::setMaximumLines(int lines)
{
    m_maximumLines = qMax(100, lines);
    enforceCap();
}

void OutputConsole::flushAll()
{
    while (!m_pending.empty())
        flushSlice();
    m_flushTimer.stop();
    render();
}

bool OutputConsole::findText(const QString& text, bool backward)
{
    if (text.isEmpty())
        return false;
    const QTextDocument::FindFlags flags =
        backward ? QTextDocument::FindBackward : QTextDocument::FindFlags();
    if (find(text, flags))
        return true;
    QTextCursor wrapped = textCursor();
    wrapped.movePosition(backward ? QTextCursor::End : QTextCursor::Start);
    setTextCursor(wrapped);
    return find(text, flags);
}

void OutputConsole::setWrapping(bool wrap)
{
    setLineWrapMode(wrap ? WidgetWidth : NoWrap);
}

void OutputConsole::flushSlice()
{
    QElapsedTimer clock;
    clock.start();
    skipBacklog();
    // Decoding is cheap and rendering is not: decode for half the budget, leave the rest to layout.
    while (!m_pending.empty() && clock.elapsed() < SliceBudgetMs / 2) {
        Item& item = m_pending.front();
        if (item.channel == -2) {
            // The text before the figure goes in first; the figure takes a line of its own after it.
            m_decoder.endLine();
            render();
            insertFigure(item.image);
            m_pending.pop_front();
            continue;
        }
        if (item.channel < 0) {
            m_decoder.addLine(item.line, item.kind);
            m_pending.pop_front();
            continue;
        }
        const qsizetype n = qMin(FeedChunk, item.bytes.size());
        m_decoder.feed(item.channel == 1 ? TerminalDecoder::Err : TerminalDecoder::Out,
                       QByteArrayView(item.bytes).first(n));
        m_pendingBytes -= n;
        if (n == item.bytes.size())
            m_pending.pop_front();
        else
            item.bytes.remove(0, n);
    }
    render();
    if (!m_pending.empty())
        m_flushTimer.start(0);
    else
        Q_EMIT drained();
}

void OutputConsole::skipBacklog()
{
    if (m_pendingBytes <= MaxBacklogBytes)
        return;
    qint64 skipped = 0;
    for (auto it = m_pending.begin(); it != m_pending.end() && m_pendingBytes > MaxBacklogBytes / 2;) {
        if (it->channel < 0) {
            ++it;
            continue;
        }
        skipped += it->bytes.size();
        m_skippedLines += it->bytes.count('\n');
        m_pendingBytes -= it->bytes.size();
        it = m_pending.erase(it);
    }
    m_skippedBytes += skipped;
    m_decoder.addLine(tr("… %1 of output not shown: it arrived faster than it can be displayed (the run "
                         "result keeps it, up to the output cap)")
                          .arg(QLocale().formattedDataSize(skipped, 1, QLocale::DataSizeTraditionalFormat)),
                      CellStyle::Kind::Notice);
}

void OutputConsole::render()
{
    std::vector<StyledLine> lines = m_decoder.takeCompletedLines();
    if (qsizetype(lines.size()) > m_maximumLines) {
        // Lines that would be cut right after insertion are never inserted.
        const auto drop = qsizetype(lines.size()) - m_maximumLines;
        lines.erase(lines.begin(), lines.begin() + drop);
        m_cutLines += drop;
    }
    const StyledLine tail = m_decoder.currentLine();

    QScrollBar* bar = verticalScrollBar();
    const bool follow = bar->value() >= bar->maximum() - 1;

    QTextCursor cursor(document());
    cursor.beginEditBlock();
    cursor.setPosition(document()->lastBlock().position());
    cursor.movePosition(QTextCursor::End, QTextCursor::KeepAnchor);
    cursor.removeSelectedText();

    // Neighbouring runs of one style, across lines, go in as one insertion.
    QString buffer;
    CellStyle current;
    auto flushBuffer = [&] {
        if (!buffer.isEmpty())
            cursor.insertText(buffer, format(current));
        buffer.clear();
    };
    for (const StyledLine& line : lines) {
        for (const StyledRun& run : line) {
            if (!(run.style == current)) {
                flushBuffer();
                current = run.style;
            }
            buffer += run.text;
        }
        buffer += u'\n';
    }
    for (const StyledRun& run : tail) {
        if (!(run.style == current)) {
            flushBuffer();
            current = run.style;
        }
        buffer += run.text;
    }
    flushBuffer();
    cursor.endEditBlock();

    enforceCap();
    if (follow)
        bar->setValue(bar->maximum());
}

void OutputConsole::insertFigure(const QImage& image)
{
    QScrollBar* bar = verticalScrollBar();
    const bool follow = bar->value() >= bar->maximum() - 1;
    const int id = m_nextFigureId++;
    m_figures.insert(id, image);
    m_figures.remove(id - MaxKeptFigures);
    QTextCharFormat object;
    object.setObjectType(FigureObjectType);
    object.setProperty(FigureIdProperty, id);
    QTextCursor cursor(document());
    cursor.movePosition(QTextCursor::End); // render() left the last line empty
    cursor.beginEditBlock();
    cursor.insertText(QString(QChar::ObjectReplacementCharacter), object);
    cursor.insertText(QStringLiteral("\n"), QTextCharFormat());
    cursor.endEditBlock();
    enforceCap();
    if (follow)
        bar->setValue(bar->maximum());
}

void OutputConsole::enforceCap()
{
    QTextDocument* doc = document();
    const int notice = m_noticedCut > 0 ? 1 : 0;
    const int lines = doc->blockCount() - notice - 1; // the last block is the unfinished line
    // Cutting in steps of a tenth keeps the cost of removing from the front rare.
    const int remove = lines > m_maximumLines + m_maximumLines / 10 ? lines - m_maximumLines : 0;
    // The notice counts every line the reader does not see: cut from the front, dropped before they were
    // inserted, and skipped unseen under a flood (whose own notes may have been cut since).
    if (remove == 0 && m_cutLines + m_skippedLines == m_noticedCut && m_skippedBytes == m_noticedSkipped)
        return;
    if (remove == 0 && m_cutLines == 0 && notice == 0)
        return; // skipped output has its own note in the text until lines are cut
    m_cutLines += remove;

    QTextCursor cursor(doc);
    cursor.beginEditBlock();
    cursor.setPosition(0);
    cursor.setPosition(doc->findBlockByNumber(remove + notice).position(), QTextCursor::KeepAnchor);
    cursor.removeSelectedText();
    CellStyle style;
    style.kind = CellStyle::Kind::Notice;
    const qint64 total = m_cutLines + m_skippedLines;
    const QString text =
        m_skippedBytes > 0
            ? tr("— %1 earlier lines cut (%2 of them, %3, skipped unseen under a flood): the console keeps "
                 "the last %4 —")
                  .arg(QLocale().toString(total), QLocale().toString(m_skippedLines),
                       QLocale().formattedDataSize(m_skippedBytes, 1, QLocale::DataSizeTraditionalFormat),
                       QLocale().toString(m_maximumLines))
            : tr("— %1 earlier lines cut: the console keeps the last %2 —")
                  .arg(QLocale().toString(total), QLocale().toString(m_maximumLines));
    cursor.insertText(text + u'\n', format(style));
    cursor.endEditBlock();
    m_noticedCut = total;
    m_noticedSkipped = m_skippedBytes;
}

QTextCharFormat OutputConsole::format(const CellStyle& style)
{
    const quint64 key = quint64(style.fg) | quint64(style.bg) << 25 | quint64(style.kind) << 50 |
                        quint64(style.bold) << 53 | quint64(style.italic) << 54 |
                        quint64(style.underline) << 55 | quint64(style.inverse) << 56;
    if (auto it = m_formats.constFind(key); it != m_formats.cend())
        return *it;

    QTextCharFormat f;
    QColor fg;
    QColor bg;
    switch (style.kind) {
    case CellStyle::Kind::Stdout:
        break;
    case CellStyle::Kind::Stderr:
        fg = QColor(0xd0, 0x30, 0x30);
        break;
    case CellStyle::Kind::Inert:
        fg = QColor(0x6b, 0x6b, 0x6b);
        break;
    case CellStyle::Kind::Stage:
    case CellStyle::Kind::Notice:
        fg = QColor(0x5f, 0x5f, 0x5f); // 6.4:1 on white (WCAG AA asks 4.5:1)
        f.setFontItalic(true);
        break;
    case CellStyle::Kind::Success:
        fg = toneColor(Outcome::Tone::Good);
        f.setFontWeight(QFont::DemiBold);
        break;
    case CellStyle::Kind::Warning:
        fg = toneColor(Outcome::Tone::Warning);
        f.setFontWeight(QFont::DemiBold);
        break;
    case CellStyle::Kind::Failure:
        fg = toneColor(Outcome::Tone::Bad);
        f.setFontWeight(QFont::Bold);
        break;
    }
    if (style.fg)
        fg = rgb(style.fg);
    if (style.bg)
        bg = rgb(style.bg);
    if (style.inverse) {
        const QColor swappedFg = bg.isValid() ? bg : palette().color(QPalette::Base);
        bg = fg.isValid() ? fg : palette().color(QPalette::Text);
        fg = swappedFg;
    }
    if (fg.isValid())
        f.setForeground(fg);
    if (bg.isValid())
        f.setBackground(bg);
    if (style.bold)
        f.setFontWeight(QFont::Bold);
    if (style.italic)
        f.setFontItalic(true);
    if (style.underline)
        f.setFontUnderline(true);
    m_formats.insert(key, f);
    return f;
}

} // namespace agentrun::ui
