#include "args.h"
#include "commands.h"

#include "agentrun/profile/profile.h"

#include <iostream>

namespace agentrun::cli {

namespace {
constexpr const char* ProfileUsage = R"(Usage: agentrun profile [list | show NAME | export NAME | import FILE]

Profiles are named sets of limits, policy and dependency settings, stored as JSON files in
$XDG_CONFIG_HOME/agentrun/profiles (default ~/.config/agentrun/profiles). Built-in: default,
agentrun-compat, strict. Use one with `agentrun run --profile NAME`; options given after it override it.

  list          names and descriptions
  show NAME     the profile as JSON
  export NAME   the same, for sharing (redirect to a file)
  import FILE   validate FILE and save it under the name it holds
)";
}

int profileCommand(std::span<char* const> rawArgs)
{
    Args args(rawArgs);
    const std::string action = args.done() ? std::string("list") : args.take();
    if (action == "--help" || action == "-h") {
        std::cout << ProfileUsage;
        return 0;
    }
    const profile::ProfileStore store(profile::ProfileStore::defaultDirectory());
    if (action == "list") {
        for (const auto& name : store.names()) {
            auto loaded = store.load(name);
            std::cout << name << "\t"
                      << (loaded ? loaded->description : "(invalid: " + loaded.error().message + ")") << "\n";
        }
        return 0;
    }
    if (args.done()) {
        return usageError("profile " + action + " needs an argument; see agentrun profile --help");
    }
    const std::string argument = args.take();
    if (action == "show" || action == "export") {
        auto loaded = store.load(argument);
        if (!loaded) {
            return usageError(loaded.error().message);
        }
        std::cout << profile::toJson(*loaded);
        return 0;
    }
    if (action == "import") {
        auto imported = store.importFile(argument);
        if (!imported) {
            return usageError(imported.error().message);
        }
        std::cerr << "agentrun: imported profile \"" << imported->name << "\" into " << store.directory()
                  << "\n";
        return 0;
    }
    return usageError("profile takes list, show, export or import, not \"" + action + "\"");
}

} // namespace agentrun::cli
