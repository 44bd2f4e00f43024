#include "editortext.h"

#include <QRegularExpression>
#include <QStringList>

namespace agentrun::ui {

int utf8IndexOfCodePoint(QStringView line, int codePointIndex)
{
    qsizetype end = line.size();
    while (end > 0 && (line[end - 1] == u'\n' || line[end - 1] == u'\r'))
        --end;
    int bytes = 0;
    int points = 0;
    for (qsizetype i = 0; i < end && points < codePointIndex; ++i, ++points) {
        const char16_t c = line[i].unicode();
        if (QChar::isHighSurrogate(c) && i + 1 < end && line[i + 1].isLowSurrogate()) {
            bytes += 4;
            ++i;
        } else {
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        }
    }
    return bytes;
}

QString stripMarkdownFence(const QString& text)
{
    // An opening fence at the start of a line with an optional Python-ish info string, the code, and a
    // closing fence of the same character on its own line.
    static const QRegularExpression fence(
        QStringLiteral(
            R"((?:^|\n)[ \t]*(```+|~~~+)[ \t]*(?:python3?|py|pycon|)[ \t]*\r?\n(.*?)\r?\n[ \t]*\1[ \t]*(?=\r?\n|$))"),
        QRegularExpression::DotMatchesEverythingOption | QRegularExpression::CaseInsensitiveOption);
    QStringList blocks;
    for (auto it = fence.globalMatch(text); it.hasNext();)
        blocks << it.next().captured(2);
    if (blocks.isEmpty())
        return text;
    QString code = blocks.join(QStringLiteral("\n\n"));
    if (!code.endsWith(u'\n'))
        code += u'\n';
    return code;
}

} // namespace agentrun::ui
