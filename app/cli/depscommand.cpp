#include "args.h"
#include "commands.h"

#include "agentrun/deps/installer.h"
#include "agentrun/engine/client.h"
#include "agentrun/run/executor.h"
#include "agentrun/run/limits.h"
#include "agentrun/run/resultjson.h"

#include <cstdlib>
#include <iostream>

namespace agentrun::cli {

namespace {
constexpr const char* DepsUsage = R"(Usage: agentrun deps [list [--json] | prune]

Installed dependency sets are cached in engine volumes (one per image, source and requirement set), so
a second run with the same packages skips pip.

  list    the cache volumes: requirements, source, size, in use
  prune   removes every cache volume no container uses
)";
}

int depsCommand(std::span<char* const> rawArgs)
{
    Args args(rawArgs);
    const std::string action = args.done() ? std::string("list") : args.take();
    if (action == "--help" || action == "-h") {
        std::cout << DepsUsage;
        return 0;
    }
    bool json = false;
    while (!args.done()) {
        if (args.is("--json")) {
            args.take();
            json = true;
        } else {
            return usageError("unknown option " + args.take() + " (see agentrun deps --help)");
        }
    }
    if (action != "list" && action != "prune") {
        return usageError("deps takes list or prune, not \"" + action + "\"");
    }
    auto endpoint = engine::Endpoint::resolve();
    if (!endpoint) {
        return usageError(endpoint.error().message);
    }
    engine::Client client(*endpoint);
    if (auto info = client.info(); !info) {
        std::cerr << "agentrun: " << info.error().message << "\n";
        return 3;
    }
    const char* image = std::getenv("AGENTRUN_IMAGE");
    deps::Installer installer(client, image ? image : run::ExecutorConfig{}.image);
    if (action == "prune") {
        auto removed = installer.pruneCache();
        if (!removed) {
            std::cerr << "agentrun: " << removed.error().message << "\n";
            return 3;
        }
        std::cerr << "agentrun: removed " << *removed << " cache volume" << (*removed == 1 ? "" : "s")
                  << "\n";
        return 0;
    }
    auto entries = installer.listCache();
    if (!entries) {
        std::cerr << "agentrun: " << entries.error().message << "\n";
        return 3;
    }
    if (json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& entry : *entries) {
            list.push_back({{"volume", entry.volume},
                            {"requirements", entry.requirements},
                            {"image", entry.image},
                            {"source", entry.source},
                            {"created", entry.created},
                            {"size_bytes", entry.sizeBytes},
                            {"in_use", entry.inUse}});
        }
        std::cout << run::dumpJson(list, 2) << "\n";
        return 0;
    }
    if (entries->empty()) {
        std::cout << "no cached dependency sets\n";
    }
    for (const auto& entry : *entries) {
        std::cout << entry.volume << "  " << entry.requirements << "  (" << entry.source << ", "
                  << (entry.sizeBytes >= 0 ? run::formatSize(entry.sizeBytes) : std::string("size unknown"))
                  << (entry.inUse ? ", in use" : "") << ")\n";
    }
    return 0;
}

} // namespace agentrun::cli
