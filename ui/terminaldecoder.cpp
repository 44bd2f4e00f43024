#include "terminaldecoder.h"

#include <QStringList>

namespace agentrun::ui {

namespace {

constexpr char32_t Esc = 0x1B;

bool isBidiControl(char32_t c)
{
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F ||
           c == 0x061C;
}

/// Characters that would change how surrounding text is laid out or read: shown as <U+XXXX>.
bool needsEscaping(char32_t c)
{
    return (c >= 0x80 && c <= 0x9F) || isBidiControl(c) || c == 0x2028 || c == 0x2029;
}

QString escapedForm(char32_t c)
{
    return QStringLiteral("<U+%1>").arg(uint(c), 4, 16, QLatin1Char('0')).toUpper();
}

void appendCodePoint(QString& text, char32_t c)
{
    if (c > 0xFFFF) {
        text.append(QChar::highSurrogate(c));
        text.append(QChar::lowSurrogate(c));
    } else {
        text.append(QChar(char16_t(c)));
    }
}

StyledLine buildRuns(const std::vector<char32_t>& cells, const std::vector<CellStyle>& styles)
{
    StyledLine line;
    for (size_t i = 0; i < cells.size(); ++i) {
        if (line.empty() || !(line.back().style == styles[i]))
            line.push_back(StyledRun{QString(), styles[i]});
        appendCodePoint(line.back().text, cells[i]);
    }
    return line;
}

} // namespace

std::uint32_t xtermColor(int index)
{
    static constexpr std::uint32_t base[16] = {0x000000, 0xcd0000, 0x00a000, 0xcdcd00, 0x0000ee, 0xcd00cd,
                                               0x00cdcd, 0xe5e5e5, 0x7f7f7f, 0xff0000, 0x00d000, 0xe0e000,
                                               0x5c5cff, 0xff00ff, 0x00e0e0, 0xffffff};
    std::uint32_t rgb = 0;
    if (index < 16) {
        rgb = base[index];
    } else if (index < 232) {
        const int i = index - 16;
        auto level = [](int v) { return std::uint32_t(v == 0 ? 0 : 55 + v * 40); };
        rgb = (level(i / 36) << 16) | (level((i / 6) % 6) << 8) | level(i % 6);
    } else {
        const auto g = std::uint32_t(8 + (index - 232) * 10);
        rgb = (g << 16) | (g << 8) | g;
    }
    return 0x01000000u | rgb;
}

void TerminalDecoder::reset()
{
    m_channels = {};
    m_channels[Err].sgr.kind = CellStyle::Kind::Stderr;
    m_cells.clear();
    m_styles.clear();
    m_column = 0;
    m_completed.clear();
}

void TerminalDecoder::feed(Channel channel, QByteArrayView bytes)
{
    ChannelState& ch = m_channels[channel];
    ch.sgr.kind = channel == Err ? CellStyle::Kind::Stderr : CellStyle::Kind::Stdout;
    const QString text = ch.utf8.decode(bytes);
    const qsizetype n = text.size();
    const QChar* data = text.constData();
    for (qsizetype i = 0; i < n; ++i) {
        char32_t c = data[i].unicode();
        if (QChar::isHighSurrogate(c) && i + 1 < n && data[i + 1].isLowSurrogate()) {
            c = QChar::surrogateToUcs4(data[i], data[i + 1]);
            ++i;
        }
        putCodePoint(ch, c);
    }
}

void TerminalDecoder::addLine(const QString& text, CellStyle::Kind kind)
{
    if (!m_cells.empty())
        newLine();
    CellStyle style;
    style.kind = kind;
    m_completed.push_back(StyledLine{StyledRun{text, style}});
}

std::vector<StyledLine> TerminalDecoder::takeCompletedLines()
{
    std::vector<StyledLine> lines;
    lines.swap(m_completed);
    return lines;
}

StyledLine TerminalDecoder::currentLine() const
{
    return buildRuns(m_cells, m_styles);
}

void TerminalDecoder::putCodePoint(ChannelState& ch, char32_t c)
{
    switch (ch.parse) {
    case Parse::Text:
        if (c == Esc) {
            ch.parse = Parse::Escape;
            ch.sequence.clear();
        } else if (c == '\n') {
            newLine();
        } else if (c == '\r') {
            m_column = 0;
        } else if (c == '\b') {
            if (m_column > 0)
                --m_column;
        } else if (c == '\t') {
            putVisible(c, ch.sgr);
        } else if (c < 0x20) {
            putInert(QString(QChar(char16_t(0x2400 + c)))); // control pictures: ␀ ␇ …
        } else if (c == 0x7F) {
            putInert(QString(QChar(char16_t(0x2421))));
        } else if (needsEscaping(c)) {
            putInert(escapedForm(c));
        } else {
            putVisible(c, ch.sgr);
        }
        return;
    case Parse::Escape:
        if (c == '[' || c == ']') {
            ch.parse = c == '[' ? Parse::Csi : Parse::Osc;
            ch.sequence = QChar(char16_t(c));
        } else if (c >= 0x20 && c < 0x7F) {
            ch.sequence = QChar(char16_t(c));
            endSequenceInert(ch);
        } else {
            endSequenceInert(ch);
            putCodePoint(ch, c);
        }
        return;
    case Parse::Csi:
        if (c >= 0x40 && c <= 0x7E) {
            ch.sequence.append(QChar(char16_t(c)));
            if (c == 'm')
                applySgr(ch);
            else
                endSequenceInert(ch);
        } else if (c >= 0x20 && c <= 0x3F && ch.sequence.size() < MaxSequence) {
            ch.sequence.append(QChar(char16_t(c)));
        } else {
            endSequenceInert(ch);
            putCodePoint(ch, c);
        }
        return;
    case Parse::Osc:
        if (c == 0x07) {
            ch.sequence.append(QChar(char16_t(0x2407)));
            endSequenceInert(ch);
        } else if (c == Esc) {
            ch.parse = Parse::OscEscape;
        } else if (c < 0x20 || c == 0x7F || ch.sequence.size() >= MaxSequence) {
            endSequenceInert(ch);
            putCodePoint(ch, c);
        } else if (needsEscaping(c)) {
            ch.sequence.append(escapedForm(c));
        } else {
            appendCodePoint(ch.sequence, c);
        }
        return;
    case Parse::OscEscape:
        if (c == '\\') {
            ch.sequence.append(QStringLiteral("\u241B\\"));
            endSequenceInert(ch);
        } else {
            endSequenceInert(ch);
            ch.parse = Parse::Escape;
            putCodePoint(ch, c);
        }
        return;
    }
}

void TerminalDecoder::putVisible(char32_t c, const CellStyle& style)
{
    const auto column = size_t(m_column);
    if (column < m_cells.size()) {
        m_cells[column] = c;
        m_styles[column] = style;
    } else {
        m_cells.push_back(c);
        m_styles.push_back(style);
    }
    ++m_column;
    if (qsizetype(m_cells.size()) >= MaxLineCells && m_column >= qsizetype(m_cells.size()))
        newLine();
}

void TerminalDecoder::putInert(const QString& text)
{
    CellStyle inert;
    inert.kind = CellStyle::Kind::Inert;
    for (qsizetype i = 0; i < text.size(); ++i) {
        char32_t c = text[i].unicode();
        if (text[i].isHighSurrogate() && i + 1 < text.size()) {
            c = QChar::surrogateToUcs4(text[i], text[i + 1]);
            ++i;
        }
        putVisible(c, inert);
    }
}

void TerminalDecoder::endSequenceInert(ChannelState& ch)
{
    putInert(QChar(char16_t(0x241B)) + ch.sequence); // ␛
    ch.sequence.clear();
    ch.parse = Parse::Text;
}

void TerminalDecoder::applySgr(ChannelState& ch)
{
    // sequence is "[" params "m"; private or intermediate bytes make it something other than SGR.
    const QString params = ch.sequence.mid(1, ch.sequence.size() - 2);
    for (QChar q : params) {
        if (!q.isDigit() && q != u';' && q != u':') {
            endSequenceInert(ch);
            return;
        }
    }
    std::vector<int> values;
    for (const auto& part : QStringView(params).split(u';'))
        for (const auto& sub : part.split(u':'))
            values.push_back(sub.isEmpty() ? 0 : qMin(sub.toInt(), 100000));
    if (values.empty())
        values.push_back(0);

    CellStyle& s = ch.sgr;
    for (size_t i = 0; i < values.size(); ++i) {
        const int v = values[i];
        if (v == 0) {
            const auto kind = s.kind;
            s = CellStyle{};
            s.kind = kind;
        } else if (v == 1) {
            s.bold = true;
        } else if (v == 3) {
            s.italic = true;
        } else if (v == 4) {
            s.underline = true;
        } else if (v == 7) {
            s.inverse = true;
        } else if (v == 22) {
            s.bold = false;
        } else if (v == 23) {
            s.italic = false;
        } else if (v == 24) {
            s.underline = false;
        } else if (v == 27) {
            s.inverse = false;
        } else if (v >= 30 && v <= 37) {
            s.fg = xtermColor(v - 30);
        } else if (v >= 90 && v <= 97) {
            s.fg = xtermColor(v - 90 + 8);
        } else if (v == 39) {
            s.fg = 0;
        } else if (v >= 40 && v <= 47) {
            s.bg = xtermColor(v - 40);
        } else if (v >= 100 && v <= 107) {
            s.bg = xtermColor(v - 100 + 8);
        } else if (v == 49) {
            s.bg = 0;
        } else if (v == 38 || v == 48) {
            std::uint32_t colour = 0;
            if (i + 2 < values.size() && values[i + 1] == 5) {
                if (values[i + 2] >= 0 && values[i + 2] < 256)
                    colour = xtermColor(values[i + 2]);
                i += 2;
            } else if (i + 4 < values.size() && values[i + 1] == 2) {
                colour = 0x01000000u | (std::uint32_t(values[i + 2] & 0xff) << 16) |
                         (std::uint32_t(values[i + 3] & 0xff) << 8) | std::uint32_t(values[i + 4] & 0xff);
                i += 4;
            } else {
                break; // malformed extended colour: ignore the rest, as terminals do
            }
            (v == 38 ? s.fg : s.bg) = colour;
        }
    }
    ch.sequence.clear();
    ch.parse = Parse::Text;
}

void TerminalDecoder::newLine()
{
    m_completed.push_back(buildRuns(m_cells, m_styles));
    m_cells.clear();
    m_styles.clear();
    m_column = 0;
}

} // namespace agentrun::ui
