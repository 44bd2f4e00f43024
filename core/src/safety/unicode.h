#pragma once

// UTF-8 helpers and the NFKC folding Python applies to identifiers, for the characters that matter.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace agentrun::safety::unicode {

/// Byte offset of the first byte that is not part of valid UTF-8 (overlongs, surrogates and values
/// above U+10FFFF are invalid), or nullopt when the text is valid.
std::optional<std::size_t> firstInvalidUtf8(std::string_view text);

/// Appends `cp` as UTF-8; values above U+10FFFF are dropped.
void appendUtf8(std::string& out, char32_t cp);

/// Number of code points in valid UTF-8 (counts lead bytes).
std::size_t codePointCount(std::string_view text);

/// Python identifiers are NFKC-normalised by the compiler (`ｅｖａｌ` is `eval`). This folds the
/// compatibility characters that can spell ASCII identifiers: fullwidth forms, mathematical
/// alphanumerics, letterlike symbols, ligatures, modifier letters, long s, ordinal indicators,
/// underscore variants. Other characters are kept as they are. ASCII input is returned unchanged.
std::string nfkcIdentifier(std::string_view identifier);

} // namespace agentrun::safety::unicode
