// The pure parts of the installer: pip's command line, the installer container, cache names, messages.
#include "agentrun/deps/installer.h"

#include "agentrun/model/limits.h"
#include "agentrun/sandbox/containerspec.h"
#include "deps/indexroute.h"
#include "deps/installerscript.h"
#include "deps/oneshot.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

namespace agentrun::deps {

namespace {

constexpr std::int64_t InstallerFileBytes = 8ll << 30; // a wheel or an unpacked file may be large

std::uint64_t fnv1a(std::string_view text, std::uint64_t hash = 1469598103934665603ull)
{
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    return hash;
}

bool isRequirementChar(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
}

} // namespace

std::vector<std::string> sortedRequirementTexts(const std::vector<Requirement>& requirements)
{
    std::set<std::string> texts;
    for (const auto& requirement : requirements) {
        texts.insert(toString(Requirement{normalize(requirement.name), requirement.specifier}));
    }
    return {texts.begin(), texts.end()};
}

std::string sourceIdentity(const InstallSource& source)
{
    std::string identity =
        source.wheelhouse.empty() ? "index " + source.indexUrl : "wheelhouse " + source.wheelhouse;
    return identity + (source.onlyBinary ? " only-binary" : " sdist-allowed");
}

nlohmann::json runMount(const std::string& volume)
{
    return {{"Type", "volume"},
            {"Source", volume},
            {"Target", SitePath},
            {"ReadOnly", true},
            {"VolumeOptions", {{"NoCopy", true}}}};
}

std::string cacheVolumeName(const std::vector<Requirement>& requirements, const std::string& imageId,
                            const InstallSource& source)
{
    std::string text = imageId + '\n' + sourceIdentity(source) + '\n';
    for (const auto& requirement : sortedRequirementTexts(requirements)) {
        text += requirement + '\n';
    }
    // Two independent 64-bit hashes: 128 bits make an accidental clash a non-event (and the completion
    // marker repeats the set, which the cache check compares).
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%016llx%016llx", static_cast<unsigned long long>(fnv1a(text)),
                  static_cast<unsigned long long>(fnv1a(text, 0x84222325cbf29ce4ull)));
    return std::string("agentrun-deps-") + std::string(buffer, 24);
}

std::vector<std::string> pipArguments(const std::vector<Requirement>& requirements,
                                      const InstallSource& source, const std::string& proxyUrl)
{
    std::vector<std::string> args = {"install",
                                     "--isolated", // no pip.conf, no PIP_* variables: only what we say
                                     "--no-input",     "--disable-pip-version-check", "--progress-bar", "off",
                                     "--no-cache-dir", "--no-warn-script-location"};
    if (source.onlyBinary) {
        args.insert(args.end(), {"--only-binary", ":all:"});
    }
    args.insert(args.end(), {"--target", InstallerTarget});
    if (!source.wheelhouse.empty()) {
        args.insert(args.end(), {"--no-index", "--find-links", WheelhousePath});
    } else {
        args.insert(args.end(), {"--index-url", source.indexUrl});
        if (source.indexUrl.starts_with("http://")) {
            // pip ignores a plain-http index unless told it is trusted; naming one is saying so.
            args.insert(args.end(), {"--trusted-host", indexAuthority(source.indexUrl)});
        }
        if (!proxyUrl.empty()) { // said outright: --isolated may leave the environment's proxy unread
            args.insert(args.end(), {"--proxy", proxyUrl});
        }
    }
    for (const auto& requirement : sortedRequirementTexts(requirements)) {
        args.push_back(requirement);
    }
    return args;
}

