#include "sourcetricks.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace agentrun::safety {

namespace {

/// The codec a coding declaration on this line names ("# -*- coding: latin-1 -*-"), as CPython's
/// tokenizer finds it: a comment matching `coding[:=]\s*([-\w.]+)`.
std::string declaredCoding(std::string_view line)
{
    std::size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f'))
        ++i;
    if (i >= line.size() || line[i] != '#')
        return {};
    const std::size_t at = line.find("coding", i);
    if (at == std::string_view::npos || at + 6 >= line.size() || (line[at + 6] != ':' && line[at + 6] != '='))
        return {};
    std::size_t j = at + 7;
    while (j < line.size() && (line[j] == ' ' || line[j] == '\t'))
        ++j;
    std::string name;
    while (j < line.size() && (std::isalnum(static_cast<unsigned char>(line[j])) || line[j] == '-' ||
                               line[j] == '_' || line[j] == '.'))
        name += static_cast<char>(std::tolower(static_cast<unsigned char>(line[j++])));
    return name;
}

bool isUtf8Coding(std::string name)
{
    std::ranges::replace(name, '_', '-');
    static constexpr std::array accepted{"utf-8",   "utf8",  "utf-8-sig", "u8", "utf",
                                         "cp65001", "ascii", "us-ascii",  "646"};
    return std::ranges::find(accepted, name) != accepted.end() || name.starts_with("utf-8-");
}

bool isBlankOrComment(std::string_view line)
{
    for (const char c : line) {
        if (c == '#')
            return true;
        if (c != ' ' && c != '\t' && c != '\f' && c != '\r')
            return false;
    }
    return true;
}

} // namespace

std::vector<SourceTrick> findSourceTricks(std::string_view source)
{
    std::vector<SourceTrick> out;
    // Coding declarations count on the first line, or on the second when the first is a comment.
    std::size_t lineStart = 0;
    for (int line = 0; line < 2 && lineStart <= source.size(); ++line) {
        const std::size_t end = std::min(source.find_first_of("\r\n", lineStart), source.size());
        const std::string_view text = source.substr(lineStart, end - lineStart);
        const std::string coding = declaredCoding(text);
        if (!coding.empty()) {
            if (!isUtf8Coding(coding))
                out.push_back({lineStart, end,
                               "The coding declaration `" + coding +
                                   "` makes Python decode this file differently from the UTF-8 the check and "
                                   "the reader see"});
            break;
        }
        if (!isBlankOrComment(text))
            break;
        lineStart = end + (end < source.size() && source[end] == '\r' && end + 1 < source.size() &&
                                   source[end + 1] == '\n'
                               ? 2
                               : 1);
    }
    for (std::size_t i = 0; i < source.size(); ++i) {
        const auto c = static_cast<unsigned char>(source[i]);
        if (c == '\r' && (i + 1 >= source.size() || source[i + 1] != '\n')) {
            out.push_back({i, i + 1,
                           "A lone carriage return ends a line for Python but hides it in many terminals and "
                           "viewers"});
            continue;
        }
        if ((c != 0xE2 && c != 0xD8) || i + 1 >= source.size())
            continue;
        const auto c1 = static_cast<unsigned char>(source[i + 1]);
        bool bidi = false;
        if (c == 0xD8) // U+061C ARABIC LETTER MARK
            bidi = c1 == 0x9C;
        else if (i + 2 < source.size() && c1 == 0x80) { // U+200E, U+200F, U+202A..U+202E
            const auto c2 = static_cast<unsigned char>(source[i + 2]);
            bidi = c2 == 0x8E || c2 == 0x8F || (c2 >= 0xAA && c2 <= 0xAE);
        } else if (i + 2 < source.size() && c1 == 0x81) { // U+2066..U+2069
            const auto c2 = static_cast<unsigned char>(source[i + 2]);
            bidi = c2 >= 0xA6 && c2 <= 0xA9;
        }
        if (bidi)
            out.push_back({i, i + (c == 0xD8 ? 2u : 3u),
                           "A bidirectional control character reorders how this line is displayed (Trojan "
                           "Source): what a reader sees is not what runs"});
    }
    return out;
}

bool normalizeLineEnds(std::string_view source, std::string& out)
{
    bool lone = false;
    for (std::size_t i = 0; i < source.size() && !lone; ++i)
        lone = source[i] == '\r' && (i + 1 >= source.size() || source[i + 1] != '\n');
    if (!lone)
        return false;
    out.assign(source);
    for (std::size_t i = 0; i < out.size(); ++i)
        if (out[i] == '\r' && (i + 1 >= out.size() || out[i + 1] != '\n'))
            out[i] = '\n';
    return true;
}

} // namespace agentrun::safety
