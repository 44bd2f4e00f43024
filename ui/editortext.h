#pragma once

#include <QString>
#include <QStringView>

namespace agentrun::ui {

/// Byte offset (what QScintilla calls an index in a UTF-8 document) of the code point at
/// `codePointIndex` (0-based) in `line`; clamped to the line's end, not counting its line break.
int utf8IndexOfCodePoint(QStringView line, int codePointIndex);

/// Code pasted from a chat answer: when the text holds markdown fences (```python … ```), the code
/// inside them (several blocks are joined by a blank line); otherwise the text unchanged.
QString stripMarkdownFence(const QString& text);

} // namespace agentrun::ui
