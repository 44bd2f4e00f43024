#include "runarguments.h"

#include "resthttp.h"

#include "agentrun/deps/whitelist.h"

#include <set>

namespace agentrun::mcp {

Result<run::RunRequest> runRequestFrom(const nlohmann::json& arguments, const run::RunRequest& defaults)
{
    static const std::set<std::string> known = {"code", "stdin", "limits", "dependencies"};
    for (const auto& item : arguments.items()) {
        if (!known.contains(item.key())) {
            const std::string name = cli::shownName(item.key());
            return fail(name, "Unknown argument \"" + name +
                                  "\": run_python takes code, stdin, limits and "
                                  "dependencies.");
        }
    }
    if (!arguments.contains("code") || !arguments["code"].is_string()) {
        return fail("code", "\"code\" must be a string with the Python source to run.");
    }
    run::RunRequest request = defaults;
    request.code = arguments["code"].get<std::string>();
    if (arguments.contains("stdin")) {
        if (!arguments["stdin"].is_string()) {
            return fail("stdin", "\"stdin\" must be a string (the program's standard input).");
        }
        request.stdinData = arguments["stdin"].get<std::string>();
    }
    if (arguments.contains("limits")) {
        auto limits = cli::parseLimits(arguments["limits"], request.limits);
        if (!limits) {
            return std::unexpected(limits.error());
        }
        request.limits = *limits;
    }
    if (arguments.contains("dependencies")) {
        const auto& deps = arguments["dependencies"];
        if (!deps.is_array()) {
            return fail("dependencies", "\"dependencies\" must be a list of package names.");
        }
        // A name the server pins (--allow 'pandas==2.2.*') is installed with the server's pin, as in REST.
        auto serverList = deps::Whitelist::parse(defaults.allow);
        request.allow.clear();
        for (const auto& dep : deps) {
            if (!dep.is_string()) {
                return fail("dependencies", "\"dependencies\" must be a list of package names.");
            }
            const std::string name = dep.get<std::string>();
            request.allow.push_back(serverList ? name + serverList->pin(name) : name);
        }
    }
    return request;
}

} // namespace agentrun::mcp
