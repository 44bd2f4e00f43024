#include "args.h"

#include "agentrun/userfile.h"

#include <cstdio>
#include <iostream>
#include <filesystem>
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

std::optional<std::vector<model::InputFile>> readInputFiles(const std::vector<std::string>& specs)
{
    std::vector<model::InputFile> files;
    for (const auto& spec : specs) {
        std::string path = spec;
        std::string name;
        if (const auto colon = spec.rfind(':'); colon != std::string::npos && colon + 1 < spec.size() &&
                                                spec.find('/', colon) == std::string::npos) {
            path = spec.substr(0, colon);
            name = spec.substr(colon + 1);
        }
        if (name.empty()) {
            name = std::filesystem::path(path).filename().string();
        }
        auto data = readUserFile(path, model::MaxInputFileBytes, "");
        if (!data) {
            usageError("--file " + spec + ": " + data.error().message);
            return std::nullopt;
        }
        files.push_back({std::move(name), std::move(*data)});
    }
    if (auto valid = model::validateInputFiles(files); !valid) {
        usageError("--file: " + valid.error().message);
        return std::nullopt;
    }
    return files;
}

} // namespace agentrun::cli
