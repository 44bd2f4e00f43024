#include "editortext.h"

#include <QCoreApplication>
#include <QRegularExpression>
#include <QStringList>

#include <algorithm>
#include <optional>
#include <vector>

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

namespace {

struct Fence
{
    QChar mark;
    int length = 0;
    int indent = 0;
};

/// The fence a line opens, if it opens one: at most three spaces, three or more ` or ~, an info string
/// (without backticks after a backtick fence). `info` gets the info string's first word, lowercased.
std::optional<Fence> openingFence(QStringView line, QString& info)
{
    int indent = 0;
    while (indent < line.size() && line[indent] == u' ' && indent < 4)
        ++indent;
    if (indent > 3 || indent >= line.size() || (line[indent] != u'`' && line[indent] != u'~'))
        return std::nullopt;
    const QChar mark = line[indent];
    int length = 0;
    while (indent + length < line.size() && line[indent + length] == mark)
        ++length;
    if (length < 3)
        return std::nullopt;
    const QStringView rest = line.mid(indent + length).trimmed();
    if (mark == u'`' && rest.contains(u'`'))
        return std::nullopt; // inline code such as ```x``` is not a fence
    const qsizetype space = rest.indexOf(u' ');
    info = (space < 0 ? rest : rest.left(space)).toString().toLower();
    if (info.startsWith(u'{'))
        info = info.mid(1).remove(u'}').remove(u'.'); // ```{python} and ```{.python}
    return Fence{mark, length, indent};
}

bool closes(QStringView line, const Fence& fence)
{
    int indent = 0;
    while (indent < line.size() && line[indent] == u' ' && indent < 4)
        ++indent;
    if (indent > 3)
        return false;
    int length = 0;
    while (indent + length < line.size() && line[indent + length] == fence.mark)
        ++length;
    return length >= fence.length && line.mid(indent + length).trimmed().isEmpty();
}

bool isPython(const QString& language)
{
    static const QStringList names = {QStringLiteral("python"),     QStringLiteral("python3"),
                                      QStringLiteral("py"),         QStringLiteral("py3"),
                                      QStringLiteral("pycon"),      QStringLiteral("ipython"),
                                      QStringLiteral("python-repl")};
    return names.contains(language);
}

/// An interactive session's code: the lines after ">>> " and "... " (or IPython's "In [n]: " and
/// "   ...: "), without the output lines between them. A block without prompts is kept as it is.
QString promptCode(const QStringList& lines)
{
    static const QRegularExpression prompt(
        QStringLiteral(R"(^(?:>>> ?|\.\.\. ?|In \[\d+\]: ?|\s+\.\.\.: ?))"));
    QStringList code;
    bool any = false;
    for (const QString& line : lines) {
        const auto match = prompt.match(line);
        if (match.hasMatch()) {
            any = true;
            code << line.mid(match.capturedLength());
        }
    }
    return (any ? code : lines).join(u'\n');
}

struct Block
{
    QString language;
    QStringList lines;
};

QString plural(int n, const QString& one, const QString& many)
{
    return QStringLiteral("%1 %2").arg(n).arg(n == 1 ? one : many);
}

} // namespace

PastedCode extractPastedCode(const QString& text)
{
    PastedCode result;
    result.code = text;
    QString normalised = text;
    normalised.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    const QStringList lines = normalised.split(u'\n');

    std::vector<Block> blocks;
    std::optional<Fence> open;
    for (const QString& line : lines) {
        if (open) {
            if (closes(line, *open)) {
                open.reset();
                continue;
            }
            // A fence's indentation is taken off its lines, as far as they have it.
            int strip = 0;
            while (strip < open->indent && strip < line.size() && line[strip] == u' ')
                ++strip;
            blocks.back().lines << line.mid(strip);
            continue;
        }
        QString info;
        if (auto fence = openingFence(line, info)) {
            open = fence;
            blocks.push_back({info, {}});
        }
    }
    if (blocks.empty())
        return result;
    result.fenced = true;

    const bool tagged = std::ranges::any_of(blocks, [](const Block& b) { return isPython(b.language); });
    QStringList kept;
    for (const Block& block : blocks) {
        const bool keep = tagged ? isPython(block.language) : block.language.isEmpty();
        if (!keep) {
            ++result.dropped[block.language];
            continue;
        }
        ++result.kept;
        const bool prompts =
            block.language == u"pycon" || block.language == u"ipython" || block.language == u"python-repl";
        kept << (prompts ? promptCode(block.lines) : block.lines.join(u'\n'));
    }
    if (result.kept == 0)
        return result; // no Python here: pasted as it is
    QString code = kept.join(QStringLiteral("\n\n"));
    if (!code.endsWith(u'\n'))
        code += u'\n';
    result.code = code;
    return result;
}

QString PastedCode::summary() const
{
    if (!fenced)
        return {};
    if (kept == 0)
        return QCoreApplication::translate("EditorText",
                                           "No Python block in the pasted text: pasted as it is.");
    QString text = QCoreApplication::translate("EditorText", "Pasted %1")
                       .arg(plural(kept, QCoreApplication::translate("EditorText", "Python block"),
                                   QCoreApplication::translate("EditorText", "Python blocks")));
    QStringList left;
    for (auto it = dropped.cbegin(); it != dropped.cend(); ++it) {
        const QString name =
            it.key().isEmpty() ? QCoreApplication::translate("EditorText", "untagged") : it.key();
        left << plural(it.value(), QCoreApplication::translate("EditorText", "%1 block").arg(name),
                       QCoreApplication::translate("EditorText", "%1 blocks").arg(name));
    }
    if (left.isEmpty())
        return text + QCoreApplication::translate("EditorText", " without the text around them.");
    return text + QCoreApplication::translate("EditorText", "; left out %1 and the text around them.")
                      .arg(left.join(QStringLiteral(", ")));
}

QString stripMarkdownFence(const QString& text)
{
    return extractPastedCode(text).code;
}

} // namespace agentrun::ui
