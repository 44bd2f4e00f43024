#pragma once

// A token-level pass over the raw source before parsing: bracket nesting (bounded before tree-sitter sees
// it) and the tokenizer errors CPython words precisely (unclosed brackets, unterminated strings).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace agentrun::safety {

struct SourceIssue
{
    std::size_t offset = 0; ///< byte offset of the construct
    std::size_t length = 1;
    std::string message; ///< CPython's wording, e.g. "'(' was never closed"
};

struct PrescanResult
{
    std::optional<SourceIssue> syntax;  ///< first tokenizer-level error
    std::optional<SourceIssue> tooDeep; ///< brackets nested deeper than maxBracketDepth
};

inline constexpr int maxBracketDepth = 200; // CPython's MAXLEVEL

PrescanResult prescan(std::string_view source);

} // namespace agentrun::safety
