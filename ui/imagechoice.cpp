#include "imagechoice.h"

#include "agentrun/run/sandboximages.h"

#include <QStringList>

#include <algorithm>

namespace agentrun::ui {

namespace {
const QString Latest = QStringLiteral("agentrun-sandbox:latest");
const QString DataScience = QStringLiteral("agentrun-sandbox:datascience");

QString hintFor(const QString& tag)
{
    if (tag == DataScience)
        return QStringLiteral("packaging/sandbox/build-base.sh --variant datascience, then "
                              "agentrun image build --variant datascience");
    if (tag == Latest)
        return QStringLiteral("agentrun image build (or Engine › Build Sandbox Image…)");
    return QStringLiteral("AGENTRUN_IMAGE=%1 agentrun image build").arg(tag);
}
} // namespace

agentrun::Result<QList<SandboxImage>> listSandboxImages(const agentrun::run::ExecutorConfig& config,
                                                        const QString& current)
{
    auto tags = agentrun::run::sandboxImageTags(config);
    if (!tags)
        return std::unexpected(tags.error());
    QStringList built;
    for (const auto& tag : *tags)
        built << QString::fromStdString(tag);
    std::sort(built.begin(), built.end());
    QStringList order{Latest, DataScience};
    if (!order.contains(current))
        order << current;
    for (const QString& tag : std::as_const(built))
        if (!order.contains(tag))
            order << tag;
    QList<SandboxImage> out;
    for (const QString& tag : std::as_const(order)) {
        SandboxImage image{tag, built.contains(tag), {}};
        if (!image.present) {
            // The configured image need not carry the label (AGENTRUN_IMAGE naming any image).
            auto found = agentrun::run::imagePresent(config, tag.toStdString());
            if (!found)
                return std::unexpected(found.error());
            image.present = *found;
        }
        if (!image.present)
            image.buildHint = hintFor(tag);
        out << image;
    }
    return out;
}

} // namespace agentrun::ui
