#include "prescan.h"

#include <vector>

namespace agentrun::safety {

namespace {

bool isPrefixChar(char c)
{
    switch (c) {
    case 'r':
    case 'R':
    case 'b':
    case 'B':
    case 'u':
    case 'U':
    case 'f':
    case 'F':
        return true;
    default:
        return false;
    }
}

bool isIdentChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
}

std::size_t lineOf(std::string_view source, std::size_t offset)
{
    std::size_t line = 1;
    for (std::size_t i = 0; i < offset && i < source.size(); ++i)
        line += source[i] == '\n';
    return line;
}

char closerFor(char opener)
{
    return opener == '(' ? ')' : opener == '[' ? ']' : '}';
}

} // namespace

PrescanResult prescan(std::string_view source)
{
    PrescanResult result;
    std::vector<std::size_t> open; // offsets of open brackets
    const std::size_t size = source.size();
    std::size_t i = 0;
    auto setSyntax = [&](std::size_t offset, std::string message) {
        if (!result.syntax)
            result.syntax = SourceIssue{offset, 1, std::move(message)};
    };
    while (i < size) {
        const char c = source[i];
        if (c == '#') {
            while (i < size && source[i] != '\n')
                ++i;
            continue;
        }
        if (c == '\\') {
            i += 2;
            continue;
        }
        // String literal, with an optional prefix of up to two letters not preceded by an identifier char.
        std::size_t quoteAt = std::string_view::npos;
        if (c == '"' || c == '\'') {
            quoteAt = i;
        } else if (isPrefixChar(c) && (i == 0 || !isIdentChar(source[i - 1]))) {
            std::size_t k = i;
            while (k < size && k - i < 2 && isPrefixChar(source[k]))
                ++k;
            if (k < size && (source[k] == '"' || source[k] == '\''))
                quoteAt = k;
        }
        if (quoteAt != std::string_view::npos) {
            const char quote = source[quoteAt];
            const bool triple =
                quoteAt + 2 < size && source[quoteAt + 1] == quote && source[quoteAt + 2] == quote;
            std::size_t k = quoteAt + (triple ? 3 : 1);
            bool closed = false;
            while (k < size) {
                const char s = source[k];
                if (s == '\\') { // raw strings too: a backslash keeps the next quote in the string
                    k += 2;
                    continue;
                }
                if (!triple && s == '\n')
                    break;
                if (s == quote &&
                    (!triple || (k + 2 < size && source[k + 1] == quote && source[k + 2] == quote))) {
                    k += triple ? 3 : 1;
                    closed = true;
                    break;
                }
                ++k;
            }
            if (!closed && !result.syntax) {
                const std::size_t detected = lineOf(source, std::min(k, size));
                setSyntax(i, std::string(triple ? "unterminated triple-quoted string literal"
                                                : "unterminated string literal") +
                                 " (detected at line " + std::to_string(detected) + ")");
                // Skip to the end of the line (single) or the source (triple) like the tokenizer gives up.
            }
            if (!closed) {
                i = triple ? size : k;
                continue;
            }
            i = k;
            continue;
        }
        if (c == '(' || c == '[' || c == '{') {
            open.push_back(i);
            if (open.size() > static_cast<std::size_t>(maxBracketDepth) && !result.tooDeep)
                result.tooDeep = SourceIssue{i, 1, "too many nested parentheses"};
            if (result.tooDeep)
                return result; // nothing after this matters and the scan stays linear
        } else if (c == ')' || c == ']' || c == '}') {
            if (open.empty()) {
                setSyntax(i, std::string("unmatched '") + c + "'");
            } else {
                const char opener = source[open.back()];
                if (closerFor(opener) != c && !result.syntax) {
                    std::string message = std::string("closing parenthesis '") + c +
                                          "' does not match opening parenthesis '" + opener + "'";
                    const std::size_t openLine = lineOf(source, open.back());
                    if (openLine != lineOf(source, i))
                        message += " on line " + std::to_string(openLine);
                    setSyntax(i, std::move(message));
                }
                open.pop_back();
            }
        }
        ++i;
    }
    if (!open.empty())
        setSyntax(open.back(), std::string("'") + source[open.back()] + "' was never closed");
    return result;
}

} // namespace agentrun::safety
