#include "runarguments.h"

#include "agentrun/deps/whitelist.h"
#include "agentrun/model/runspecjson.h"

namespace agentrun::mcp {

Result<model::RunSpec> runRequestFrom(const nlohmann::json& arguments, const model::RunSpec& defaults)
{
    // The keys a model may set: a tool call names no host folder (wheelhouse, collect), policy or profile.
    static const std::vector<std::string> accepted = {"code", "stdin", "limits", "dependencies", "files"};
    auto read = model::runSpecFromJson(arguments, defaults, accepted);
    if (!read) {
        return std::unexpected(read.error());
    }
    if (!arguments.contains("code") || !arguments["code"].is_string()) {
        return fail("code", "\"code\" must be a string with the Python source to run.");
    }
    if (arguments.contains("dependencies")) {
        // A name the server pins (--allow 'pandas==2.2.*') is installed with the server's pin, as in REST.
        auto serverList = deps::Whitelist::parse(defaults.allow);
        for (auto& name : read->allow) {
            name += serverList ? serverList->pin(name) : std::string();
        }
    }
    return read;
}

} // namespace agentrun::mcp
