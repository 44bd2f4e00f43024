#include "args.h"
#include "commands.h"

#include "agentrun/run/executorconfig.h"
#include "agentrun/errorcodes.h"
#include "agentrun/run/imageservice.h"
#include "agentrun/model/limits.h"
#include "agentrun/run/resultjson.h"
#include "agentrun/sandbox/imagebuilder.h"

#include <iostream>
#include <unistd.h>

namespace agentrun::cli {

namespace {

constexpr const char* ImageDescription =
    R"(The sandbox image is the configured one: $AGENTRUN_IMAGE, else agentrun-sandbox:latest, on the
engine at $DOCKER_HOST (else the default socket).)";

constexpr const char* BuildDescription =
    R"(Builds the sandbox image through the engine's API, from packaging/sandbox/Dockerfile and
resources/agent/. Skipped when the image is current (its org.agentrun.image-hash label matches the
sources) unless --force. --variant datascience builds agentrun-sandbox:datascience on the offline base
agentrun-base:bookworm-datascience (Debian's numpy, pandas, matplotlib and scipy; made by
packaging/sandbox/build-base.sh --variant datascience); run code in it with
AGENTRUN_IMAGE=agentrun-sandbox:datascience. Exit 0 built or current, 2 sources not found or unknown
variant, 3 engine or base missing.)";

constexpr const char* StatusDescription =
    R"(Is the image present and current? Exit 0 current, 1 present but out of date, 3 missing (or the
engine unreachable).)";

struct ImageOptions
{
    bool json = false;
    bool force = false;
    bool offline = false;
    std::string base;
    std::string variant;
};

/// The engine configuration of a command: --variant names the image (and its base), else the
/// environment does (AGENTRUN_IMAGE).
run::ExecutorConfig configFor(const ImageOptions& options)
{
    auto config = run::configFromEnvironment();
    for (const auto& variant : sandbox::ImageVariants) {
        if (options.variant == variant.name) {
            config.image = variant.image;
        }
    }
    return config;
}

const sandbox::ImageVariant* findVariant(const std::string& name)
{
    for (const auto& variant : sandbox::ImageVariants) {
        if (name == variant.name) {
            return &variant;
        }
    }
    return nullptr;
}

/// The exit status of a failed service call: 2 when the sources are missing (set AGENTRUN_DATA_DIR),
/// 3 for the engine.
int failed(const Error& error)
{
    if (error.code == errc::ImageSources) {
        return usageError(error.message);
    }
    std::cerr << "agentrun: " << error.message << "\n";
    return 3;
}

int status(const ImageOptions& options)
{
    run::ImageService images(configFor(options));
    auto state = images.status();
    if (!state) {
        return failed(state.error());
    }
    if (options.json) {
        std::cout << run::dumpJson({{"image", state->image},
                                    {"present", state->present},
                                    {"current", state->current},
                                    {"id", state->id},
                                    {"python_version", state->pythonVersion},
                                    {"size_bytes", state->sizeBytes},
                                    {"sources_hash", state->sourcesHash}})
                  << "\n";
    } else if (!state->present) {
        std::cout << state->image << ": missing; build it with `agentrun image build`\n";
    } else {
        std::cout << state->image << ": " << (state->current ? "current" : "out of date") << " ("
                  << state->id.substr(0, 19) << ", Python " << state->pythonVersion << ", "
                  << model::formatSize(state->sizeBytes) << ")\n";
    }
    return !state->present ? 3 : state->current ? 0 : 1;
}

int build(const ImageOptions& options)
{
    const sandbox::ImageVariant* variant = options.variant.empty() ? nullptr : findVariant(options.variant);
    if (variant != nullptr && std::string_view(variant->name) != "default" && options.base.empty()) {
        // A variant's packages come with its base: never a slim image, never a package index.
        ImageOptions withBase = options;
        withBase.base = variant->base;
        return build(withBase);
    }
    run::ImageService images(configFor(options));
    auto state = images.status();
    if (!state) {
        return failed(state.error());
    }
    if (state->present && state->current && !options.force) {
        std::cerr << "agentrun: " << state->image << " is current (hash " << state->sourcesHash.substr(0, 12)
                  << "), skipped; --force rebuilds it\n";
        return 0;
    }
    std::string base = !options.base.empty() ? options.base : options.offline ? sandbox::OfflineBase : "";
    if (base.empty()) {
        auto chosen = images.defaultBase();
        if (!chosen) {
            return failed(chosen.error());
        }
        base = *chosen;
    }
    std::cerr << "agentrun: building " << state->image << " on " << base << "\n";
    const bool terminal = ::isatty(STDERR_FILENO) != 0;
    std::atomic<bool> cancel{false};
    auto built = images.build(
        base,
        [&](std::string_view line) {
            if (terminal || line.starts_with("Step ")) {
                std::cerr << "agentrun: " << line << "\n";
            }
        },
        cancel);
    if (!built) {
        return failed(built.error());
    }
    std::cerr << "agentrun: built " << state->image << " (" << built->substr(0, 19) << ")\n";
    return 0;
}

} // namespace

void addImageCommand(CLI::App& app, CommandStatus& status)
{
    auto options = std::make_shared<ImageOptions>();
    CLI::App& command =
        addCommand(app, "image", "build the sandbox image, or show its status", ImageDescription);
    command.require_subcommand(1);

    CLI::App& buildCommand =
        addCommand(command, "build", "build the sandbox image (skipped when current)", BuildDescription);
    addValue(buildCommand, "--base", options->base,
             "base image (default python:3.11-slim when the engine has it, else agentrun-base:bookworm)",
             "REF");
    buildCommand.add_flag(
        "--offline", options->offline,
        "use the offline base agentrun-base:bookworm (made by packaging/sandbox/build-base.sh)");
    buildCommand
        .add_option(
            "--variant", options->variant,
            "default, or datascience: agentrun-sandbox:datascience on agentrun-base:bookworm-datascience")
        ->type_name("NAME")
        ->check(CLI::IsMember({"default", "datascience"}));
    buildCommand.add_flag("--force", options->force, "rebuild even when the image is current");
    buildCommand.callback([options, &status] { status.value = build(*options); });

    CLI::App& statusCommand =
        addCommand(command, "status", "is the image present and current?", StatusDescription);
    statusCommand.add_flag("--json", options->json, "one JSON object");
    statusCommand
        .add_option("--variant", options->variant, "default or datascience: the image of that variant")
        ->type_name("NAME")
        ->check(CLI::IsMember({"default", "datascience"}));
    statusCommand.callback([options, &status] { status.value = agentrun::cli::status(*options); });
}

} // namespace agentrun::cli
