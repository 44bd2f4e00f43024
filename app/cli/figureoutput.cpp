#include "figureoutput.h"

#include <filesystem>
#include <fstream>
#include <iostream>

namespace agentrun::cli {

bool reportFigures(const model::RunResult& result, const std::optional<std::string>& dir, int& count)
{
    bool ok = true;
    std::error_code error;
    if (dir && !result.figures.empty()) {
        std::filesystem::create_directories(*dir, error);
        if (error) {
            std::cerr << "agentrun: cannot create --figures folder " << *dir << ": " << error.message()
                      << "\n";
            ok = false;
        }
    }
    for (const auto& figure : result.figures) {
        const int number = ++count;
        std::cerr << "agentrun: figure " << number << ": " << figure.width << "x" << figure.height << " PNG, "
                  << model::formatSize(static_cast<std::int64_t>(figure.bytes.size()));
        if (!dir || !ok) {
            std::cerr << (dir ? "\n" : " (--figures DIR writes it)\n");
            continue;
        }
        const auto path =
            (std::filesystem::path(*dir) / ("figure-" + std::to_string(number) + ".png")).string();
        std::ofstream out;
        if (!std::filesystem::exists(std::filesystem::symlink_status(path, error))) {
            out.open(path, std::ios::binary | std::ios::trunc);
        }
        if (out && out.write(figure.bytes.data(), static_cast<std::streamsize>(figure.bytes.size())) &&
            (out.close(), !out.fail())) {
            std::cerr << " \u2192 " << path << "\n";
        } else {
            std::cerr << ", not written: " << path << " exists or cannot be written\n";
            ok = false;
        }
    }
    for (const auto& note : result.figureNotes) {
        std::cerr << "agentrun: " << note << "\n";
    }
    return ok;
}

} // namespace agentrun::cli
