#pragma once

#include "agentrun/deps/installer.h"
#include "agentrun/deps/requirement.h"
#include "agentrun/deps/whitelist.h"
#include "agentrun/error.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::engine {
class Client;
}

namespace agentrun::deps {

/// Repository of every baked image: "agentrun-sandbox-deps:<16 hex digits>".
inline constexpr const char* BakedRepository = "agentrun-sandbox-deps";
/// Where a baked image keeps its packages; a .pth file in the image's site directory puts it on
/// sys.path, so `python3 /opt/agentrun/agent.py` imports them with no variable set.
inline constexpr const char* BakedPath = "/opt/agentrun/baked";

/// AgentRun's `cached_dependencies`: each spec parsed (same rules as the whitelist: a name and an
/// optional version pin, nothing else) and checked against the whitelist. A cached dependency without
/// its own pin takes the whitelist's. Errors: deps.spec (a bad spec), deps.cached_not_whitelisted
/// ("Some cached dependencies are not in the whitelist. (a, b)").
Result<std::vector<Requirement>> cachedRequirements(const std::vector<std::string>& cached,
                                                    const Whitelist& whitelist);

/// "agentrun-sandbox-deps:" + 16 hex digits of a hash over the base image id and the normalised,
/// sorted, de-duplicated requirements. Order- and spelling-insensitive (`Alpha_Dep` = `alpha-dep`).
std::string bakedImageTag(const std::vector<Requirement>& requirements, const std::string& baseImageId);

struct BakeResult
{
    std::string image;                  ///< the tag (agentrun-sandbox-deps:…)
    std::string imageId;                ///< sha256:…
    bool reused = false;                ///< the image was already there: nothing was installed or built
    double ms = 0;                      ///< wall time of bake()
    std::vector<std::string> installed; ///< "name==version" of everything baked in, dependencies too
};

struct BakedImage
{
    std::string tag;
    std::string id;
    std::string requirements;    ///< "alpha-dep,beta-pkg==2.0"
    std::string baseImage;       ///< id of the image it was built from
    std::string source;          ///< "wheelhouse" or "index <host>"
    std::string created;         ///< engine timestamp (ISO 8601)
    std::int64_t sizeBytes = -1; ///< the image's size (shared base layers included), -1 when unknown
};

/// The baked image for this set on this base, when one exists (its tag), else nullopt.
Result<std::optional<std::string>> findBakedImage(engine::Client& client, const std::string& baseImage,
                                                  const std::vector<Requirement>& requirements);

/// Bakes `requirements` into an image derived from `baseImage`, or reuses the one already there.
///
/// pip runs where every other install runs: in the hardened installer container (Installer), into a
/// cache volume, offline from a read-only wheelhouse or from the index through `access` (its host only,
/// Installer). The
/// finished volume is then copied into a build context (core's tar writer) whose Dockerfile is
/// `FROM <base id>`, `COPY` into BakedPath and one `RUN` that writes the .pth file; the build has no
/// network. So no package code runs as root at build time, the wheelhouse never becomes a layer, and
/// the image adds only the installed files. Tagged bakedImageTag() and labelled (org.agentrun.deps=baked,
/// requirements, base image, source). `progress` receives pip's lines and the build's lines.
/// Errors: those of Installer::install, image.build_failed, deps.cancelled, engine errors.
Result<BakeResult> bake(engine::Client& client, const std::string& baseImage,
                        const std::vector<Requirement>& requirements, const InstallSource& source,
                        std::chrono::seconds timeout,
                        const std::function<void(std::string_view line)>& progress,
                        const std::atomic<bool>& cancel, const IndexAccess& access = {});

/// The baked images (label org.agentrun.deps=baked) with their sizes, sorted by tag.
Result<std::vector<BakedImage>> listBakedImages(engine::Client& client);
/// Removes one baked image by tag or id; deps.busy when a container (e.g. a warm one) still uses it.
Result<void> removeBakedImage(engine::Client& client, const std::string& ref);
/// Removes every baked image no container uses; returns how many.
Result<int> pruneBakedImages(engine::Client& client);

/// The Dockerfile of a bake (exposed for tests and `agentrun deps bake --dry-run` views).
std::string bakeDockerfile(const std::string& baseImageId, const std::string& tag);

/// The bytes of a tar archive before its end-of-archive blocks (to append more entries to it), or
/// nullopt when it is not a well-formed archive.
std::optional<std::string_view> tarEntries(std::string_view tar);

} // namespace agentrun::deps
