// The acquire stage of a run (run/stages.h): a container with its agent waiting, the run sent to it.
#include "run/stages.h"

namespace agentrun::run {

std::string runPayload(const model::RunSpec& request, const std::string& nonce, bool hold)
{
    nlohmann::json files = nlohmann::json::array(); // [name, size] each; the bytes follow stdin, in order
    for (const auto& file : request.files) {
        files.push_back({file.name, file.data.size()});
    }
    const nlohmann::json header = {{"nonce", nonce},
                                   {"code", request.code.size()},
                                   {"stdin", request.stdinData.size()},
                                   {"argv", request.argv},
                                   {"hold", hold},
                                   // The agent ends the run itself shortly after this, should the host not.
                                   {"timeout", request.limits.timeoutSeconds},
                                   {"files", files}};
    std::string payload = header.dump() + "\n" + request.code + request.stdinData;
    for (const auto& file : request.files) {
        payload += file.data;
    }
    return payload;
}

std::expected<sandbox::WarmContainer, RunEnd>
acquireContainer(sandbox::ContainerPool& pool, const model::RunSpec& request, const std::string& image,
                 const DependencyPlan& plan, const std::string& nonce,
                 const sandbox::EgressProxies::Lease* egress)
{
    // A run that keeps files is held after its report for the copy, so it never takes a recycled one;
    // an allowlisted one is made on its proxy's network.
    const bool collect = !request.collect.paths.empty();
    std::vector<std::string> env = plan.env;
    if (egress) {
        env.insert(env.end(), egress->env.begin(), egress->env.end());
    }
    const std::string network = egress ? egress->network : std::string();
    const auto make = [&] { return pool.make(request.limits, image, plan.mounts, env, network); };
    auto container =
        plan.mounts.empty() && !collect && !egress ? pool.acquire(request.limits, image) : make();
    if (!container) {
        return std::unexpected(engineFailure(container.error()));
    }

    if (container->fromPool) {
        // A warm container may have been stopped or removed from outside while it waited: the engine
        // then closed its attach connection, which a poll sees without a round trip to the engine.
        if (container->stream.peerClosed()) {
            pool.discard(container->id);
            container = make();
            if (!container) {
                return std::unexpected(engineFailure(container.error()));
            }
        }
    }

    const std::string payload = runPayload(request, nonce, collect);
    auto sent = container->stream.write(payload);
    if (!sent && container->fromPool) {
        // A warm container may have been removed from outside since it was made: one fresh try.
        pool.discard(container->id);
        container = make();
        if (!container) {
            return std::unexpected(engineFailure(container.error()));
        }
        sent = container->stream.write(payload);
    }
    if (!sent) {
        pool.discard(container->id);
        return std::unexpected(engineFailure(sent.error()));
    }
    return std::move(*container);
}

} // namespace agentrun::run
