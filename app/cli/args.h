#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace agentrun::cli {

/// Walks a command's arguments: `--name value`, `--name=value`, flags and positionals.
class Args
{
public:
    explicit Args(std::span<char* const> args);

    bool done() const { return m_index >= m_args.size(); }
    /// The next argument is an option called `name` (with or without `=value`)?
    bool is(std::string_view name) const;
    /// The value of the option just matched by is(); std::nullopt (and an error printed) when missing.
    std::optional<std::string> value();
    /// Takes the current argument as a positional or flag.
    std::string take();
    std::string_view peek() const { return m_args[m_index]; }

private:
    std::vector<std::string> m_args;
    std::size_t m_index = 0;
};

/// Prints "agentrun: <message>" to stderr and returns 2 (bad usage).
int usageError(std::string_view message);

/// Reads a file, or stdin for "-". Errors are printed; std::nullopt then.
std::optional<std::string> readInput(const std::string& path);

} // namespace agentrun::cli
