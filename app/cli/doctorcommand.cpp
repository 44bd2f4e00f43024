#include "args.h"
#include "commands.h"

#include "agentrun/engine/client.h"
#include "agentrun/engine/dockercontext.h"
#include "agentrun/jsonfield.h"
#include "agentrun/run/bridge.h"
#include "agentrun/run/executor.h"
#include "agentrun/run/resultjson.h"

#include <cstdlib>
#include <iostream>

namespace agentrun::cli {

namespace {

int doctor(bool json)
{
    const run::ExecutorConfig engineConfig = run::configFromEnvironment();
    const std::string& image = engineConfig.image;
    nlohmann::json report = {{"ready", false}, {"image", {{"ref", image}, {"present", nullptr}}}};
    std::vector<std::string> problems;

    // Which docker context chose the engine (none when DOCKER_HOST or the default socket did).
    if (engineConfig.dockerHost.empty()) {
        if (auto context = engine::DockerContext::currentName({}, engine::DockerContext::configFolder());
            context && *context != "default") {
            report["context"] = *context;
        }
    }
    auto endpoint = engine::Endpoint::resolve(engineConfig.dockerHost);
    if (!endpoint) {
        problems.push_back(endpoint.error().message);
    } else {
        report["engine"]["address"] = endpoint->display();
        // How the connection to the engine is protected: whoever controls the engine controls the machine.
        report["engine"]["security"] = endpoint->securityName();
        report["engine"]["security_text"] = endpoint->securityText();
        engine::Client client(*endpoint);
        auto info = client.info();
        if (!info) {
            report["engine"]["reachable"] = false;
            report["engine"]["error"] = {{"code", info.error().code}, {"message", info.error().message}};
            problems.push_back(info.error().message);
        } else {
            report["engine"].update({{"reachable", true},
                                     {"version", info->version},
                                     {"api_version", info->apiVersion},
                                     {"cgroup_version", info->cgroupVersion},
                                     {"runtimes", info->runtimes}});
            const bool gvisor = std::ranges::find(info->runtimes, "runsc") != info->runtimes.end();
            report["engine"]["gvisor"] = gvisor;
            // An engine started with --bridge=none (quickstart's test mode) gives runs no network at all.
            auto bridge = run::hasBridgeNetwork(client);
            report["engine"]["bridge_network"] = bridge ? nlohmann::json(*bridge) : nlohmann::json(nullptr);
            // Allowlisted runs (--allow-host) need the egress proxy's image and a network to reach out on;
            // neither is needed to be ready.
            auto proxyImage = client.findImage(engineConfig.proxy.image);
            auto egress = client.inspectNetwork(engineConfig.proxy.egressNetwork);
            report["allowlist"] = {{"proxy_image", engineConfig.proxy.image},
                                   {"proxy_image_present", proxyImage
                                                               ? nlohmann::json(proxyImage->has_value())
                                                               : nlohmann::json(nullptr)},
                                   {"egress_network", engineConfig.proxy.egressNetwork},
                                   {"egress_network_present",
                                    egress ? nlohmann::json(egress->has_value()) : nlohmann::json(nullptr)}};
            auto inspected = client.inspectImage(image);
            report["image"]["present"] = inspected.has_value(); // null above: nobody to ask
            if (inspected) {
                report["image"]["present"] = true;
                report["image"]["id"] = json::textField(*inspected, "Id");
            } else {
                report["image"]["error"] = {{"code", inspected.error().code},
                                            {"message", inspected.error().message}};
                problems.push_back(inspected.error().message);
            }
        }
    }
    report["ready"] = problems.empty();
    report["problems"] = problems;
    if (json) {
        std::cout << run::dumpJson(report, 2) << "\n";
    } else {
        const auto& engineJson = report["engine"];
        if (!engineJson.is_object()) {
            // DOCKER_HOST (or its TLS settings) refused before any connection: the problem line says why.
            std::cout << "engine:   not used (its address is refused, see below)\n";
        } else if (engineJson.value("reachable", false)) {
            std::cout << "engine:   Docker " << engineJson.value("version", "") << " at "
                      << engineJson.value("address", "") << " (API " << engineJson.value("api_version", "")
                      << ", cgroup v" << engineJson.value("cgroup_version", "?") << ")\n";
            std::cout << "runtimes: ";
            for (const auto& runtime : engineJson["runtimes"]) {
                std::cout << runtime.get<std::string>() << " ";
            }
            std::cout << (engineJson.value("gvisor", false) ? "(gVisor available)"
                                                            : "(gVisor: not installed)")
                      << "\n";
            const auto& bridge = engineJson["bridge_network"];
            std::cout << "network:  "
                      << (bridge.is_null()     ? "unknown (the engine did not list its networks)"
                          : bridge.get<bool>() ? "bridge available (--network open)"
                                               : "no bridge network (engine started with --bridge=none): "
                                                 "--network open is refused")
                      << "\n";
            const auto& allowlist = report["allowlist"];
            const bool proxyReady = allowlist.value("proxy_image_present", false);
            const bool egressReady = allowlist.value("egress_network_present", false);
            std::cout << "allowlist: "
                      << (proxyReady && egressReady
                              ? "ready (--allow-host, and --index-url installs through the same proxy)"
                              : std::string("not available (") +
                                    (proxyReady ? ""
                                                : "proxy image " + allowlist.value("proxy_image", "") +
                                                      " missing: quickstart.sh image builds it") +
                                    (!proxyReady && !egressReady ? "; " : "") +
                                    (egressReady
                                         ? ""
                                         : "no egress network \"" + allowlist.value("egress_network", "") +
                                               "\": AGENTRUN_EGRESS_NETWORK") +
                                    ")")
                      << "\n";
        } else {
            std::cout << "engine:   not reachable\n";
        }
        if (report.contains("context")) {
            std::cout << "context:  " << report["context"].get<std::string>()
                      << " (the docker CLI's context store, " << engine::DockerContext::configFolder()
                      << "/contexts)\n";
        }
        if (engineJson.contains("security_text")) {
            std::cout << "security: " << engineJson.value("address", "") << " over "
                      << engineJson.value("security_text", "") << "\n";
        }
        // Without an engine nobody can say whether the image is there.
        const auto& present = report["image"]["present"];
        const char* imageState = present.is_null()     ? " unknown (no engine to ask)"
                                 : present.get<bool>() ? " present"
                                                       : " missing";
        std::cout << "image:    " << image << imageState << "\n";
        for (const auto& problem : problems) {
            std::cout << "problem:  " << problem << "\n";
        }
        std::cout << (problems.empty() ? "ready\n" : "not ready\n");
    }
    return problems.empty() ? 0 : 3;
}

} // namespace

void addDoctorCommand(CLI::App& app, CommandStatus& status)
{
    auto json = std::make_shared<bool>(false);
    CLI::App& command =
        addCommand(app, "doctor", "is the engine reachable? runtimes, image, cgroups",
                   "Checks that the Docker engine answers, which runtimes it has (runc, runsc), "
                   "its cgroup version and the sandbox image.");
    appendFooter(command, "Exit status: 0 ready, 3 something is missing (the output says what to do).");
    command.add_flag("--json", *json, "one JSON object");
    command.callback([json, &status] { status.value = doctor(*json); });
}

} // namespace agentrun::cli
