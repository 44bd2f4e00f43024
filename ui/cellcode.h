#pragma once

#include <map>
#include <optional>
#include <vector>

#include <QString>

namespace agentrun::ui {

/// A piece of the editor's text to run: the whole snippet, the selection, or one `# %%` cell, with the
/// editor line where its code starts, so that a traceback's line numbers can be mapped back.
struct CodePiece
{
    QString code;
    int firstLine = 1; ///< 1-based editor line of the piece's first line
    int nextLine = 0;  ///< 1-based editor line where the next cell's code starts; 0 when it is the last
};

/// The `# %%` cell (model::splitCells' convention) that holds 0-based editor line `line`; a marker line
/// belongs to the cell it opens. Nothing when that cell holds only blank lines.
std::optional<CodePiece> cellAt(const QString& text, int line);

/// A selection as code: common leading indentation removed (a selected method body runs as written).
CodePiece selectionPiece(const QString& selected, int firstLine);

/// A frame of a traceback that points into code this tab ran, and the editor line it maps to.
struct MappedFrame
{
    QString location; ///< as the traceback says it: "<cell 2>, line 3" or "line 3"
    int editorLine = 0;
};

/// The frames of `stderrText` that name a session cell (`File "<cell N>", line M`) whose first editor
/// line `cellFirstLines` knows (session cell number -> 1-based editor line), or, for a fresh run,
/// `/tmp/main.py` (the snippet as the sandbox runs it) with `freshFirstLine` > 0. Innermost frame last.
std::vector<MappedFrame> mapTraceback(const QString& stderrText, const std::map<int, int>& cellFirstLines,
                                      int freshFirstLine);

} // namespace agentrun::ui
