#include "agentrun/run/sandboximages.h"

#include "agentrun/engine/client.h"
#include "agentrun/engine/endpoint.h"

#include <algorithm>

namespace agentrun::run {

Result<std::vector<std::string>> sandboxImageTags(const ExecutorConfig& config)
{
    auto endpoint = engine::Endpoint::resolve(config.dockerHost);
    if (!endpoint) {
        return std::unexpected(endpoint.error());
    }
    engine::Client client(*endpoint);
    auto labelled = client.listImages("org.agentrun.image-hash");
    if (!labelled) {
        return std::unexpected(labelled.error());
    }
    std::vector<std::string> tags;
    for (const auto& image : *labelled) {
        const auto found = image.find("RepoTags");
        if (found == image.end() || !found->is_array()) {
            continue;
        }
        for (const auto& tag : *found) {
            // Images of the dependency cache (deps/bake.h) carry the label too but are not picked by hand.
            if (tag.is_string() && tag.get<std::string>().starts_with("agentrun-sandbox:")) {
                tags.push_back(tag.get<std::string>());
            }
        }
    }
    std::ranges::sort(tags);
    return tags;
}

Result<bool> imagePresent(const ExecutorConfig& config, const std::string& reference)
{
    auto endpoint = engine::Endpoint::resolve(config.dockerHost);
    if (!endpoint) {
        return std::unexpected(endpoint.error());
    }
    engine::Client client(*endpoint);
    auto found = client.findImage(reference);
    if (!found) {
        return std::unexpected(found.error());
    }
    return found->has_value();
}

} // namespace agentrun::run
