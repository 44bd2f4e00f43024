#pragma once

#include <span>

namespace agentrun::cli {

// Each command gets the arguments after its name and returns the process exit status.
int runCommand(std::span<char* const> args);
int checkCommand(std::span<char* const> args);
int doctorCommand(std::span<char* const> args);
int serveCommand(std::span<char* const> args);
int imageCommand(std::span<char* const> args);
int profileCommand(std::span<char* const> args);
int depsCommand(std::span<char* const> args);
int historyCommand(std::span<char* const> args);

} // namespace agentrun::cli
