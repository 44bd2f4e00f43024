#pragma once

#include "agentrun/run/observer.h"

#include <iostream>
#include <string_view>

#include <unistd.h>

namespace agentrun::cli {

/// Streams program output as it arrives (plain mode) and says what the runner is doing on stderr.
class ConsoleObserver : public run::RunObserver
{
public:
    explicit ConsoleObserver(bool live) : m_live(live) {}

    void output(model::Stream stream, std::string_view bytes) override
    {
        if (!m_live) {
            return;
        }
        const int fd = stream == model::Stream::Stdout ? STDOUT_FILENO : STDERR_FILENO;
        while (!bytes.empty()) {
            const ssize_t written = ::write(fd, bytes.data(), bytes.size());
            if (written <= 0) {
                return;
            }
            bytes.remove_prefix(static_cast<std::size_t>(written));
        }
    }

    void installProgress(std::string_view line) override
    {
        // pip's progress is for a person watching: only on a terminal, never mixed into program output.
        if (m_terminal) {
            std::cerr << "agentrun: install: " << line << "\n";
        }
    }

    void stageChanged(run::Stage stage) override
    {
        if (m_terminal && stage == run::Stage::Installing) {
            std::cerr << "agentrun: installing dependencies (cached after the first time)\n";
        }
    }

private:
    bool m_live;
    bool m_terminal = ::isatty(STDERR_FILENO) != 0;
};

} // namespace agentrun::cli
