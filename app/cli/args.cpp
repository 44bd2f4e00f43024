#include "args.h"

#include "agentrun/userfile.h"

#include <cstdio>
#include <iostream>
#include <sstream>

namespace agentrun::cli {

namespace {
constexpr std::uint64_t MaxInputBytes = 64ULL
                                        << 20; ///< a snippet or stdin data; the executor caps both lower
} // namespace

Args::Args(std::span<char* const> args) : m_args(args.begin(), args.end()) {}

bool Args::is(std::string_view name) const
{
    if (done()) {
        return false;
    }
    const std::string_view current = m_args[m_index];
    return current == name ||
           (current.starts_with(name) && current.size() > name.size() && current[name.size()] == '=');
}

std::optional<std::string> Args::value()
{
    const std::string current = m_args[m_index++];
    const auto equals = current.find('=');
    if (equals != std::string::npos) {
        return current.substr(equals + 1);
    }
    if (done()) {
        usageError("option " + current + " needs a value");
        return std::nullopt;
    }
    return m_args[m_index++];
}

std::string Args::take()
{
    return m_args[m_index++];
}

int usageError(std::string_view message)
{
    std::cerr << "agentrun: " << message << "\n";
    return 2;
}

std::optional<std::string> readInput(const std::string& path)
{
    if (path == "-") {
        std::ostringstream buffer;
        buffer << std::cin.rdbuf();
        return buffer.str();
    }
    auto text = readUserFile(path, MaxInputBytes, "");
    if (!text) {
        usageError(text.error().message);
        return std::nullopt;
    }
    return std::move(*text);
}

} // namespace agentrun::cli
