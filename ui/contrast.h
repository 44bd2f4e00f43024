#pragma once

#include <QColor>

class QPalette;

namespace agentrun::ui {

/// WCAG 2 contrast ratio of two colours (1 .. 21).
double contrastRatio(const QColor& a, const QColor& b);
/// `wanted`, darkened (on a light background) or lightened (on a dark one) until it reaches `ratio`
/// against `background`: the tone is kept, the text stays readable under any palette.
QColor readableOn(const QColor& wanted, const QColor& background, double ratio = 4.5);

/// `color` as drawn on `background`: a translucent colour (Qt's placeholder text is the text colour at
/// half alpha) blended into it. contrastRatio() takes opaque colours.
QColor opaqueOn(const QColor& color, const QColor& background);

/// The colours the workbench draws its own text in (item views, labels), besides the outcome tones
/// (outcome.h). Each reaches 4.5:1 (WCAG AA) on the default palette's Base, AlternateBase (striped rows)
/// and Window; tests/gui/tst_contrast.cpp checks them and every other text colour the window sets.
enum class TextTone
{
    Error,   ///< a blocking finding, a refused value, a missing file
    Warning, ///< a warning finding or rule
    Info,    ///< an informational finding
    Muted    ///< a rule that is off, a secondary note
};
QColor textColor(TextTone tone);

/// `palette` with the text roles Qt derives for placeholders and disabled (muted) labels made readable:
/// PlaceholderText on Base and disabled WindowText/Text on Window/Base reach 4.5:1 (Qt's defaults are
/// about 3.9:1 and 1.9:1). The other roles are kept.
QPalette readableTextPalette(QPalette palette);
/// Applies readableTextPalette() to the application's palette (the workbench's window does, once).
void useReadableTextPalette();

} // namespace agentrun::ui
