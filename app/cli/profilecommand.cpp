#include "args.h"
#include "commands.h"

#include "agentrun/profile/profile.h"

#include <iostream>

namespace agentrun::cli {

namespace {

constexpr const char* ProfileDescription =
    R"(Profiles are named sets of limits, policy and dependency settings, stored as JSON files in
$XDG_CONFIG_HOME/agentrun/profiles (default ~/.config/agentrun/profiles). Built-in (reserved names):
default, agentrun-compat, strict. Use one with `agentrun run --profile NAME`; the options given override it.
Without a subcommand: list.)";

int list(const profile::ProfileStore& store)
{
    for (const auto& name : store.names()) {
        auto loaded = store.load(name);
        std::cout << name << "\t"
                  << (loaded ? loaded->description : "(invalid: " + loaded.error().message + ")") << "\n";
    }
    return 0;
}

} // namespace

void addProfileCommand(CLI::App& app, CommandStatus& status)
{
    CLI::App& command =
        addCommand(app, "profile", "list, show, export, import or delete saved profiles", ProfileDescription);
    command.require_subcommand(0, 1);
    const auto store = [] { return profile::ProfileStore(profile::ProfileStore::defaultDirectory()); };
    command.callback([&command, &status, store] {
        if (command.get_subcommands().empty()) {
            status.value = list(store());
        }
    });

    CLI::App& listCommand = addCommand(command, "list", "names and descriptions", "");
    listCommand.callback([&status, store] { status.value = list(store()); });

    auto name = std::make_shared<std::string>();
    for (const char* action : {"show", "export"}) {
        CLI::App& show =
            addCommand(command, action,
                       std::string(action) == "show" ? "the profile as JSON"
                                                     : "the same, for sharing (redirect to a file)",
                       "");
        show.add_option("NAME", *name, "a profile name (see agentrun profile list)")
            ->type_name("")
            ->required();
        show.callback([name, &status, store] {
            auto loaded = store().load(*name);
            if (!loaded) {
                status.value = usageError(loaded.error().message);
                return;
            }
            std::cout << profile::toJson(*loaded);
            status.value = 0;
        });
    }

    auto file = std::make_shared<std::string>();
    CLI::App& import = addCommand(command, "import", "validate FILE and save it under the name it holds", "");
    import.add_option("FILE", *file, "a profile JSON file (as profile export writes it)")
        ->type_name("")
        ->required();
    import.callback([file, &status, store] {
        const auto profiles = store();
    auto imported = profiles.importFile(*file);
    if (!imported) {
        status.value = usageError(imported.error().message);
        return;
    }
    std::cerr << "agentrun: imported profile \"" << imported->name << "\" into " << profiles.directory()
              << "\n";
    status.value = 0;
});

CLI::App& remove = addCommand(command, "delete", "delete a saved profile (built-ins cannot be deleted)", "");
remove.add_option("NAME", *name, "a saved profile's name")->type_name("")->required();
remove.callback([name, &status, store] {
    const auto profiles = store();
    if (auto removed = profiles.remove(*name); !removed) {
        status.value = usageError(removed.error().message);
        return;
    }
    std::cerr << "agentrun: deleted profile \"" << *name << "\" from " << profiles.directory() << "\n";
    status.value = 0;
});
} // namespace agentrun::cli

} // namespace agentrun::cli
