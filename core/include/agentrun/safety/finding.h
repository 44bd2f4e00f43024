#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace agentrun::safety {

enum class Severity
{
    Info,
    Warn,
    Block
};

std::string_view toString(Severity severity);

/// One verdict of the static check, with a 1-based position (columns count Unicode code points).
struct Finding
{
    std::string rule;
    Severity severity = Severity::Block;
    int line = 1;
    int column = 1;
    int endLine = 1;
    int endColumn = 1;
    std::string message;
    std::string hint;
};

/// The outcome of checking one piece of source.
struct Report
{
    bool allowed = true;
    std::vector<Finding> findings;
    std::vector<std::string> imports;  ///< top-level module names imported, sorted, unique
    std::vector<std::string> packages; ///< distributions those imports need (filled by deps/)
};

} // namespace agentrun::safety
