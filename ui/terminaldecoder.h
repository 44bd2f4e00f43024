#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <QByteArrayView>
#include <QString>
#include <QStringDecoder>

namespace agentrun::ui {

/// Attributes of a piece of console text. Colours are 0 (default) or 0x01RRGGBB.
struct CellStyle
{
    enum class Kind : std::uint8_t
    {
        Stdout,  ///< program output
        Stderr,  ///< program error output (red unless the program chose a colour)
        Inert,   ///< a control sequence or invisible character, shown escaped instead of obeyed
        Stage,   ///< a line from the runner, set apart from the program's output
        Notice,  ///< the console saying something about itself (lines cut, output skipped)
        Success, ///< how a run ended: ok
        Warning, ///< how a run ended: blocked, cancelled; or a hint about the output
        Failure, ///< how a run ended: failed, or a limit ended it
    };
    Kind kind = Kind::Stdout;
    bool bold = false;
    bool italic = false;
    bool underline = false;
    bool inverse = false;
    std::uint32_t fg = 0;
    std::uint32_t bg = 0;

    bool operator==(const CellStyle&) const = default;
};

struct StyledRun
{
    QString text;
    CellStyle style;
};
using StyledLine = std::vector<StyledRun>;

/// Turns raw program output into styled lines the way a terminal would show it, without ever obeying
/// anything but colours: UTF-8 (invalid bytes become U+FFFD, sequences split across chunks are
/// joined), `\r` and backspace rewrite the current line, SGR sets colours, and every other control
/// sequence, C0/C1 control, bidi override or NUL is rendered as visible, inert text.
/// Not a widget: OutputConsole renders what this produces; tests drive it directly.
class TerminalDecoder
{
public:
    enum Channel
    {
        Out = 0,
        Err = 1
    };
    static constexpr qsizetype MaxLineCells = 4096; ///< longer lines are hard-wrapped, as a terminal does
    static constexpr qsizetype MaxSequence = 256;   ///< longer escape sequences are shown inert

    TerminalDecoder() { reset(); }

    void feed(Channel channel, QByteArrayView bytes);
    /// A line of the given kind on its own (the current line, if any, is finished first).
    void addLine(const QString& text, CellStyle::Kind kind);

    /// Finishes the current line, if any (a figure goes on its own line after it).
    void endLine()
    {
        if (!m_cells.empty())
            newLine();
    }
    /// Lines finished since the last call, oldest first.
    std::vector<StyledLine> takeCompletedLines();
    /// The line still being written (what `\r` may overwrite); empty when the last byte was `\n`.
    StyledLine currentLine() const;
    bool hasCurrentLine() const { return !m_cells.empty(); }
    void reset();

private:
    enum class Parse : std::uint8_t
    {
        Text,
        Escape,
        Csi,
        Osc,
        OscEscape
    };
    struct ChannelState
    {
        QStringDecoder utf8{QStringDecoder::Utf8};
        Parse parse = Parse::Text;
        QString sequence; // escape sequence collected so far, without the ESC
        CellStyle sgr;
    };

    void putCodePoint(ChannelState& ch, char32_t c);
    void putVisible(char32_t c, const CellStyle& style);
    void putInert(const QString& text);
    void endSequenceInert(ChannelState& ch);
    void applySgr(ChannelState& ch);
    void newLine();

    std::array<ChannelState, 2> m_channels;
    std::vector<char32_t> m_cells;
    std::vector<CellStyle> m_styles;
    qsizetype m_column = 0;
    std::vector<StyledLine> m_completed;
};

/// The xterm 256-colour palette entry as 0x01RRGGBB.
std::uint32_t xtermColor(int index);

} // namespace agentrun::ui
