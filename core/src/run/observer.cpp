#include "agentrun/run/observer.h"

namespace agentrun::run {

std::string_view toString(Stage stage)
{
    switch (stage) {
    case Stage::Checking:
        return "checking";
    case Stage::Resolving:
        return "resolving";
    case Stage::Installing:
        return "installing";
    case Stage::Starting:
        return "starting";
    case Stage::Running:
        return "running";
    case Stage::Finished:
        return "finished";
    }
    return "finished";
}

} // namespace agentrun::run
