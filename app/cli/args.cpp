#include "args.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace agentrun::cli {

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
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        std::cerr << "agentrun: cannot read " << path << ": no such file or not readable\n";
        return std::nullopt;
    }
    return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

} // namespace agentrun::cli
