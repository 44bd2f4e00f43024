#include "contrast.h"

#include <cmath>

namespace agentrun::ui {

namespace {

double luminance(const QColor& color)
{
    const auto channel = [](double c) {
        return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) +
           0.0722 * channel(color.blueF());
}

} // namespace

double contrastRatio(const QColor& a, const QColor& b)
{
    const double la = luminance(a);
    const double lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QColor readableOn(const QColor& wanted, const QColor& background, double ratio)
{
    const bool darkBackground = luminance(background) < 0.18;
    QColor color = wanted;
    for (int step = 0; step < 40 && contrastRatio(color, background) < ratio; ++step)
        color = darkBackground ? color.lighter(110) : color.darker(110);
    if (contrastRatio(color, background) < ratio)
        color = darkBackground ? QColor(Qt::white) : QColor(Qt::black);
    return color;
}

} // namespace agentrun::ui