nlohmann::json installerSpec(const std::string& image, const std::string& volume,
                             const std::vector<Requirement>& requirements, const InstallSource& source,
                             const std::string& marker, const std::string& wheelhouseVolume,
                             const IndexRoute* route)
{
    const bool offline = !source.wheelhouse.empty() || route == nullptr;
    model::Limits limits;
    limits.memoryBytes = 1ll << 30;
    limits.memorySwapBytes = 1ll << 30;
    limits.cpus = 2.0;
    limits.pids = 256;
    limits.tmpfsBytes = 256ll << 20;
    limits.network = "none";
    nlohmann::json spec = sandbox::containerSpec(limits, image);

    std::vector<std::string> command = {"python3", "-I", "-c", InstallerScript, InstallerTarget};
    for (auto& arg : pipArguments(requirements, source, offline ? std::string() : route->proxyUrl)) {
        command.push_back(std::move(arg));
    }
    spec["Entrypoint"] = command;
    spec["AttachStdin"] = false;
    spec["OpenStdin"] = false;
    spec["StdinOnce"] = false;
    spec["NetworkDisabled"] = offline;
    spec["Labels"] = helperLabels("installer");
    auto env = sandbox::sandboxEnvironment();
    env.push_back("AGENTRUN_MARKER=" + marker);
    if (!offline) { // the proxy's segment: no gateway, no resolver, only the proxy
        spec["HostConfig"]["NetworkMode"] = route->network;
        spec["HostConfig"]["DnsOptions"] = {"timeout:1", "attempts:1"};
        env.insert(env.end(), route->env.begin(), route->env.end());
    }
    spec["Env"] = env;

    auto& host = spec["HostConfig"];
    for (auto& limit : host["Ulimits"]) {
        if (limit["Name"] == "fsize") {
            limit["Soft"] = InstallerFileBytes;
            limit["Hard"] = InstallerFileBytes;
        }
    }
    // The volume sits on a directory the image has with mode 1777, so the engine gives the fresh
    // volume that mode (copy-up): user 65534 can write into it without any capability or root step.
    nlohmann::json mounts = nlohmann::json::array();
    mounts.push_back(
        {{"Type", "volume"}, {"Source", volume}, {"Target", InstallerTarget}, {"ReadOnly", false}});
    if (!source.wheelhouse.empty()) {
        mounts.push_back({{"Type", "volume"},
                          {"Source", wheelhouseVolume},
                          {"Target", WheelhousePath},
                          {"ReadOnly", true},
                          {"VolumeOptions", {{"NoCopy", true}}}});
    }
    host["Mounts"] = mounts;
    return spec;
}

std::string installFailureMessage(const std::vector<std::string>& pipLines,
                                  const std::vector<Requirement>& requirements)
{
    std::string reason;
    for (auto it = pipLines.rbegin(); it != pipLines.rend() && reason.empty(); ++it) {
        if (it->starts_with("ERROR:")) {
            reason = it->substr(6);
        }
    }
    if (reason.empty()) {
        for (auto it = pipLines.rbegin(); it != pipLines.rend() && reason.empty(); ++it) {
            if (it->find_first_not_of(" \t") != std::string::npos && !it->starts_with("agentrun:")) {
                reason = *it;
            }
        }
    }
    reason.erase(0, std::min(reason.size(), reason.find_first_not_of(" \t")));

    // Which requirement does pip blame? The ones its last error line names, else all of them.
    std::set<std::string> words;
    for (std::size_t i = 0; i < reason.size();) {
        std::size_t j = i;
        while (j < reason.size() && isRequirementChar(reason[j])) {
            ++j;
        }
        if (j > i) {
            words.insert(normalize(std::string_view(reason).substr(i, j - i)));
        }
        i = j + 1;
    }
    std::string named;
    std::string all;
    for (const auto& requirement : requirements) {
        const std::string name = normalize(requirement.name);
        all += (all.empty() ? "" : ", ") + name;
        if (words.contains(name)) {
            named += (named.empty() ? "" : ", ") + name;
        }
    }
    return "Failed to install dependency " + (named.empty() ? all : named) + ": " +
           (reason.empty() ? std::string("pip gave no reason") : reason);
}

} // namespace agentrun::deps
