#include "args.h"
#include "commands.h"
#include "limitflags.h"

#include "agentrun/deps/bake.h"
#include "agentrun/deps/installer.h"
#include "agentrun/engine/client.h"
#include "agentrun/errorcodes.h"
#include "agentrun/profile/profile.h"
#include "agentrun/run/cacheservice.h"
#include "agentrun/run/executorconfig.h"
#include "agentrun/model/limits.h"
#include "agentrun/run/resultjson.h"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>

namespace agentrun::cli {

namespace {

constexpr const char* DepsDescription =
    R"(Installed dependency sets are cached in engine volumes (one per image, source and requirement set), so
a second run with the same packages skips pip. Cached dependencies (a profile's "cached" list) are baked
into an image derived from the sandbox image ($AGENTRUN_IMAGE, else agentrun-sandbox:latest); runs of
that profile use it and install nothing for them. Without a subcommand: list. Exit 0 done, 3 engine
unavailable.)";

constexpr const char* BakeDescription =
    R"(Bakes SPECs (default: the profile's cached dependencies) into agentrun-sandbox-deps:<hash>, or reuses
it when it is there; pip's and the build's progress go to stderr, the tag to stdout. Every SPEC must be
in the profile's whitelist ("Some cached dependencies are not in the whitelist."); without a profile the
SPECs named are the whitelist. Exit 0 baked or reused, 1 refused or failed, 2 bad usage, 3 engine
unavailable.)";

struct ListOptions
{
    bool json = false;
    bool baked = false;
};

struct BakeOptions
{
    std::optional<std::string> profile;
    std::vector<std::string> specs;
    std::optional<std::string> wheelhouse;
    std::optional<std::string> indexUrl;
    std::optional<std::string> timeout;
};

std::atomic<bool> g_cancelBake{false};

std::string sizeText(std::int64_t bytes)
{
    return bytes >= 0 ? model::formatSize(bytes) : std::string("size unknown");
}

int bakeCommand(const BakeOptions& options)
{
    std::optional<profile::Profile> loaded;
    std::vector<std::string> specs = options.specs;
    if (options.profile) {
        const profile::ProfileStore store(profile::ProfileStore::defaultDirectory());
        auto profile = store.load(*options.profile);
        if (!profile) {
            return usageError(profile.error().message);
        }
        loaded = *profile;
    }
    const std::optional<std::string>& wheelhouse = options.wheelhouse;
    const std::optional<std::string>& indexUrl = options.indexUrl;
    double timeout = 600;
    if (options.timeout && (!parseNumber(*options.timeout, timeout) || !(timeout >= 1 && timeout <= 86400))) {
        return usageError("--timeout takes seconds from 1 to 86400, not \"" + *options.timeout + "\"");
    }
    if (specs.empty() && loaded) {
        specs = loaded->cached;
    }
    if (specs.empty()) {
        return usageError(loaded ? "the profile " + loaded->name + " has no cached dependencies to bake"
                                 : "name the packages to bake, or --profile P for its cached dependencies");
    }
    auto whitelist = deps::Whitelist::parse(loaded ? loaded->allow : specs);
    if (!whitelist) {
        return usageError(whitelist.error().message);
    }
    auto requirements = deps::cachedRequirements(specs, *whitelist);
    if (!requirements) {
        std::cerr << "agentrun: " << requirements.error().message << "\n";
        return 1;
    }
    deps::InstallSource source;
    if (wheelhouse || indexUrl) {
        source.wheelhouse =
            wheelhouse ? std::filesystem::absolute(*wheelhouse).lexically_normal().string() : "";
        source.indexUrl = indexUrl.value_or("");
    } else if (loaded) {
        source.wheelhouse = loaded->wheelhouse;
        source.indexUrl = loaded->wheelhouse.empty() ? loaded->indexUrl : std::string();
    }
    if (source.wheelhouse.empty() && source.indexUrl.empty()) {
        return usageError("say where the packages come from: --wheelhouse DIR or --index-url URL");
    }
    if (!source.wheelhouse.empty() && !source.indexUrl.empty()) {
        return usageError("give --wheelhouse or --index-url, not both");
    }

    run::CacheService cache(run::configFromEnvironment());
    std::signal(SIGINT, [](int) { g_cancelBake.store(true); });
    std::signal(SIGTERM, [](int) { g_cancelBake.store(true); });
    auto baked = cache.bake(
        *requirements, source, std::chrono::seconds(static_cast<long>(timeout)),
        [](std::string_view line) { std::cerr << "agentrun: bake: " << line << "\n"; }, g_cancelBake);
    if (!baked) {
        std::cerr << "agentrun: " << baked.error().message << "\n";
        return errc::kindOf(baked.error().code) == errc::Kind::Unavailable ? 3 : 1;
    }
    std::cerr << "agentrun: " << (baked->reused ? "already baked" : "baked") << " in "
              << static_cast<long>(baked->ms) << " ms\n";
    std::cout << baked->image << "\n";
    return 0;
}

int pruneCommand()
{
    run::CacheService cache(run::configFromEnvironment());
    auto removed = cache.prune();
    if (!removed) {
        std::cerr << "agentrun: " << removed.error().message << "\n";
        return 3;
    }
    std::cerr << "agentrun: removed " << removed->volumes << " cache volume"
              << (removed->volumes == 1 ? "" : "s") << " and " << removed->images << " baked image"
              << (removed->images == 1 ? "" : "s") << "\n";
    return 0;
}

int listCommand(const ListOptions& options)
{
    run::CacheService cache(run::configFromEnvironment());
    auto listing = cache.list();
    if (!listing) {
        std::cerr << "agentrun: " << listing.error().message << "\n";
        return 3;
    }
    const auto* entries = &listing->volumes;
    const auto* images = &listing->baked;
    const bool json = options.json;
    const bool baked = options.baked;
    if (json) {
        nlohmann::json list = nlohmann::json::array();
        if (baked) {
            for (const auto& image : *images) {
                list.push_back({{"image", image.tag},
                                {"id", image.id},
                                {"requirements", image.requirements},
                                {"base_image", image.baseImage},
                                {"source", image.source},
                                {"created", image.created},
                                {"size_bytes", image.sizeBytes}});
            }
        } else {
            for (const auto& entry : *entries) {
                list.push_back({{"volume", entry.volume},
                                {"requirements", entry.requirements},
                                {"image", entry.image},
                                {"source", entry.source},
                                {"created", entry.created},
                                {"size_bytes", entry.sizeBytes},
                                {"in_use", entry.inUse}});
            }
        }
        std::cout << run::dumpJson(list, 2) << "\n";
        return 0;
    }
    if (!baked) {
        if (entries->empty()) {
            std::cout << "no cached dependency sets\n";
        }
        for (const auto& entry : *entries) {
            std::cout << entry.volume << "  " << entry.requirements << "  (" << entry.source << ", "
                      << sizeText(entry.sizeBytes) << (entry.inUse ? ", in use" : "") << ")\n";
        }
    }
    if (images->empty()) {
        std::cout << "no baked dependency images\n";
    }
    for (const auto& image : *images) {
        std::cout << image.tag << "  " << image.requirements << "  (baked image, " << image.source << ", "
                  << sizeText(image.sizeBytes) << ")\n";
    }
    return 0;
}

} // namespace

