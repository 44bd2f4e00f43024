#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace agentrun::cli {

/// The exit status the chosen command's callback sets (2 until a command ran).
struct CommandStatus
{
    int value = 2;
};

/// Every command declares its options once on its own CLI::App; parsing, `--help`, `agentrun help COMMAND`,
/// the man pages and docs/reference all come from that one declaration.
/// Adds the subcommand `name` with the one-line `summary` (the top-level list) and the longer text of
/// its --help.
CLI::App& addCommand(CLI::App& parent, const std::string& name, const std::string& summary,
                     const std::string& description);

/// Adds a paragraph at the end of the command's help (after its description).
void appendFooter(CLI::App& command, const std::string& text);

/// One value option of a person's command line: `--name VALUE` and `--name=VALUE`, taken once (the last
/// one counts), shown as `VALUE` in the help.
CLI::Option* addValue(CLI::App& command, const std::string& names, std::string& into, const std::string& help,
                      const std::string& valueName);

CLI::Option* addValue(CLI::App& command, const std::string& names, std::optional<std::string>& into,
                      const std::string& help, const std::string& valueName);

/// A repeatable value option (`--allow A --allow B`): each occurrence takes exactly one value.
CLI::Option* addRepeated(CLI::App& command, const std::string& names, std::vector<std::string>& into,
                         const std::string& help, const std::string& valueName);

/// Declares every command, parses argv and runs the chosen command; returns the process exit status
/// (2 on bad usage, with "agentrun: <what is wrong>" and where to look on stderr).
int runCommandLine(int argc, char** argv);

} // namespace agentrun::cli
