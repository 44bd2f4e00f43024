#include "args.h"
#include "commands.h"

#include "agentrun/deps/bake.h"
#include "agentrun/deps/installer.h"
#include "agentrun/engine/client.h"
#include "agentrun/errorcodes.h"
#include "agentrun/profile/profile.h"
#include "agentrun/run/executor.h"
#include "agentrun/model/limits.h"
#include "agentrun/run/resultjson.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace agentrun::cli {

namespace {
constexpr const char* DepsUsage =
    R"(Usage: agentrun deps [list [--json] [--baked] | prune | bake [OPTIONS] [SPEC...]]

Installed dependency sets are cached in engine volumes (one per image, source and requirement set), so
a second run with the same packages skips pip. Cached dependencies (a profile's "cached" list) are baked
into an image derived from the sandbox image; runs of that profile use it and install nothing for them.

  list    the cache volumes and the baked images: requirements, source, size, in use
          --json: the cache volumes as JSON; --json --baked: the baked images as JSON
  prune   removes every cache volume and every baked image no container uses
  bake    bakes SPECs (default: the profile's cached dependencies) into agentrun-sandbox-deps:<hash>,
          or reuses it when it is there; pip's and the build's progress go to stderr, the tag to stdout
          --profile P         whitelist, cached list and package source from profile P
          --wheelhouse DIR    install offline from a folder of wheels (default: the profile's)
          --index-url URL     install from an index, with network for the install phase only
          --timeout SECONDS   for the install and for the build (default 600)
          Every SPEC must be in the profile's whitelist ("Some cached dependencies are not in the
          whitelist."); without a profile the SPECs named are the whitelist.
)";

std::atomic<bool> g_cancelBake{false};

engine::Client* connect(std::optional<engine::Client>& slot)
{
    auto endpoint = engine::Endpoint::resolve();
    if (!endpoint) {
        std::cerr << "agentrun: " << endpoint.error().message << "\n";
        return nullptr;
    }
    slot.emplace(*endpoint);
    if (auto info = slot->info(); !info) {
        std::cerr << "agentrun: " << info.error().message << "\n";
        return nullptr;
    }
    return &*slot;
}

std::string sandboxImage()
{
    const char* image = std::getenv("AGENTRUN_IMAGE");
    return image ? image : run::ExecutorConfig{}.image;
}

std::string sizeText(std::int64_t bytes)
{
    return bytes >= 0 ? model::formatSize(bytes) : std::string("size unknown");
}

int bakeCommand(Args& args)
{
    std::optional<profile::Profile> loaded;
    std::vector<std::string> specs;
    std::optional<std::string> wheelhouse;
    std::optional<std::string> indexUrl;
    double timeout = 600;
    while (!args.done()) {
        if (args.is("--profile")) {
            auto name = args.value();
            if (!name) {
                return 2;
            }
            const profile::ProfileStore store(profile::ProfileStore::defaultDirectory());
            auto profile = store.load(*name);
            if (!profile) {
                return usageError(profile.error().message);
            }
            loaded = *profile;
        } else if (args.is("--wheelhouse")) {
            wheelhouse = args.value();
            if (!wheelhouse) {
                return 2;
            }
        } else if (args.is("--index-url")) {
            indexUrl = args.value();
            if (!indexUrl) {
                return 2;
            }
        } else if (args.is("--timeout")) {
            auto value = args.value();
            if (!value) {
                return 2;
            }
            char* end = nullptr;
            timeout = std::strtod(value->c_str(), &end);
            if (end == value->c_str() || *end != '\0' || !(timeout >= 1 && timeout <= 86400)) {
                return usageError("--timeout takes seconds from 1 to 86400, not \"" + *value + "\"");
            }
        } else if (args.is("--help") || args.is("-h")) {
            std::cout << DepsUsage;
            return 0;
        } else if (args.peek().starts_with("-")) {
            return usageError("unknown option " + args.take() + " (see agentrun deps --help)");
        } else {
            specs.push_back(args.take());
        }
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

    std::optional<engine::Client> slot;
    engine::Client* client = connect(slot);
    if (!client) {
        return 3;
    }
    std::signal(SIGINT, [](int) { g_cancelBake.store(true); });
    std::signal(SIGTERM, [](int) { g_cancelBake.store(true); });
    auto baked = deps::bake(
        *client, sandboxImage(), *requirements, source, std::chrono::seconds(static_cast<long>(timeout)),
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

} // namespace

int depsCommand(std::span<char* const> rawArgs)
{
    Args args(rawArgs);
    const std::string action = args.done() ? std::string("list") : args.take();
    if (action == "--help" || action == "-h") {
        std::cout << DepsUsage;
        return 0;
    }
    if (action == "bake") {
        return bakeCommand(args);
    }
    bool json = false;
    bool baked = false;
    while (!args.done()) {
        if (args.is("--help") || args.is("-h")) {
            std::cout << DepsUsage;
            return 0;
        } else if (args.is("--json")) {
            args.take();
            json = true;
        } else if (args.is("--baked")) {
            args.take();
            baked = true;
        } else {
            return usageError("unknown option " + args.take() + " (see agentrun deps --help)");
        }
    }
    if (action != "list" && action != "prune") {
        return usageError("deps takes list, prune or bake, not \"" + action + "\"");
    }
    std::optional<engine::Client> slot;
    engine::Client* client = connect(slot);
    if (!client) {
        return 3;
    }
    deps::Installer installer(*client, sandboxImage());
    if (action == "prune") {
        auto removed = installer.pruneCache();
        if (!removed) {
            std::cerr << "agentrun: " << removed.error().message << "\n";
            return 3;
        }
        auto images = deps::pruneBakedImages(*client);
        if (!images) {
            std::cerr << "agentrun: " << images.error().message << "\n";
            return 3;
        }
        std::cerr << "agentrun: removed " << *removed << " cache volume" << (*removed == 1 ? "" : "s")
                  << " and " << *images << " baked image" << (*images == 1 ? "" : "s") << "\n";
        return 0;
    }
    auto entries = installer.listCache();
    if (!entries) {
        std::cerr << "agentrun: " << entries.error().message << "\n";
        return 3;
    }
    auto images = deps::listBakedImages(*client);
    if (!images) {
        std::cerr << "agentrun: " << images.error().message << "\n";
        return 3;
    }
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

} // namespace agentrun::cli
