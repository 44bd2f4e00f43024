#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace agentrun::model {

/// One cell of a source split at `# %%` lines (the convention of VS Code, Spyder and Jupytext).
struct Cell
{
    int firstLine = 1; ///< 1-based line of the source where the cell's code starts
    std::string code;
};

/// The cells of `source`: a line whose text starts with `# %%` (after optional spaces) begins a new cell
/// and belongs to none. Cells with nothing but blank lines are left out. A source without such a line is
/// one cell.
std::vector<Cell> splitCells(std::string_view source);

} // namespace agentrun::model
