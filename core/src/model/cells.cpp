#include "agentrun/model/cells.h"

namespace agentrun::model {

namespace {

bool isMarker(std::string_view line)
{
    const auto first = line.find_first_not_of(" \t");
    return first != std::string_view::npos && line.substr(first).starts_with("# %%");
}

bool blank(std::string_view text)
{
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

} // namespace

std::vector<Cell> splitCells(std::string_view source)
{
    std::vector<Cell> cells;
    Cell current;
    int lineNumber = 1;
    const auto close = [&] {
        if (!blank(current.code)) {
            cells.push_back(std::move(current));
        }
        current = Cell{};
    };
    while (!source.empty()) {
        const auto end = source.find('\n');
        const std::string_view line =
            source.substr(0, end == std::string_view::npos ? source.size() : end + 1);
        source.remove_prefix(line.size());
        if (isMarker(line)) {
            close();
            current.firstLine = lineNumber + 1;
        } else {
            current.code += line;
        }
        ++lineNumber;
    }
    close();
    return cells;
}

} // namespace agentrun::model
