#include "agentrun/model/runresult.h"

namespace agentrun::model {

std::string_view toString(Status status)
{
    switch (status) {
    case Status::Ok:
        return "ok";
    case Status::Exception:
        return "exception";
    case Status::Blocked:
        return "blocked";
    case Status::DependencyRejected:
        return "dependency_rejected";
    case Status::InstallFailed:
        return "install_failed";
    case Status::Timeout:
        return "timeout";
    case Status::OutOfMemory:
        return "out_of_memory";
    case Status::Killed:
        return "killed";
    case Status::OutputLimit:
        return "output_limit";
    case Status::NetworkLimit:
        return "network_limit";
    case Status::Cancelled:
        return "cancelled";
    case Status::EngineError:
        return "engine_error";
    case Status::InvalidRequest:
        return "invalid_request";
    }
    return "engine_error";
}

int cliExitStatus(Status status, int programExitCode)
{
    switch (status) {
    case Status::Ok:
    case Status::Exception:
        return programExitCode;
    case Status::Timeout:
        return 124;
    case Status::Blocked:
    case Status::DependencyRejected:
        return 125;
    case Status::InstallFailed:
        return 126;
    case Status::OutOfMemory:
    case Status::Killed:
    case Status::OutputLimit:
    case Status::NetworkLimit:
    case Status::Cancelled:
        return 137;
    case Status::InvalidRequest:
        return 2;
    case Status::EngineError:
        return 3;
    }
    return 3;
}

} // namespace agentrun::model
