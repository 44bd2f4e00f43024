#include "commands.h"

#include <cstring>
#include <iostream>
#include <span>
#include <string_view>

namespace {

constexpr const char* Usage = R"(agentrun: run LLM-generated Python safely in a hardened container

Usage:
  agentrun run [OPTIONS] FILE|-        run a Python file (or stdin) in a fresh sandbox
  agentrun check [--policy P] [--json] FILE|-
                                       static safety check only; exit 0 allowed, 1 blocked
  agentrun serve [--listen HOST:PORT] [--token-file F]
                                       REST server (AgentRun-compatible /v1/run/ and /v2)
  agentrun image build [--offline] [--base REF] [--force] | image status [--json]
  agentrun profile [list|show NAME|export NAME|import FILE]
  agentrun deps [list | prune | bake]    cached dependency sets and baked images
  agentrun doctor [--json]             is the engine reachable? runtimes, image, cgroups
  agentrun history [list|show ID] [--json]
                                       runs recorded by run and serve (blocked ones too)
  agentrun COMMAND --help              options of one command

Environment: DOCKER_HOST (unix:///path or tcp://host:port), AGENTRUN_IMAGE (sandbox image).
)";

} // namespace

int main(int argc, char** argv)
{
    using namespace agentrun::cli;
    if (argc < 2) {
        std::cerr << Usage;
        return 2;
    }
    const std::string_view command = argv[1];
    const std::span<char* const> rest(argv + 2, static_cast<std::size_t>(argc - 2));
    if (command == "run") {
        return runCommand(rest);
    }
    if (command == "check") {
        return checkCommand(rest);
    }
    if (command == "doctor") {
        return doctorCommand(rest);
    }
    if (command == "deps") {
        return depsCommand(rest);
    }
    if (command == "profile") {
        return profileCommand(rest);
    }
    if (command == "image") {
        return imageCommand(rest);
    }
    if (command == "serve") {
        return serveCommand(rest);
    }
    if (command == "history") {
        return historyCommand(rest);
    }
    if (command == "--help" || command == "-h" || command == "help") {
        std::cout << Usage;
        return 0;
    }
    if (command == "--version") {
        std::cout << "agentrun " << AGENTRUN_VERSION_STRING << "\n";
        return 0;
    }
    std::cerr << "agentrun: unknown command \"" << command << "\"\n\n" << Usage;
    return 2;
}
