#include "agentrun/run/imageservice.h"

#include "agentrun/sandbox/imagebuilder.h"
#include "run/engineconnection.h"

#include <mutex>
#include <optional>

namespace agentrun::run {

class ImageService::Impl
{
public:
    explicit Impl(ExecutorConfig configuration) : config(std::move(configuration)), engine(config) {}

    /// Found and read once: the sources do not change under a running process.
    Result<sandbox::SandboxInputs> inputs()
    {
        std::lock_guard lock(mutex);
        if (!sources) {
            auto root = sandbox::locateSandboxSources();
            if (!root) {
                return std::unexpected(root.error());
            }
            auto read = sandbox::readSandboxInputs(*root);
            if (!read) {
                return std::unexpected(read.error());
            }
            sources = std::move(*read);
        }
        return *sources;
    }

    ExecutorConfig config;
    EngineConnection engine;
    std::mutex mutex;
    std::optional<sandbox::SandboxInputs> sources;
};

ImageService::ImageService(ExecutorConfig config) : m_impl(std::make_unique<Impl>(std::move(config))) {}

ImageService::~ImageService() = default;

const ExecutorConfig& ImageService::config() const
{
    return m_impl->config;
}

Result<ImageState> ImageService::status()
{
    auto inputs = m_impl->inputs();
    if (!inputs) {
        return std::unexpected(inputs.error());
    }
    auto client = m_impl->engine.client();
    if (!client) {
        return std::unexpected(client.error());
    }
    auto status = sandbox::sandboxImageStatus(**client, *inputs, m_impl->config.image);
    if (!status) {
        return std::unexpected(status.error());
    }
    return ImageState{m_impl->config.image,  status->present,   status->current, status->id,
                      status->pythonVersion, status->sizeBytes, inputs->hash};
}

Result<std::string> ImageService::defaultBase()
{
    auto client = m_impl->engine.client();
    if (!client) {
        return std::unexpected(client.error());
    }
    auto base = (*client)->findImage(sandbox::DefaultBase);
    if (!base) {
        return std::unexpected(base.error());
    }
    return std::string(*base ? sandbox::DefaultBase : sandbox::OfflineBase);
}

Result<std::string> ImageService::build(const std::string& base, const Progress& progress,
                                        const std::atomic<bool>& cancel)
{
    auto inputs = m_impl->inputs();
    if (!inputs) {
        return std::unexpected(inputs.error());
    }
    auto client = m_impl->engine.client();
    if (!client) {
        return std::unexpected(client.error());
    }
    std::string from = base;
    if (from.empty()) {
        auto chosen = defaultBase();
        if (!chosen) {
            return std::unexpected(chosen.error());
        }
        from = *chosen;
    }
    return sandbox::buildSandboxImage(**client, *inputs, from, m_impl->config.image, progress, cancel);
}

} // namespace agentrun::run
