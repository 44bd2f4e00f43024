#pragma once

#include <QMap>
#include <QString>
#include <QStringView>

namespace agentrun::ui {

/// Byte offset (what QScintilla calls an index in a UTF-8 document) of the code point at
/// `codePointIndex` (0-based) in `line`; clamped to the line's end, not counting its line break.
int utf8IndexOfCodePoint(QStringView line, int codePointIndex);

/// What a paste of a chat answer keeps: the Python code of its markdown fences, and what it left out.
struct PastedCode
{
    QString code;               ///< what goes into the editor
    bool fenced = false;        ///< the text held at least one fenced block
    int kept = 0;               ///< Python blocks kept (untagged ones when there was no Python-tagged one)
    QMap<QString, int> dropped; ///< blocks left out, by their info string's language ("" untagged)
    /// For the status bar: "Pasted 2 Python blocks; left out 1 bash block and the text around them."
    /// Empty when the text had no fence.
    QString summary() const;
};

/// Reads fences as CommonMark does, line by line: an opening fence of three or more backticks or tildes
/// (indented at most three spaces) with an optional info string; the block ends at a fence of the same
/// character at least as long, with nothing after it, or at the end of the text. Keeps the blocks tagged
/// python, python3, py, py3, pycon, ipython (pycon and ipython: the prompts' code only), or the untagged
/// ones when none is tagged Python, joined by a blank line; blocks of other languages are left out. When
/// no block is Python, the text is kept unchanged.
PastedCode extractPastedCode(const QString& text);

/// extractPastedCode(text).code.
QString stripMarkdownFence(const QString& text);

} // namespace agentrun::ui
