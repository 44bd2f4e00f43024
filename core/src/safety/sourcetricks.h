#pragma once

// Source that a person reads differently from the interpreter (issue 20): coding declarations other
// than UTF-8, lone carriage returns, bidirectional control characters.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::safety {

struct SourceTrick
{
    std::size_t start = 0;
    std::size_t end = 0;
    std::string message;
};

/// Every trick found in `source` (the source without its byte-order mark), in order.
std::vector<SourceTrick> findSourceTricks(std::string_view source);

/// The source as the interpreter reads it: a lone carriage return ends a line, so it becomes "\n"
/// (same length, same offsets). Returns false, leaving `out` alone, when there is none.
bool normalizeLineEnds(std::string_view source, std::string& out);

} // namespace agentrun::safety
