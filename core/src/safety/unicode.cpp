#include "unicode.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace agentrun::safety::unicode {

namespace {

// Decodes one code point at `pos` of valid UTF-8 and advances `pos`.
char32_t decode(std::string_view text, std::size_t& pos)
{
    const auto byte = static_cast<unsigned char>(text[pos]);
    int length = byte < 0x80 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4;
    char32_t cp = length == 1   ? byte
                  : length == 2 ? (byte & 0x1F)
                  : length == 3 ? (byte & 0x0F)
                                : (byte & 0x07);
    for (int i = 1; i < length && pos + static_cast<std::size_t>(i) < text.size(); ++i)
        cp = (cp << 6) | (static_cast<unsigned char>(text[pos + static_cast<std::size_t>(i)]) & 0x3F);
    pos += static_cast<std::size_t>(length);
    return cp;
}

// Single code points whose NFKC form is ASCII text (sorted by code point).
constexpr std::pair<char32_t, std::string_view> singles[] = {
    {0x00AA, "a"},   {0x00BA, "o"},   {0x017F, "s"},  {0x02B0, "h"},  {0x02B2, "j"},  {0x02B3, "r"},
    {0x02B7, "w"},   {0x02B8, "y"},   {0x02E1, "l"},  {0x02E2, "s"},  {0x02E3, "x"},  {0x1D43, "a"},
    {0x1D47, "b"},   {0x1D48, "d"},   {0x1D49, "e"},  {0x1D4D, "g"},  {0x1D4F, "k"},  {0x1D50, "m"},
    {0x1D52, "o"},   {0x1D56, "p"},   {0x1D57, "t"},  {0x1D58, "u"},  {0x1D5B, "v"},  {0x1D62, "i"},
    {0x1D63, "r"},   {0x1D64, "u"},   {0x1D65, "v"},  {0x1D9C, "c"},  {0x1DA0, "f"},  {0x1DBB, "z"},
    {0x2071, "i"},   {0x207F, "n"},   {0x2090, "a"},  {0x2091, "e"},  {0x2092, "o"},  {0x2093, "x"},
    {0x2095, "h"},   {0x2096, "k"},   {0x2097, "l"},  {0x2098, "m"},  {0x2099, "n"},  {0x209A, "p"},
    {0x209B, "s"},   {0x209C, "t"},   {0x2102, "C"},  {0x210A, "g"},  {0x210B, "H"},  {0x210C, "H"},
    {0x210D, "H"},   {0x210E, "h"},   {0x2110, "I"},  {0x2111, "I"},  {0x2112, "L"},  {0x2113, "l"},
    {0x2115, "N"},   {0x2119, "P"},   {0x211A, "Q"},  {0x211B, "R"},  {0x211C, "R"},  {0x211D, "R"},
    {0x2124, "Z"},   {0x2128, "Z"},   {0x212C, "B"},  {0x212D, "C"},  {0x212F, "e"},  {0x2130, "E"},
    {0x2131, "F"},   {0x2133, "M"},   {0x2134, "o"},  {0x2139, "i"},  {0x2145, "D"},  {0x2146, "d"},
    {0x2147, "e"},   {0x2148, "i"},   {0x2149, "j"},  {0xFB00, "ff"}, {0xFB01, "fi"}, {0xFB02, "fl"},
    {0xFB03, "ffi"}, {0xFB04, "ffl"}, {0xFB05, "st"}, {0xFB06, "st"}, {0xFE33, "_"},
};

// Mathematical alphanumeric symbols U+1D400..U+1D6A3: 13 alphabets of 52 letters (A-Z, a-z).
// Digits U+1D7CE..U+1D7FF: 5 sets of 0-9.
std::optional<char> mathAlphanumeric(char32_t cp)
{
    if (cp >= 0x1D400 && cp <= 0x1D6A3) {
        const auto index = (cp - 0x1D400) % 52;
        return static_cast<char>(index < 26 ? 'A' + index : 'a' + (index - 26));
    }
    if (cp >= 0x1D7CE && cp <= 0x1D7FF)
        return static_cast<char>('0' + (cp - 0x1D7CE) % 10);
    return std::nullopt;
}

} // namespace

void appendUtf8(std::string& out, char32_t cp)
{
    if (cp > 0x10FFFF) {
        return;
    }
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::optional<std::size_t> firstInvalidUtf8(std::string_view text)
{
    const auto* data = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t size = text.size();
    std::size_t i = 0;
    while (i < size) {
        const unsigned char c = data[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        char32_t min = 0;
        char32_t cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            length = 2, min = 0x80, cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            length = 3, min = 0x800, cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            length = 4, min = 0x10000, cp = c & 0x07;
        } else {
            return i;
        }
        if (i + length > size)
            return i;
        for (std::size_t k = 1; k < length; ++k) {
            if ((data[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (data[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += length;
    }
    return std::nullopt;
}

std::size_t codePointCount(std::string_view text)
{
    return static_cast<std::size_t>(
        std::ranges::count_if(text, [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string nfkcIdentifier(std::string_view identifier)
{
    if (std::ranges::all_of(identifier, [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
        return std::string(identifier);
    std::string out;
    out.reserve(identifier.size());
    std::size_t pos = 0;
    while (pos < identifier.size()) {
        const char32_t cp = decode(identifier, pos);
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp >= 0xFF01 && cp <= 0xFF5E) { // fullwidth ASCII
            out += static_cast<char>(cp - 0xFF01 + 0x21);
        } else if (const auto math = mathAlphanumeric(cp)) {
            out += *math;
        } else if (cp == 0xFE34 || cp == 0xFE4D || cp == 0xFE4E || cp == 0xFE4F) {
            out += '_';
        } else if (const auto it = std::ranges::lower_bound(singles, cp, {},
                                                            &std::pair<char32_t, std::string_view>::first);
                   it != std::end(singles) && it->first == cp) {
            out += it->second;
        } else {
            appendUtf8(out, cp);
        }
    }
    return out;
}

} // namespace agentrun::safety::unicode
