#include "engine/connecterror.h"

#include <cerrno>
#include <sys/stat.h>

namespace agentrun::engine {

namespace {
constexpr const char* StartHint = "Start it (`sudo systemctl start docker`, or ./packaging/quickstart.sh) or "
                                  "set DOCKER_HOST to a running engine.";
}

Error connectError(const Endpoint& endpoint, CURLcode code, int osErrno, std::chrono::milliseconds timeout)
{
    const std::string address = endpoint.display();
    if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST) {
        if (endpoint.kind == Endpoint::Kind::Unix) {
            struct stat info
            {};
            if (::stat(endpoint.socketPath.c_str(), &info) != 0) {
                return {"engine.unreachable",
                        "Docker is not running: there is no socket at " + address + ". " + StartHint};
            }
            if (osErrno == EACCES || osErrno == EPERM) {
                return {"engine.permission",
                        "Permission denied on " + address +
                            ": add your user to the docker group (`sudo usermod -aG docker "
                            "$USER`, then log in again) or run as root."};
            }
        }
        return {"engine.unreachable",
                "Docker is not running: the connection to " + address + " was refused. " + StartHint};
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
        return {"engine.timeout", "The Docker engine at " + address + " did not answer within " +
                                      std::to_string(timeout.count() / 1000.0).substr(0, 4) +
                                      " s: it may be overloaded or hung (check `systemctl status docker`)."};
    }
    if (code == CURLE_GOT_NOTHING || code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR ||
        code == CURLE_PARTIAL_FILE) {
        return {"engine.connection_lost", "The connection to the Docker engine at " + address +
                                              " was lost mid-request: the engine may have been restarted. "
                                              "Try again once `agentrun doctor` says it is back."};
    }
    return {"engine.transport", std::string("Talking to the Docker engine at ") + address +
                                    " failed: " + curl_easy_strerror(code) + "."};
}

} // namespace agentrun::engine
