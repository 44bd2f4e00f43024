#include "agentrun/run/bridge.h"
#include "agentrun/errorcodes.h"

#include "agentrun/engine/client.h"

namespace agentrun::run {

Result<bool> hasBridgeNetwork(engine::Client& client)
{
    auto response = client.request("GET", "/networks/bridge");
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status == 404) {
        return false;
    }
    if (response->status != 200) {
        return std::unexpected(engine::httpError(response->status, response->body, "network bridge"));
    }
    return true;
}

Result<void> requireBridgeNetwork(engine::Client& client, const std::string& what)
{
    auto bridge = hasBridgeNetwork(client);
    if (!bridge) {
        return std::unexpected(bridge.error());
    }
    if (!*bridge) {
        return fail(errc::EngineNoBridge,
                    what +
                        " needs a network, but this Docker engine has no bridge network (it was started "
                        "with --bridge=none, as ./packaging/quickstart.sh test starts one), so nothing was "
                        "run: restart the engine with its default bridge (sudo systemctl restart docker, "
                        "or ./packaging/quickstart.sh), or set DOCKER_HOST to one that has it. `agentrun "
                        "doctor` shows the engine's networks.");
    }
    return {};
}

Result<void> requireEgressNetwork(engine::Client& client, const std::string& network, const std::string& what)
{
    if (network == "bridge") {
        return requireBridgeNetwork(client, what);
    }
    auto found = client.inspectNetwork(network);
    if (!found) {
        return std::unexpected(found.error());
    }
    if (!*found) {
        return fail(
            errc::EngineNoBridge,
            what + " needs the engine network \"" + network +
                "\" (AGENTRUN_EGRESS_NETWORK), and this Docker engine has no network of that name, "
                "so nothing was run: create it, or set AGENTRUN_EGRESS_NETWORK to a network the engine "
                "has (docker network ls).");
    }
    return {};
}

} // namespace agentrun::run
