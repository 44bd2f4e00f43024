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

/// The report of one engine (`address` as ExecutorConfig::dockerHost takes it: empty for this process's
/// engine); what is wrong goes to report["problems"].
nlohmann::json checkEngine(const std::string& address)
{
    run::ExecutorConfig engineConfig = run::configFromEnvironment();
    if (!address.empty()) {
        engineConfig.dockerHost = address;
    }
    const std::string& image = engineConfig.image;
    nlohmann::json report = {{"ready", false}, {"image", {{"ref", image}, {"present", nullptr}}}};
    std::vector<std::string> problems;

    // Which docker context chose the engine (none when DOCKER_HOST or the default socket did).
    if (!address.empty() && address.find("://") == std::string::npos) {
        report["context"] = address;
    } else if (engineConfig.dockerHost.empty()) {
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
    return report;
}

/// The report as lines for a person.
void printReport(nlohmann::json report) // a copy: operator[] fills what is missing
{
    const std::string image = report["image"].value("ref", "");
    {
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
        for (const auto& problem : report["problems"]) {
            std::cout << "problem:  " << problem.get<std::string>() << "\n";
        }
        std::cout << (report.value("ready", false) ? "ready\n" : "not ready\n");
    }
}

/// No engines given: this process's engine, the report as before. Engines given (doctor --engine, as
/// serve takes them): one report each, {"ready", "engines": [...]} in JSON; ready when all are.
int doctor(bool json, const std::vector<std::string>& engines)
{
    if (engines.empty()) {
        const nlohmann::json report = checkEngine({});
        if (json) {
            std::cout << run::dumpJson(report, 2) << "\n";
        } else {
            printReport(report);
        }
        return report.value("ready", false) ? 0 : 3;
    }
    nlohmann::json all = {{"ready", true}, {"engines", nlohmann::json::array()}};
    for (const auto& address : engines) {
        nlohmann::json report = checkEngine(address);
        report["name"] = address;
        all["ready"] = all["ready"].get<bool>() && report.value("ready", false);
        if (!json) {
            std::cout << "== " << address << "\n";
            printReport(report);
        }
        all["engines"].push_back(std::move(report));
    }
    if (json) {
        std::cout << run::dumpJson(all, 2) << "\n";
    } else if (engines.size() > 1) {
        std::cout << (all["ready"].get<bool>() ? "all engines ready\n" : "not every engine is ready\n");
    }
    return all["ready"].get<bool>() ? 0 : 3;
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
    auto engines = std::make_shared<std::vector<std::string>>();
    addRepeated(command, "--engine", *engines,
                "check this engine instead (a docker context name, unix:///PATH or tcp://HOST:PORT); "
                "repeatable, as serve --engine takes a fleet: one report each",
                "ADDRESS");
    command.callback([json, engines, &status] { status.value = doctor(*json, *engines); });
}

} // namespace agentrun::cli
