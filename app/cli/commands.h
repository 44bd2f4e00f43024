#pragma once

#include "commandline.h"

#include <span>

namespace agentrun::cli {

// Each command declares its options on a subcommand of `app`; its callback sets the exit status.
void addRunCommand(CLI::App& app, CommandStatus& status);
void addCheckCommand(CLI::App& app, CommandStatus& status);
void addDoctorCommand(CLI::App& app, CommandStatus& status);
void addProfileCommand(CLI::App& app, CommandStatus& status);
void addServeCommand(CLI::App& app, CommandStatus& status);
void addMcpCommand(CLI::App& app, CommandStatus& status);

// Commands that still walk their own arguments (args.h); they get everything after their name.
int imageCommand(std::span<char* const> args);
int depsCommand(std::span<char* const> args);
int historyCommand(std::span<char* const> args);

} // namespace agentrun::cli
