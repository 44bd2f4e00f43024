#include "contrast.h"

#include <cmath>

#include <QApplication>
#include <QPalette>

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

QColor opaqueOn(const QColor& color, const QColor& background)
{
    const double a = color.alphaF();
    return QColor::fromRgbF(float(color.redF() * a + background.redF() * (1 - a)),
                            float(color.greenF() * a + background.greenF() * (1 - a)),
                            float(color.blueF() * a + background.blueF() * (1 - a)));
}

QColor textColor(TextTone tone)
{
    switch (tone) {
    case TextTone::Error:
        return QColor(0xb4, 0x23, 0x18); // 6.6:1 on white, 5.7:1 on the default window grey
    case TextTone::Warning:
        return QColor(0x8a, 0x5a, 0x00); // 5.9:1, 5.2:1
    case TextTone::Info:
        return QColor(0x2a, 0x62, 0xb8); // 5.9:1, 5.2:1
    case TextTone::Muted:
        return QColor(0x5f, 0x5f, 0x5f); // 6.4:1, 5.6:1
    }
    return {};
}

QPalette readableTextPalette(QPalette palette)
{
    for (const auto group : {QPalette::Active, QPalette::Inactive, QPalette::Disabled})
        palette.setColor(group, QPalette::PlaceholderText,
                         readableOn(opaqueOn(palette.color(group, QPalette::PlaceholderText),
                                             palette.color(group, QPalette::Base)),
                                    palette.color(group, QPalette::Base)));
    palette.setColor(QPalette::Disabled, QPalette::WindowText,
                     readableOn(opaqueOn(palette.color(QPalette::Disabled, QPalette::WindowText),
                                         palette.color(QPalette::Disabled, QPalette::Window)),
                                palette.color(QPalette::Disabled, QPalette::Window)));
    palette.setColor(QPalette::Disabled, QPalette::Text,
                     readableOn(opaqueOn(palette.color(QPalette::Disabled, QPalette::Text),
                                         palette.color(QPalette::Disabled, QPalette::Base)),
                                palette.color(QPalette::Disabled, QPalette::Base)));
    return palette;
}

void useReadableTextPalette()
{
    QApplication::setPalette(readableTextPalette(QApplication::palette()));
}

} // namespace agentrun::ui
