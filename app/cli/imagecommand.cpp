#include "args.h"
#include "commands.h"

#include "agentrun/model/limits.h"
#include "agentrun/run/resultjson.h"
#include "agentrun/sandbox/imagebuilder.h"

#include <iostream>
#include <unistd.h>

namespace agentrun::cli {

namespace {

constexpr const char* ImageUsage = R"(Usage: agentrun image build [--offline] [--base REF] [--force]
       agentrun image status [--json]

build   builds the sandbox image agentrun-sandbox:latest through the engine's API, from
        packaging/sandbox/Dockerfile and resources/agent/. Skipped when the image is current (its
        org.agentrun.image-hash label matches the sources) unless --force.
        --base REF   base image (default python:3.11-slim when present, else agentrun-base:bookworm)
        --offline    use the offline base agentrun-base:bookworm (made by packaging/sandbox/build-base.sh)
status  is the image present and current? Exit 0 current, 1 present but out of date, 3 missing.
)";

Result<engine::Client*> connect(std::unique_ptr<engine::Client>& holder)
{
    auto endpoint = engine::Endpoint::resolve();
    if (!endpoint) {
        return std::unexpected(endpoint.error());
    }
    holder = std::make_unique<engine::Client>(*endpoint);
    if (auto info = holder->info(); !info) {
        return std::unexpected(info.error());
    }
    return holder.get();
}

} // namespace

int imageCommand(std::span<char* const> rawArgs)
{
    Args args(rawArgs);
    if (args.done()) {
        std::cerr << ImageUsage;
        return 2;
    }
    const std::string action = args.take();
    if (action == "--help" || action == "-h") {
        std::cout << ImageUsage;
        return 0;
    }
    bool json = false;
    bool force = false;
    std::string base;
    while (!args.done()) {
        if (args.is("--json")) {
            args.take();
            json = true;
        } else if (args.is("--force")) {
            args.take();
            force = true;
        } else if (args.is("--offline")) {
            args.take();
            base = sandbox::OfflineBase;
        } else if (args.is("--base")) {
            auto value = args.value();
            if (!value) {
                return 2;
            }
            base = *value;
        } else if (args.is("--help") || args.is("-h")) {
            std::cout << ImageUsage;
            return 0;
        } else {
            return usageError("unknown option " + args.take() + " (see agentrun image --help)");
        }
    }
    if (action != "build" && action != "status") {
        return usageError("image takes build or status, not \"" + action + "\"");
    }
    auto root = sandbox::locateSandboxSources();
    if (!root) {
        return usageError(root.error().message);
    }
    auto inputs = sandbox::readSandboxInputs(*root);
    if (!inputs) {
        return usageError(inputs.error().message);
    }
    std::unique_ptr<engine::Client> holder;
    auto client = connect(holder);
    if (!client) {
        std::cerr << "agentrun: " << client.error().message << "\n";
        return 3;
    }
    auto status = sandbox::sandboxImageStatus(**client, *inputs);
    if (!status) {
        std::cerr << "agentrun: " << status.error().message << "\n";
        return 3;
    }
    if (action == "status") {
        if (json) {
            std::cout << run::dumpJson({{"image", sandbox::SandboxImage},
                                        {"present", status->present},
                                        {"current", status->current},
                                        {"id", status->id},
                                        {"python_version", status->pythonVersion},
                                        {"size_bytes", status->sizeBytes},
                                        {"sources_hash", inputs->hash}})
                      << "\n";
        } else if (!status->present) {
            std::cout << sandbox::SandboxImage << ": missing; build it with `agentrun image build`\n";
        } else {
            std::cout << sandbox::SandboxImage << ": " << (status->current ? "current" : "out of date")
                      << " (" << status->id.substr(0, 19) << ", Python " << status->pythonVersion << ", "
                      << model::formatSize(status->sizeBytes) << ")\n";
        }
        return !status->present ? 3 : status->current ? 0 : 1;
    }

    if (status->present && status->current && !force) {
        std::cerr << "agentrun: " << sandbox::SandboxImage << " is current (hash "
                  << inputs->hash.substr(0, 12) << "), skipped; --force rebuilds it\n";
        return 0;
    }
    if (base.empty()) {
        base = (*client)->inspectImage(sandbox::DefaultBase) ? sandbox::DefaultBase : sandbox::OfflineBase;
    }
    std::cerr << "agentrun: building " << sandbox::SandboxImage << " on " << base << "\n";
    const bool terminal = ::isatty(STDERR_FILENO) != 0;
    std::atomic<bool> cancel{false};
    auto built = sandbox::buildSandboxImage(
        **client, *inputs, base, sandbox::SandboxImage,
        [&](std::string_view line) {
            if (terminal || line.starts_with("Step ")) {
                std::cerr << "agentrun: " << line << "\n";
            }
        },
        cancel);
    if (!built) {
        std::cerr << "agentrun: " << built.error().message << "\n";
        return 3;
    }
    std::cerr << "agentrun: built " << sandbox::SandboxImage << " (" << built->substr(0, 19) << ")\n";
    return 0;
}

} // namespace agentrun::cli
