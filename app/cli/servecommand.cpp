#include "args.h"
#include "commands.h"

namespace agentrun::cli {

int serveCommand(std::span<char* const>)
{
    return usageError("serve is not available in this build yet");
}

} // namespace agentrun::cli
