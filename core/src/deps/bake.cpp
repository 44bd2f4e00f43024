// Cached dependencies (AgentRun's cached_dependencies): packages baked into an image derived from the
// sandbox image, which the pool then uses for the profile's runs.
#include "agentrun/deps/bake.h"

#include "agentrun/engine/client.h"
#include "agentrun/engine/tar.h"
#include "agentrun/engine/urlencode.h"
#include "agentrun/errorcodes.h"
#include "agentrun/jsonfield.h"
#include "deps/cachevolumes.h"
#include "deps/installerscript.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

namespace agentrun::deps {

namespace {

using Clock = std::chrono::steady_clock;

const std::string BakedLabelValue = "baked";

std::string label(std::string_view key)
{
    return std::string(DepsLabel) + "." + std::string(key);
}

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string joined(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ",") + item;
    }
    return out;
}

std::vector<std::string> split(std::string_view text)
{
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        if (comma != 0) {
            out.emplace_back(text.substr(0, comma));
        }
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    }
    return out;
}

nlohmann::json labelsOf(const nlohmann::json& inspected)
{
    return json::objectField(json::objectField(inspected, "Config"), "Labels");
}

/// One bake per tag at a time in the process: two builds of one tag would race for the name.
std::mutex& tagMutex(const std::string& tag)
{
    static std::mutex mutex;
    static std::map<std::string, std::unique_ptr<std::mutex>> mutexes;
    std::lock_guard lock(mutex);
    auto& slot = mutexes[tag];
    if (!slot) {
        slot = std::make_unique<std::mutex>();
    }
    return *slot;
}

// Runs once at build time as root, without network: the site directory that is on sys.path and
// exists gets a .pth line naming BakedPath.
constexpr const char* PthScript =
    "import os, site; d = [p for p in site.getsitepackages() if os.path.isdir(p)][0]; "
    "print('/opt/agentrun/baked', file=open(os.path.join(d, 'agentrun-baked.pth'), 'w'))";

/// A failed or cancelled build leaves the images of the steps that succeeded (untagged): they carry
/// the bake's LABEL step, so they are found and removed, newest (the child) first.
void removeUnfinishedBuild(engine::Client& client, const std::string& tag)
{
    auto images = client.listImages(engine::Client::ImageFilter{{label("bake") + "=" + tag}, true, true});
    if (!images) {
        return;
    }
    std::vector<std::pair<std::int64_t, std::string>> byAge;
    for (const auto& image : *images) {
        byAge.emplace_back(json::integerField(image, "Created"), json::textField(image, "Id"));
    }
    std::ranges::sort(byAge, std::greater<>());
    for (const auto& [created, id] : byAge) {
        if (!id.empty()) {
            client.removeUnusedImage(id, std::chrono::seconds(60));
        }
    }
}

} // namespace

Result<std::vector<Requirement>> cachedRequirements(const std::vector<std::string>& cached,
                                                    const Whitelist& whitelist)
{
    if (auto allowed = checkCachedDependencies(cached, whitelist); !allowed) {
        return std::unexpected(allowed.error());
    }
    std::set<Requirement> out;
    for (const auto& spec : cached) {
        auto requirement = parseRequirement(spec);
        if (!requirement) {
            return std::unexpected(requirement.error());
        }
        if (requirement->specifier.empty()) {
            requirement->specifier = whitelist.pin(requirement->name);
        }
        out.insert(*requirement);
    }
    return std::vector<Requirement>(out.begin(), out.end());
}

