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
