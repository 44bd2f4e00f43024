#pragma once

#include <QColor>

namespace agentrun::ui {

/// WCAG 2 contrast ratio of two colours (1 .. 21).
double contrastRatio(const QColor& a, const QColor& b);
/// `wanted`, darkened (on a light background) or lightened (on a dark one) until it reaches `ratio`
/// against `background`: the tone is kept, the text stays readable under any palette.
QColor readableOn(const QColor& wanted, const QColor& background, double ratio = 4.5);

} // namespace agentrun::ui
