#include "engine/connecterror.h"

#include "agentrun/errorcodes.h"

#include <cerrno>
#include <cstdio>
#include <sys/stat.h>

namespace agentrun::engine {

namespace {
constexpr const char* StartHint =
    "Start it (`sudo systemctl start docker`, or ./packaging/quickstart.sh in a source checkout) or "
    "set DOCKER_HOST to a running engine.";
}

Error connectError(const Endpoint& endpoint, CURLcode code, int osErrno, std::chrono::milliseconds timeout)
{
    const std::string address = endpoint.display();
    if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST) {
        if (endpoint.kind == Endpoint::Kind::Unix) {
            struct stat info
            {};
            // A directory on the way that we may not enter fails stat() with EACCES: the socket may well
            // be there, so that is a permission problem, not a missing engine.
            const bool statFailed = ::stat(endpoint.socketPath.c_str(), &info) != 0;
            if (statFailed && errno != EACCES) {
                return {errc::EngineUnreachable,
                        "Docker is not running: there is no socket at " + address + ". " + StartHint};
            }
            if (statFailed || osErrno == EACCES || osErrno == EPERM) {
                return {errc::EnginePermission,
                        "Permission denied on " + address +
                            ": add your user to the docker group (`sudo usermod -aG docker "
                            "$USER`, then log in again) or run as root."};
            }
        }
        return {errc::EngineUnreachable,
                "Docker is not running: the connection to " + address + " was refused. " + StartHint};
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
        // %g: "0.3 s", "30 s", "120 s" (to_string cut to 4 characters gave "0.30", "30.0", "120.").
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%g", static_cast<double>(timeout.count()) / 1000.0);
        return {errc::EngineTimeout,
                "The Docker engine at " + address + " did not complete the request within " + seconds +
                    " s: it may be overloaded or hung (check `systemctl status docker`)."};
    }
    if (code == CURLE_GOT_NOTHING || code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR ||
        code == CURLE_PARTIAL_FILE) {
        return {errc::EngineConnectionLost, "The connection to the Docker engine at " + address +
                                                " was lost mid-request: the engine may have been restarted. "
                                                "Try again once `agentrun doctor` says it is back."};
    }
    return {errc::EngineTransport, std::string("Talking to the Docker engine at ") + address +
                                       " failed: " + curl_easy_strerror(code) + "."};
}

} // namespace agentrun::engine
