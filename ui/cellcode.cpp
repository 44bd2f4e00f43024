#include "cellcode.h"

#include "agentrun/model/cells.h"

#include <QRegularExpression>
#include <QStringList>

namespace agentrun::ui {

namespace {

bool isMarker(const QString& line)
{
    return line.trimmed().startsWith(QStringLiteral("# %%")) &&
           line.left(line.indexOf(u'#')).trimmed().isEmpty();
}

} // namespace

std::optional<CodePiece> cellAt(const QString& text, int line)
{
    // The cells come from the core's splitter (the CLI's `agentrun session` uses it too), so a cell is
    // the same code in every front end; only "which cell holds the caret" is decided here.
    const auto cells = agentrun::model::splitCells(text.toStdString());
    const QStringList lines = text.split(u'\n');
    // The 1-based line of the marker that opens the cell holding `line`, or 1 before the first marker.
    int opened = 1;
    for (int i = qMin(line, int(lines.size()) - 1); i >= 0; --i)
        if (isMarker(lines.at(i))) {
            opened = i + 2; // the cell's code starts on the line after its marker
            break;
        }
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (cells[i].firstLine != opened)
            continue;
        CodePiece piece;
        piece.code = QString::fromStdString(cells[i].code);
        piece.firstLine = cells[i].firstLine;
        piece.nextLine = i + 1 < cells.size() ? cells[i + 1].firstLine : 0;
        return piece;
    }
    return std::nullopt; // a blank cell: splitCells leaves it out
}

CodePiece selectionPiece(const QString& selected, int firstLine)
{
    QStringList lines = selected.split(u'\n');
    qsizetype indent = -1;
    for (const QString& line : lines) {
        if (line.trimmed().isEmpty())
            continue;
        qsizetype n = 0;
        while (n < line.size() && (line.at(n) == u' ' || line.at(n) == u'\t'))
            ++n;
        indent = indent < 0 ? n : qMin(indent, n);
    }
    if (indent > 0)
        for (QString& line : lines)
            line.remove(0, qMin(indent, line.size()));
    return {lines.join(u'\n'), firstLine, 0};
}

std::vector<MappedFrame> mapTraceback(const QString& stderrText, const std::map<int, int>& cellFirstLines,
                                      int freshFirstLine)
{
    static const QRegularExpression frame(
        QStringLiteral(R"re(^\s*File "(?:<cell (\d+)>|((?:/tmp/)?main\.py))", line (\d+))re"),
        QRegularExpression::MultilineOption);
    std::vector<MappedFrame> out;
    for (auto it = frame.globalMatch(stderrText); it.hasNext();) {
        const auto match = it.next();
        const int lineInPiece = match.captured(3).toInt();
        if (!match.captured(1).isEmpty()) {
            const int cell = match.captured(1).toInt();
            const auto known = cellFirstLines.find(cell);
            if (known != cellFirstLines.end())
                out.push_back({QStringLiteral("<cell %1>, line %2").arg(cell).arg(lineInPiece),
                               known->second + lineInPiece - 1});
        } else if (freshFirstLine > 0) {
            out.push_back({QStringLiteral("line %1").arg(lineInPiece), freshFirstLine + lineInPiece - 1});
        }
    }
    return out;
}

} // namespace agentrun::ui
