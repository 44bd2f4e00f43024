#pragma once

#include "agentrun/model/runresult.h"

#include <deque>

#include <QByteArray>
#include <QHash>
#include <QImage>
#include <QPlainTextEdit>
#include <QTextCharFormat>
#include <QTextObjectInterface>
#include <QTimer>

#include "outcome.h"
#include "terminaldecoder.h"

namespace agentrun::ui {

class OutputConsole;

/// Lays out and paints a figure inside the console's text: at its own size, scaled down to the
/// console's width when wider. QPlainTextEdit has no image handler of its own, so the figure is a text
/// object (OutputConsole::FigureObjectType) whose format names the image by id.
class ConsoleFigureObject : public QObject, public QTextObjectInterface
{
    Q_OBJECT
    Q_INTERFACES(QTextObjectInterface)
public:
    explicit ConsoleFigureObject(OutputConsole* console);
    QSizeF intrinsicSize(QTextDocument* doc, int posInDocument, const QTextFormat& format) override;
    void drawObject(QPainter* painter, const QRectF& rect, QTextDocument* doc, int posInDocument,
                    const QTextFormat& format) override;

private:
    OutputConsole* m_console;
    QHash<int, QImage> m_scaled; ///< the last scaled copy of each figure drawn, so painting stays cheap
};

/// Live program output. Chunks are queued and rendered in time-boxed batches on a timer, so a flood of
/// output never holds the event loop for long; the document keeps the last maximumLines() lines and
/// says how many it cut. Rendering rules (colours, `\r`, inert control sequences) are TerminalDecoder's.
class OutputConsole : public QPlainTextEdit
{
    Q_OBJECT
public:
    static constexpr int FlushIntervalMs = 40;
    static constexpr int SliceBudgetMs = 12;           ///< longest a single render batch may take
    static constexpr qint64 MaxBacklogBytes = 8 << 20; ///< beyond this, the oldest queued output is skipped

    explicit OutputConsole(QWidget* parent = nullptr);

    void appendOutput(agentrun::model::Stream stream, const QByteArray& bytes);
    /// A runner line ("— finished: ok, …"), shown apart from program output, in order with it.
    void appendStage(const QString& text);
    /// A line saying how a run ended (or a hint about it), in the tone's colour (outcome.h).
    void appendOutcome(const QString& text, Outcome::Tone tone);
    /// A figure, on its own line, in order with the output and stage lines queued before it.
    void appendFigure(const QImage& image);
    void clearConsole();

    static constexpr int FigureObjectType = QTextFormat::UserObject + 1;
    static constexpr int FigureIdProperty = QTextFormat::UserProperty + 1;
    /// Figures whose pixels the console keeps (the oldest are dropped first; their place in the text
    /// then says so): a session's console is never cleared.
    static constexpr int MaxKeptFigures = 64;
    /// The figure a FigureObjectType format names; null once dropped.
    QImage figureImage(int id) const { return m_figures.value(id); }
    /// Figures inserted since the console was last cleared.
    int figureCount() const { return m_nextFigureId; }
    /// The widest a figure is shown: the console's width inside its margins.
    int figureWidth() const;

    void setMaximumLines(int lines);
    int maximumLines() const { return m_maximumLines; }
    /// Lines taken out of the document (or never put in) to stay within maximumLines().
    qint64 cutLines() const { return m_cutLines; }
    /// Output skipped unseen under a flood (skipBacklog): its bytes, and the lines those bytes ended.
    qint64 skippedBytes() const { return m_skippedBytes; }
    qint64 skippedLines() const { return m_skippedLines; }
    bool hasPending() const { return !m_pending.empty() || m_flushTimer.isActive(); }
    /// Renders everything queued now (end of a run, tests).
    void flushAll();

    bool findText(const QString& text, bool backward = false);
    void setWrapping(bool wrap);
    bool isWrapping() const { return lineWrapMode() != NoWrap; }

Q_SIGNALS:
    /// Everything queued so far is on screen.
    void drained();

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    struct Item
    {
        int channel = 0; ///< 0 stdout, 1 stderr, -1 runner line, -2 figure
        QByteArray bytes;
        QString line;
        QImage image;
        CellStyle::Kind kind = CellStyle::Kind::Stage; ///< of a runner line
    };

    void insertFigure(const QImage& image);

    void flushSlice();
    void render();
    void skipBacklog();
    void enforceCap();
    QTextCharFormat format(const CellStyle& style);

    std::deque<Item> m_pending;
    qint64 m_pendingBytes = 0;
    TerminalDecoder m_decoder;
    QTimer m_flushTimer;
    int m_maximumLines = 10000;
    qint64 m_cutLines = 0;
    qint64 m_skippedBytes = 0;
    qint64 m_skippedLines = 0;
    qint64 m_noticedCut = 0;     ///< m_cutLines + m_skippedLines as the notice line says it; 0 = no notice
    qint64 m_noticedSkipped = 0; ///< m_skippedBytes as the notice line says it
    QHash<quint64, QTextCharFormat> m_formats;
    QHash<int, QImage> m_figures; ///< by id, the last MaxKeptFigures
    int m_nextFigureId = 0;
};

} // namespace agentrun::ui