void addDepsCommand(CLI::App& app, CommandStatus& status)
{
    CLI::App& command = addCommand(app, "deps", "cached dependency sets and baked images: list, prune, bake",
                                   DepsDescription);
    command.require_subcommand(0, 1);
    auto list = std::make_shared<ListOptions>();
    command.callback([&command, list, &status] {
        if (command.get_subcommands().empty()) {
            status.value = listCommand(*list);
        }
    });

    CLI::App& listing = addCommand(
        command, "list", "the cache volumes and the baked images: requirements, source, size, in use", "");
    listing.add_flag("--json", list->json, "the cache volumes as JSON (with --baked: the baked images)");
    listing.add_flag("--baked", list->baked, "only the baked images");
    listing.callback([list, &status] { status.value = listCommand(*list); });

    CLI::App& prune =
        addCommand(command, "prune", "remove every cache volume and baked image no container uses", "");
    prune.callback([&status] { status.value = pruneCommand(); });

    auto bake = std::make_shared<BakeOptions>();
    CLI::App& baking = addCommand(
        command, "bake", "bake packages into an image derived from the sandbox image", BakeDescription);
    addValue(baking, "--profile", bake->profile, "whitelist, cached list and package source from profile P",
             "P");
    addValue(baking, "--wheelhouse", bake->wheelhouse,
             "install offline from a folder of wheels (default: the profile's)", "DIR");
    addValue(baking, "--index-url", bake->indexUrl,
             "install from an index, with network for the install phase only", "URL");
    addValue(baking, "--timeout", bake->timeout, "for the install and for the build, 1..86400 (default 600)",
             "SECONDS");
    baking
        .add_option("SPEC", bake->specs,
                    "a distribution, optionally pinned (default: the profile's cached list)")
        ->type_name("");
    baking.callback([bake, &status] { status.value = bakeCommand(*bake); });
}

} // namespace agentrun::cli
