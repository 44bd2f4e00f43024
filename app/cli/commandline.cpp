#include "commandline.h"

#include "commands.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>

namespace agentrun::cli {

namespace {

constexpr const char* Description = "agentrun: run LLM-generated Python safely in a hardened container";

constexpr const char* Footer =
    R"(Environment: DOCKER_HOST (unix:///path or tcp://host:port), DOCKER_CONTEXT (a docker CLI context),
DOCKER_TLS_VERIFY and DOCKER_CERT_PATH (TLS to a tcp:// engine), AGENTRUN_IMAGE (sandbox image).
`agentrun help COMMAND` (or `agentrun COMMAND --help`) shows the options of one command.)";

/// CLI11's layout with the usage line first ("Usage: agentrun run [OPTIONS] FILE", as help2man and
/// people expect), then the one-line summary, the arguments, option groups, subcommands and the footer.
class UsageFirstFormatter : public CLI::Formatter
{
public:
    std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override
    {
        if (mode == CLI::AppFormatMode::Sub) {
            return CLI::Formatter::make_help(app, std::move(name), mode);
        }
        std::string out = make_usage(app, std::move(name));
        out += "\n" + make_description(app);
        out += make_positionals(app);
        out += make_groups(app, mode);
        out += make_subcommands(app, mode);
        out += "\n" + make_footer(app);
        return out;
    }
};

/// The help of `command` as CLI11 renders it from the declaration, its usage line naming the whole
/// command ("agentrun deps bake").
std::string helpOf(const CLI::App& command)
{
    std::string parents;
    for (const CLI::App* c = command.get_parent(); c != nullptr; c = c->get_parent()) {
        parents = c->get_name() + (parents.empty() ? "" : " " + parents);
    }
    return command.help(parents);
}

/// Which command's help a usage error points to: the deepest subcommand that was chosen.
const CLI::App* chosen(const CLI::App& app)
{
    const CLI::App* current = &app;
    for (;;) {
        const auto selected = current->get_subcommands();
        if (selected.empty()) {
            return current;
        }
        current = selected.front();
    }
}

std::string commandPath(const CLI::App* command)
{
    std::string path;
    for (const CLI::App* c = command; c != nullptr; c = c->get_parent()) {
        path = c->get_name() + (path.empty() ? "" : " " + path);
    }
    return path;
}

} // namespace

CLI::App& addCommand(CLI::App& parent, const std::string& name, const std::string& summary,
                     const std::string& description)
{
    // CLI11 has one description: the summary, shown in the parent's list and atop the help; the longer
    // text goes below the options, before what the command adds to its footer.
    CLI::App* command = parent.add_subcommand(name, summary);
    command->footer(description); // also clears the footer CLI11 copies from the parent
    command->set_help_flag("-h,--help", "print this help and exit");
    return *command;
}

void appendFooter(CLI::App& command, const std::string& text)
{
    const std::string current = command.get_footer();
    command.footer(current.empty() ? text : current + "\n\n" + text);
}

CLI::Option* addValue(CLI::App& command, const std::string& names, std::string& into, const std::string& help,
                      const std::string& valueName)
{
    return command.add_option(names, into, help)->type_name(valueName)->take_last();
}

CLI::Option* addValue(CLI::App& command, const std::string& names, std::optional<std::string>& into,
                      const std::string& help, const std::string& valueName)
{
    return command.add_option(names, into, help)->type_name(valueName)->take_last();
}

CLI::Option* addRepeated(CLI::App& command, const std::string& names, std::vector<std::string>& into,
                         const std::string& help, const std::string& valueName)
{
    return command.add_option(names, into, help)->type_name(valueName)->allow_extra_args(false);
}

int runCommandLine(int argc, char** argv)
{
    CLI::App app(Description, "agentrun");
    app.set_help_flag("-h,--help", "print this help and exit");
    app.set_version_flag("--version", "agentrun " AGENTRUN_VERSION_STRING, "print the version and exit");
    app.footer(Footer);
    auto formatter = std::make_shared<UsageFirstFormatter>();
    formatter->column_width(28);
    formatter->label("Positionals", "Arguments");
    formatter->label("REQUIRED", "(required)");
    app.formatter(formatter);
    app.require_subcommand(1);

    // `agentrun --context NAME COMMAND`: a context of the docker CLI's store, as `docker --context NAME`.
    // Like the docker CLI's flag it wins over DOCKER_HOST; every command then resolves the engine through
    // DOCKER_CONTEXT (engine::Endpoint::resolve), so it is set here before any command runs.
    std::string contextName;
    app.add_option("--context", contextName,
                   "the docker CLI context to reach the engine through (over DOCKER_HOST and "
                   "DOCKER_CONTEXT); `docker context ls` lists them")
        ->type_name("NAME")
        ->trigger_on_parse()
        ->check([](const std::string& name) {
            return name.empty() ? std::string("--context needs the name of a docker context") : std::string();
        })
        ->each([](const std::string& name) {
            ::setenv("DOCKER_CONTEXT", name.c_str(), 1); // NOLINT(concurrency-mt-unsafe): before any thread
            ::unsetenv("DOCKER_HOST");                   // NOLINT(concurrency-mt-unsafe)
        });

    CommandStatus status;
    addRunCommand(app, status);
    addCheckCommand(app, status);
    addServeCommand(app, status);
    addMcpCommand(app, status);
    addSessionCommand(app, status);
    addToolSchemaCommand(app, status);
    addImageCommand(app, status);
    addProfileCommand(app, status);
    addDepsCommand(app, status);
    addDoctorCommand(app, status);
    addHistoryCommand(app, status);

    // `agentrun help COMMAND [SUBCOMMAND]` is `agentrun COMMAND [SUBCOMMAND] --help`.
    std::vector<std::string> topic;
    CLI::App& help = addCommand(app, "help", "print the help of a command", "");
    help.add_option("COMMAND", topic, "a command (and subcommand), e.g. run or deps bake")->type_name("");
    help.callback([&] {
        const CLI::App* target = &app;
        for (const auto& word : topic) {
            const CLI::App* next = nullptr;
            try {
                next = target->get_subcommand(word);
            } catch (const CLI::OptionNotFound&) {
            }
            if (next == nullptr || next->get_name() == "help") {
                std::cerr << "agentrun: no command \"" << word << "\" in " << commandPath(target)
                          << "; see agentrun --help\n";
                status.value = 2;
                return;
            }
            target = next;
        }
        std::cout << helpOf(*target);
        status.value = 0;
    });

    if (argc < 2) {
        std::cerr << helpOf(app);
        return 2;
    }
    if (const std::string first = argv[1]; !first.starts_with('-')) {
        const auto commands = app.get_subcommands([](const CLI::App*) { return true; });
        const bool known = std::any_of(commands.begin(), commands.end(),
                                       [&](const CLI::App* c) { return c->get_name() == first; });
        if (!known) {
            std::cerr << "agentrun: unknown command \"" << first << "\" (see agentrun --help)\n";
            return 2;
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::cout << helpOf(*chosen(app));
        return 0;
    } catch (const CLI::CallForVersion& e) {
        std::cout << e.what() << "\n";
        return 0;
    } catch (const CLI::ParseError& e) {
        const CLI::App* where = chosen(app);
        std::string message = e.what();
        // "The following argument was not expected: --frob" says less than "unknown option --frob".
        constexpr std::string_view extra = "The following argument was not expected: ";
        if (message.starts_with(extra) && message.size() > extra.size() && message[extra.size()] == '-') {
            message = "unknown option " + message.substr(extra.size());
        } else if (message.starts_with(extra)) {
            message = "unexpected argument " + message.substr(extra.size());
        } else if (message == "A subcommand is required") {
            // "image needs build or status" says what to type.
            std::string names;
            const auto subcommands = where->get_subcommands([](const CLI::App*) { return true; });
            for (std::size_t i = 0; i < subcommands.size(); ++i) {
                names += (i == 0                        ? ""
                          : i + 1 == subcommands.size() ? " or "
                                                        : ", ") +
                         subcommands[i]->get_name();
            }
            message = where->get_name() + " needs a subcommand: " + names;
        }
        std::cerr << "agentrun: " << message << " (see " << commandPath(where) << " --help)\n";
        return 2;
    }
    return status.value;
}

} // namespace agentrun::cli
