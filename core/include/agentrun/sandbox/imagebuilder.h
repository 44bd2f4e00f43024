#pragma once

#include "agentrun/sha256.h"

#include "agentrun/engine/client.h"
#include "agentrun/error.h"

#include <atomic>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace agentrun::sandbox {

inline constexpr const char* SandboxImage = "agentrun-sandbox:latest";
inline constexpr const char* OfflineBase = "agentrun-base:bookworm";
inline constexpr const char* DefaultBase = "python:3.11-slim";
inline constexpr const char* HashLabel = "org.agentrun.image-hash";

/// An image variant: the same Dockerfile and agent on another offline base made by
/// packaging/sandbox/build-base.sh --variant NAME. "datascience" adds Debian's python3-numpy,
/// python3-pandas, python3-matplotlib and python3-scipy (docs/performance.md has its size).
struct ImageVariant
{
    const char* name;
    const char* image; ///< the sandbox image's tag
    const char* base;  ///< the offline base it is built on
};
inline constexpr ImageVariant ImageVariants[] = {
    {"default", SandboxImage, OfflineBase},
    {"datascience", "agentrun-sandbox:datascience", "agentrun-base:bookworm-datascience"},
};

/// The files the sandbox image is built from (packaging/sandbox/Dockerfile and resources/agent/*), with
/// paths relative to the project root, and their hash — the same one quickstart.sh writes into the
/// image's org.agentrun.image-hash label, so either tool knows when the image is current.
struct SandboxInputs
{
    std::vector<std::pair<std::string, std::string>> files; ///< relative path, content; sorted
    std::string hash;
};

/// Finds the directory holding packaging/sandbox and resources/agent: $AGENTRUN_DATA_DIR, the source
/// tree this binary was built from, or the installed share/agentrun.
Result<std::string> locateSandboxSources();

Result<SandboxInputs> readSandboxInputs(const std::string& root);

struct ImageStatus
{
    bool present = false;
    bool current = false; ///< its hash label matches the inputs
    std::string id;
    std::string pythonVersion;
    std::int64_t sizeBytes = 0;
};

Result<ImageStatus> sandboxImageStatus(engine::Client& client, const SandboxInputs& inputs,
                                       const std::string& tag = SandboxImage);

/// Builds the sandbox image on `base` (no network for RUN steps); `progress` gets each build line.
Result<std::string> buildSandboxImage(engine::Client& client, const SandboxInputs& inputs,
                                      const std::string& base, const std::string& tag,
                                      const std::function<void(std::string_view)>& progress,
                                      const std::atomic<bool>& cancel);

/// SHA-256 of `data` in lower-case hex (agentrun/sha256.h).
using agentrun::sha256Hex;

} // namespace agentrun::sandbox
