#include "imagechoice.h"

#include "agentrun/engine/client.h"
#include "agentrun/engine/endpoint.h"

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
    auto endpoint = agentrun::engine::Endpoint::resolve(config.dockerHost);
    if (!endpoint)
        return std::unexpected(endpoint.error());
    agentrun::engine::Client client(*endpoint);
    auto labelled = client.listImages("org.agentrun.image-hash");
    if (!labelled)
        return std::unexpected(labelled.error());
    QStringList built;
    for (const auto& image : *labelled) {
        const auto tags = image.find("RepoTags");
        if (tags == image.end() || !tags->is_array())
            continue;
        for (const auto& tag : *tags)
            if (tag.is_string() && tag.get<std::string>() != "<none>:<none>")
                built << QString::fromStdString(tag.get<std::string>());
    }
    // Images of the dependency cache (deps/bake.h) carry the label too but are not picked by hand.
    built.removeIf([](const QString& tag) { return !tag.startsWith(QStringLiteral("agentrun-sandbox:")); });
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
            auto found = client.findImage(tag.toStdString());
            if (!found)
                return std::unexpected(found.error());
            image.present = found->has_value();
        }
        if (!image.present)
            image.buildHint = hintFor(tag);
        out << image;
    }
    return out;
}

} // namespace agentrun::ui