std::string bakedImageTag(const std::vector<Requirement>& requirements, const std::string& baseImageId)
{
    std::uint64_t hash = 1469598103934665603ull; // FNV-1a
    const auto mix = [&](std::string_view text) {
        for (unsigned char c : text) {
            hash ^= c;
            hash *= 1099511628211ull;
        }
    };
    mix(baseImageId);
    for (const auto& text : sortedRequirementTexts(requirements)) {
        mix("\n");
        mix(text);
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
    return std::string(BakedRepository) + ":" + hex;
}

std::string bakeDockerfile(const std::string& baseImageId, const std::string& tag)
{
    return "FROM " + baseImageId + "\nLABEL " + label("bake") + "=\"" + tag +
           "\"\n"
           "USER 0:0\n"
           "COPY site/ " +
           BakedPath +
           "/\n"
           "RUN [\"python3\", \"-I\", \"-c\", \"" +
           PthScript +
           "\"]\n"
           "USER 65534:65534\n";
}

Result<std::optional<std::string>> findBakedImage(engine::Client& client, const std::string& baseImage,
                                                  const std::vector<Requirement>& requirements)
{
    auto base = client.inspectImage(baseImage);
    if (!base) {
        return std::unexpected(base.error());
    }
    const std::string baseId = json::textField(*base, "Id", baseImage);
    auto baked = client.findImage(bakedImageTag(requirements, baseId));
    if (!baked) {
        return std::unexpected(baked.error());
    }
    if (!*baked || json::textField(labelsOf(**baked), label("image")) != baseId) {
        return std::optional<std::string>();
    }
    return std::optional<std::string>(bakedImageTag(requirements, baseId));
}

Result<BakeResult> bake(engine::Client& client, const std::string& baseImage,
                        const std::vector<Requirement>& requirements, const InstallSource& source,
                        std::chrono::seconds timeout,
                        const std::function<void(std::string_view line)>& progress,
                        const std::atomic<bool>& cancel, const IndexAccess& access)
{
    const auto start = Clock::now();
    const auto say = [&](std::string_view line) {
        if (progress) {
            progress(line);
        }
    };
    if (requirements.empty()) {
        return fail(errc::DepsSpec, "There is nothing to bake: list at least one cached dependency.");
    }
    auto base = client.inspectImage(baseImage);
    if (!base) {
        return std::unexpected(base.error());
    }
    const std::string baseId = json::textField(*base, "Id", baseImage);
    const std::string tag = bakedImageTag(requirements, baseId);
    const std::vector<std::string> texts = sortedRequirementTexts(requirements);
    std::lock_guard tagLock(tagMutex(tag));

    // 1. Already baked for this base: reuse it.
    if (auto present = client.findImage(tag); !present) {
        return std::unexpected(present.error());
    } else if (*present && json::textField(labelsOf(**present), label("image")) == baseId) {
        say("Using the baked image " + tag + " (" + joined(texts) + ")");
        return BakeResult{tag, json::textField(**present, "Id"), true, msSince(start),
                          split(json::textField(labelsOf(**present), label("installed")))};
    }

    // 2. pip in the hardened installer container, into a cache volume (reused when already there).
    Installer installer(client, baseId, access);
    auto installed = installer.install(requirements, source, timeout, progress, cancel);
    if (!installed) {
        return std::unexpected(installed.error());
    }
    if (cancel.load()) {
        return fail(errc::DepsCancelled, "Baking the image was cancelled.");
    }

    // 3. The volume's files plus a Dockerfile form the build context.
    say("Copying the installed packages into the build context");
    auto archive = readVolumeArchive(client, baseId, installed->volume, timeout);
    if (!archive) {
        return std::unexpected(archive.error());
    }
    const auto entries = tarEntries(*archive);
    if (!entries) {
        return fail(errc::DepsVolume,
                    "The engine's archive of volume " + installed->volume + " is malformed.");
    }
    engine::TarWriter dockerfile;
    if (auto added = dockerfile.addFile("Dockerfile", bakeDockerfile(baseId, tag)); !added) {
        return std::unexpected(added.error());
    }
    std::string context(*entries);
    context += dockerfile.finish();
    archive->clear();

    // 4. The build: no network, the installed files and one .pth line on top of the base.
    engine::Client::BuildOptions options;
    options.tag = tag;
    options.networkMode = "none";
    options.timeout = timeout;
    options.labels = {{DepsLabel, BakedLabelValue},
                      {label("requirements"), joined(texts)},
                      {label("image"), baseId},
                      {label("source"), sourceLabel(source)},
                      {label("installed"), joined(installed->installed)}};
    say("Building " + tag + " from " + baseImage);
    auto built = client.buildImage(context, options, progress, cancel);
    if (!built) {
        removeUnfinishedBuild(client, tag);
        if (built.error().code == errc::ImageCancelled) {
            return fail(errc::DepsCancelled, "Baking the image was cancelled.");
        }
        return std::unexpected(built.error());
    }
    say("Baked " + joined(installed->installed) + " into " + tag);
    return BakeResult{tag, *built, false, msSince(start), installed->installed};
}

Result<std::vector<BakedImage>> listBakedImages(engine::Client& client)
{
    auto images = client.listImages(std::string(DepsLabel) + "=" + BakedLabelValue);
    if (!images) {
        return std::unexpected(images.error());
    }
    std::vector<BakedImage> out;
    for (const auto& image : *images) {
        const auto& labels = json::objectField(image, "Labels");
        BakedImage baked;
        baked.id = json::textField(image, "Id");
        for (const auto& tag : json::arrayField(image, "RepoTags")) {
            if (tag.is_string() && tag.get<std::string>().starts_with(std::string(BakedRepository) + ":")) {
                baked.tag = tag.get<std::string>();
            }
        }
        if (labels.is_object()) {
            baked.requirements = json::textField(labels, label("requirements"));
            baked.baseImage = json::textField(labels, label("image"));
            baked.source = json::textField(labels, label("source"));
        }
        baked.sizeBytes = json::integerField(image, "Size", -1);
        if (const auto created = json::integerField(image, "Created"); created > 0) {
            const std::time_t seconds = static_cast<std::time_t>(created);
            std::tm utc{};
            gmtime_r(&seconds, &utc);
            char text[32];
            std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
            baked.created = text;
        }
        out.push_back(std::move(baked));
    }
    std::ranges::sort(out, {}, &BakedImage::tag);
    return out;
}

Result<void> removeBakedImage(engine::Client& client, const std::string& ref)
{
    auto present = client.findImage(ref);
    if (!present) {
        return std::unexpected(present.error());
    }
    if (!*present) {
        return {};
    }
    if (json::textField(labelsOf(**present), DepsLabel) != BakedLabelValue) {
        return fail(errc::DepsNotBaked,
                    "The image " + ref + " is not a baked dependency image: not removed.");
    }
    // By id: a baked image has one tag, and removing by id removes its build steps with it.
    return removalDone(
        client.removeUnusedImage(json::textField(**present, "Id", ref), std::chrono::seconds(120)),
        "The baked image " + ref +
            " is in use by a container (a warm one or a run): try again when it has "
            "finished.");
}

Result<int> pruneBakedImages(engine::Client& client)
{
    auto images = listBakedImages(client);
    if (!images) {
        return std::unexpected(images.error());
    }
    int removed = 0;
    for (const auto& image : *images) {
        auto gone = removeBakedImage(client, image.id);
        if (gone) {
            ++removed;
        } else if (gone.error().code != errc::DepsBusy) {
            return std::unexpected(gone.error());
        }
    }
    return removed;
}

} // namespace agentrun::deps
