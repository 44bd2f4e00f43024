#pragma once

#include "commandline.h"

namespace agentrun::cli {

// Each command declares its options on a subcommand of `app`; its callback sets the exit status.
void addRunCommand(CLI::App& app, CommandStatus& status);
void addCheckCommand(CLI::App& app, CommandStatus& status);
void addDoctorCommand(CLI::App& app, CommandStatus& status);
void addProfileCommand(CLI::App& app, CommandStatus& status);
void addServeCommand(CLI::App& app, CommandStatus& status);
void addImageCommand(CLI::App& app, CommandStatus& status);
void addDepsCommand(CLI::App& app, CommandStatus& status);
void addHistoryCommand(CLI::App& app, CommandStatus& status);
void addMcpCommand(CLI::App& app, CommandStatus& status);
void addSessionCommand(CLI::App& app, CommandStatus& status);
void addToolSchemaCommand(CLI::App& app, CommandStatus& status);

} // namespace agentrun::cli
