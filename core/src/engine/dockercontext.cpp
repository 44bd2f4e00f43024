#include "agentrun/engine/dockercontext.h"

#include "agentrun/errorcodes.h"
#include "agentrun/sha256.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <pwd.h>
#include <unistd.h>

namespace agentrun::engine {

namespace {

namespace fs = std::filesystem;

std::string environment(const char* name)
{
    const char* value = std::getenv(name);
    return value ? std::string(value) : std::string();
}

// A small JSON file of the store: at most 1 MiB, a regular file. Nothing when it does not exist.
Result<std::optional<nlohmann::json>> readJsonFile(const fs::path& path, const std::string& what)
{
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || status.type() == fs::file_type::not_found) {
        return std::optional<nlohmann::json>();
    }
    if (status.type() != fs::file_type::regular) {
        return fail(errc::EngineAddress, what + " " + path.string() + " is not a regular file.");
    }
    if (fs::file_size(path, ec) > 1024 * 1024 || ec) {
        return fail(errc::EngineAddress,
                    what + " " + path.string() + " is over 1 MiB: not a docker CLI file.");
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) {
        return fail(errc::EngineAddress, what + " " + path.string() + " cannot be read.");
    }
    auto parsed = nlohmann::json::parse(text.str(), nullptr, false);
    if (parsed.is_discarded()) {
        return fail(errc::EngineAddress, what + " " + path.string() +
                                             " is not valid JSON: fix or remove it (the docker CLI refuses "
                                             "it as well).");
    }
    return std::optional<nlohmann::json>(std::move(parsed));
}

} // namespace

std::string DockerContext::configFolder()
{
    if (std::string config = environment("DOCKER_CONFIG"); !config.empty()) {
        return config;
    }
    std::string home = environment("HOME");
    if (home.empty()) {
        // getpwuid is enough here: it runs at start-up and the entry is copied at once.
        const passwd* entry = ::getpwuid(::getuid()); // NOLINT(concurrency-mt-unsafe)
        home = entry && entry->pw_dir ? std::string(entry->pw_dir) : std::string();
    }
    return home.empty() ? std::string() : (fs::path(home) / ".docker").string();
}

Result<std::string> DockerContext::currentName(std::string_view flag, const std::string& configFolder)
{
    if (!flag.empty()) {
        return std::string(flag);
    }
    if (!environment("DOCKER_HOST").empty()) {
        return std::string("default");
    }
    if (std::string name = environment("DOCKER_CONTEXT"); !name.empty()) {
        return name;
    }
    if (configFolder.empty()) {
        return std::string("default");
    }
    auto config = readJsonFile(fs::path(configFolder) / "config.json", "The docker CLI's configuration");
    if (!config) {
        return std::unexpected(config.error());
    }
    if (*config && (*config)->is_object()) {
        const auto it = (*config)->find("currentContext");
        if (it != (*config)->end() && it->is_string() && !it->get<std::string>().empty()) {
            return it->get<std::string>();
        }
    }
    return std::string("default");
}

Result<DockerContext> DockerContext::load(std::string_view name, const std::string& configFolder)
{
    const std::string quoted = "docker context \"" + std::string(name) + "\"";
    if (name.empty() || name == "default") {
        return fail(errc::EngineAddress,
                    "The docker context \"default\" is DOCKER_HOST or the default socket, "
                    "not an entry of the context store.");
    }
    if (configFolder.empty()) {
        return fail(errc::EngineAddress,
                    "No " + quoted +
                        ": there is no docker CLI configuration folder (set DOCKER_CONFIG "
                        "or HOME).");
    }
    const std::string digest = sha256Hex(name);
    const fs::path meta = fs::path(configFolder) / "contexts" / "meta" / digest / "meta.json";
    auto json = readJsonFile(meta, "The " + quoted + "'s metadata");
    if (!json) {
        return std::unexpected(json.error());
    }
    if (!*json) {
        return fail(errc::EngineAddress,
                    "There is no " + quoted + " in " + configFolder +
                        "/contexts (`docker context ls` lists the contexts there; `docker context create " +
                        std::string(name) + " --docker host=tcp://HOST:2376,ca=…,cert=…,key=…` makes one).");
    }
    const nlohmann::json& root = **json;
    const nlohmann::json* docker = nullptr;
    if (root.is_object() && root.contains("Endpoints") && root["Endpoints"].is_object() &&
        root["Endpoints"].contains("docker") && root["Endpoints"]["docker"].is_object()) {
        docker = &root["Endpoints"]["docker"];
    }
    if (!docker || !docker->contains("Host") || !(*docker)["Host"].is_string()) {
        return fail(errc::EngineAddress, "The " + quoted + " (" + meta.string() +
                                             ") has no docker endpoint with a Host: recreate it with `docker "
                                             "context create`.");
    }
    DockerContext context;
    context.name = std::string(name);
    context.host = (*docker)["Host"].get<std::string>();
    if (docker->contains("SkipTLSVerify") && (*docker)["SkipTLSVerify"].is_boolean()) {
        context.skipTlsVerify = (*docker)["SkipTLSVerify"].get<bool>();
    }
    const fs::path tls = fs::path(configFolder) / "contexts" / "tls" / digest / "docker";
    std::error_code ec;
    if (fs::is_directory(tls, ec)) {
        context.tlsFolder = tls.string();
    }
    return context;
}

Result<Endpoint> DockerContext::endpoint(bool allowPlainTcp) const
{
    const std::string quoted = "docker context \"" + name + "\"";
    if (skipTlsVerify) {
        return fail(errc::EngineAddress,
                    "The " + quoted +
                        " sets skip-tls-verify: TLS without checking the engine's certificate, "
                        "which AgentRun does not do (anyone in the middle could pose as the "
                        "engine). Give the context the engine's CA: docker context update " +
                        name + " --docker host=" + host + ",ca=…,cert=…,key=….");
    }
    TlsSettings tls;
    tls.allowPlainTcp = allowPlainTcp;
    if (!tlsFolder.empty() && host.starts_with("tcp://")) {
        tls.verify = true;
        tls.certPath = tlsFolder;
        tls.certPathSource = "the " + quoted;
    }
    auto parsed = Endpoint::parse(host, tls);
    if (!parsed) {
        Error error = parsed.error();
        error.message = "The " + quoted + " (endpoint " + host + "): " + error.message;
        return std::unexpected(std::move(error));
    }
    return parsed;
}

} // namespace agentrun::engine
