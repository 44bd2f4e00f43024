#pragma once

#include "agentrun/model/runresult.h"

#include <deque>

#include <QByteArray>
#include <QHash>
#include <QPlainTextEdit>
#include <QTextCharFormat>
#include <QTimer>

#include "terminaldecoder.h"

namespace agentrun::ui {

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
    void clearConsole();

    void setMaximumLines(int lines);
    int maximumLines() const { return m_maximumLines; }
    qint64 cutLines() const { return m_cutLines; }
    qint64 skippedBytes() const { return m_skippedBytes; }
    bool hasPending() const { return !m_pending.empty() || m_flushTimer.isActive(); }
    /// Renders everything queued now (end of a run, tests).
    void flushAll();

    bool findText(const QString& text, bool backward = false);
    void setWrapping(bool wrap);
    bool isWrapping() const { return lineWrapMode() != NoWrap; }

Q_SIGNALS:
    /// Everything queued so far is on screen.
    void drained();

private:
    struct Item
    {
        int channel = 0; ///< 0 stdout, 1 stderr, -1 runner line
        QByteArray bytes;
        QString line;
    };

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
    qint64 m_noticedCut = 0; ///< m_cutLines as the notice line says it; 0 = no notice
    QHash<quint64, QTextCharFormat> m_formats;
};

} // namespace agentrun::ui
