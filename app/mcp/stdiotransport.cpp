#include "stdiotransport.h"

#include <cerrno>
#include <poll.h>
#include <string>
#include <unistd.h>

namespace agentrun::mcp {

void serveLines(Server& server, int inFd, int stopFd, std::size_t maxLine)
{
    std::string line;
    bool dropping = false; // inside a line that grew past maxLine: skip to its end
    char buffer[64 * 1024];
    for (;;) {
        pollfd fds[2] = {{inFd, POLLIN, 0}, {stopFd, POLLIN, 0}};
        const int ready = ::poll(fds, stopFd >= 0 ? 2 : 1, -1);
        if (ready < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        if (stopFd >= 0 && (fds[1].revents & (POLLIN | POLLHUP)) != 0) {
            break;
        }
        const ssize_t got = ::read(inFd, buffer, sizeof buffer);
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (got <= 0) {
            if (!dropping && !line.empty()) {
                server.handleLine(line); // the last message, without its newline
            }
            break; // end of input: the client closed our stdin, the way MCP shuts a server down
        }
        std::string_view chunk(buffer, static_cast<std::size_t>(got));
        while (!chunk.empty()) {
            const auto newline = chunk.find('\n');
            const std::string_view piece = chunk.substr(0, newline);
            if (!dropping) {
                if (line.size() + piece.size() > maxLine) {
                    dropping = true;
                    line.clear();
                    line.shrink_to_fit();
                    server.lineTooLong(maxLine);
                } else {
                    line.append(piece);
                }
            }
            if (newline == std::string_view::npos) {
                break;
            }
            if (!dropping) {
                if (line.ends_with('\r')) {
                    line.pop_back();
                }
                server.handleLine(line);
            }
            line.clear();
            dropping = false;
            chunk.remove_prefix(newline + 1);
        }
    }
    server.shutdown();
}

} // namespace agentrun::mcp
