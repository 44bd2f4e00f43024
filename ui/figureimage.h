#pragma once

#include <QImage>
#include <QString>

namespace agentrun::ui {

/// A figure's image as the workbench shows it, or why it is not shown.
struct DecodedFigure
{
    QImage image;    ///< null when not shown
    QString problem; ///< one sentence when not shown
};

/// The largest figure the workbench decodes: its bytes come from the sandbox (the core only read the
/// PNG header), so the size is checked from the header before any pixel memory is allocated.
inline constexpr int MaxFigureSide = 8192;
inline constexpr qint64 MaxFigurePixels = qint64(4096) * 4096; ///< 64 MiB as 32-bit pixels

/// Decodes `bytes` of type `mime` (only image/png is shown). Never throws; a figure that is not a
/// readable PNG, or is over the caps above, comes back with `problem` set.
DecodedFigure decodeFigure(const QByteArray& bytes, const QString& mime = QStringLiteral("image/png"));

} // namespace agentrun::ui
