#pragma once

// The sandbox image of an engine configuration: is it there and built from the current sources, and
// build it. The CLI's `agentrun image` and the workbench's build dialog both call this; the choice of
// the base image is made here and nowhere else.

#include "agentrun/error.h"
#include "agentrun/run/executorconfig.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace agentrun::run {

struct ImageState
{
    std::string image; ///< the tag asked about: the configuration's image
    bool present = false;
    bool current = false; ///< its org.agentrun.image-hash label matches the sources here
    std::string id;
    std::string pythonVersion;
    std::int64_t sizeBytes = 0;
    std::string sourcesHash; ///< the hash of packaging/sandbox/Dockerfile and resources/agent/ here
};

/// Shares the executor's engine configuration (ExecutorConfig: dockerHost, image). Connects on first
/// use; constructing it never contacts the engine. Thread-safe.
class ImageService
{
public:
    using Progress = std::function<void(std::string_view line)>;

    explicit ImageService(ExecutorConfig config);
    ~ImageService();
    ImageService(const ImageService&) = delete;
    ImageService& operator=(const ImageService&) = delete;

    const ExecutorConfig& config() const;

    /// The configuration's image against the sources. Errors: image.sources (the sources are not
    /// found: set AGENTRUN_DATA_DIR), then those of the engine (engine.unreachable naming the address).
    Result<ImageState> status();

    /// The base a build starts from when none is named: python:3.11-slim when the engine has it, else
    /// the offline base agentrun-base:bookworm (made by packaging/sandbox/build-base.sh).
    Result<std::string> defaultBase();

    /// Builds the configuration's image from the sources on `base` (empty: defaultBase()), with no
    /// network for its RUN steps; `progress` gets each line of the build. Returns the image id.
    /// Errors: image.sources, image.base_missing, image.build_failed, image.cancelled, engine errors.
    Result<std::string> build(const std::string& base, const Progress& progress,
                              const std::atomic<bool>& cancel);

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace agentrun::run
