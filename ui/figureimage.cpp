#include "figureimage.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QImageReader>

namespace agentrun::ui {

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("agentrun::ui::FigureImage", text);
}

} // namespace

DecodedFigure decodeFigure(const QByteArray& bytes, const QString& mime)
{
    if (mime != QLatin1String("image/png"))
        return {{}, tr("its type is %1; the workbench shows PNG images only").arg(mime)};
    QBuffer buffer;
    buffer.setData(bytes);
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer, "png");
    reader.setDecideFormatFromContent(false); // PNG or nothing: no other decoder sees sandbox bytes
    const QSize size = reader.size();
    if (!size.isValid())
        return {{}, tr("not a PNG image (%1 bytes that do not decode)").arg(bytes.size())};
    if (size.width() > MaxFigureSide || size.height() > MaxFigureSide ||
        qint64(size.width()) * size.height() > MaxFigurePixels)
        return {{},
                tr("%1 × %2 pixels is over what the workbench decodes (%3 on a side, %4 megapixels); "
                   "save it smaller (figsize, dpi)")
                    .arg(size.width())
                    .arg(size.height())
                    .arg(MaxFigureSide)
                    .arg(MaxFigurePixels / (1024 * 1024))};
    QImage image;
    if (!reader.read(&image) || image.isNull())
        return {{}, tr("the PNG image does not decode: %1").arg(reader.errorString())};
    return {image, {}};
}

} // namespace agentrun::ui
