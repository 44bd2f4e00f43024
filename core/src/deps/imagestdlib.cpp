#include "agentrun/deps/imagestdlib.h"

#include "agentrun/engine/client.h"
#include "agentrun/errorcodes.h"
#include "agentrun/jsonfield.h"
#include "agentrun/model/limits.h"
#include "agentrun/model/limits.h"
#include "agentrun/sandbox/containerspec.h"
#include "deps/oneshot.h"

#include <map>
#include <mutex>

namespace agentrun::deps {

namespace {

// Runs in the image, without network, as 65534: the recorded facts plus what the image already
// provides (installed distributions, importable top-level modules outside the stdlib).
constexpr const char* FactsScript = R"PY(
import json, pkgutil, re, sys
try:
    facts = json.load(open(sys.argv[1]))
except OSError as error:
    print("no facts file:", error, file=sys.stderr)
    sys.exit(3)
stdlib = set(facts.get("stdlib", []))
try:
    import importlib.metadata as md
    dists = {re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower() for d in md.distributions() if d.metadata["Name"]}
except Exception:
    dists = set()
mods = {m.name for m in pkgutil.iter_modules() if m.name not in stdlib}
facts["distributions"] = sorted(dists)
facts["importable"] = sorted(mods)
sys.stdout.write(json.dumps(facts))
)PY";

constexpr std::size_t MaxFactsBytes = 1 << 20;

std::set<std::string> stringSet(const nlohmann::json& facts, const char* key)
{
    std::set<std::string> out;
    if (const auto it = facts.find(key); it != facts.end() && it->is_array()) {
        for (const auto& item : *it) {
            if (item.is_string()) {
                out.insert(item.get<std::string>());
            }
        }
    }
    return out;
}

} // namespace

Result<StdlibInfo> parseImageFacts(const nlohmann::json& facts)
{
    if (!facts.is_object() || !facts.contains("version") || !facts["version"].is_string() ||
        !facts.contains("stdlib") || !facts["stdlib"].is_array() || facts["stdlib"].empty()) {
        return fail(errc::DepsImage, std::string("The image's ") + PythonFactsPath +
                                         " has no \"version\" and \"stdlib\": rebuild the image with "
                                         "`agentrun image build`.");
    }
    StdlibInfo info;
    info.pythonVersion = facts["version"].get<std::string>();
    info.modules = stringSet(facts, "stdlib");
    info.distributions = stringSet(facts, "distributions");
    info.importable = stringSet(facts, "importable");
    return info;
}

Result<StdlibInfo> imageStdlib(engine::Client& client, const std::string& image)
{
    auto inspected = client.inspectImage(image);
    if (!inspected) {
        return std::unexpected(inspected.error());
    }
    const std::string imageId = json::textField(*inspected, "Id", image);

    static std::mutex mutex;
    static std::map<std::string, StdlibInfo> cache;
    {
        std::lock_guard lock(mutex);
        if (const auto it = cache.find(imageId); it != cache.end()) {
            return it->second;
        }
    }

    nlohmann::json spec = sandbox::containerSpec(model::Limits{}, imageId);
    spec["Entrypoint"] = {"python3", "-I", "-c", FactsScript, PythonFactsPath};
    spec["AttachStdin"] = false;
    spec["OpenStdin"] = false;
    spec["StdinOnce"] = false;
    spec["Labels"] = helperLabels("facts");
    std::string errors;
    auto outcome = runOneShot(
        client, spec, std::chrono::seconds(30),
        [&](std::string_view line) {
            if (errors.size() < 2000) {
                errors.append(line).append("\n");
            }
        },
        nullptr, MaxFactsBytes);
    if (!outcome) {
        return std::unexpected(outcome.error());
    }
    if (outcome->timedOut) {
        return fail(errc::DepsImage, "Reading the Python facts of " + image + " took longer than 30 s.");
    }
    if (outcome->exitCode == 3) {
        return fail(errc::DepsImage, "The image " + image + " has no " + PythonFactsPath +
                                         ": rebuild it with `agentrun image build`.");
    }
    const auto facts = nlohmann::json::parse(outcome->stdoutData, nullptr, false);
    if (outcome->exitCode != 0 || facts.is_discarded()) {
        return fail(errc::DepsImage, "Could not read the Python facts of " + image + " (exit status " +
                                         std::to_string(outcome->exitCode) + "): " + errors.substr(0, 300));
    }
    auto info = parseImageFacts(facts);
    if (!info) {
        return info;
    }
    std::lock_guard lock(mutex);
    cache.emplace(imageId, *info);
    return info;
}

} // namespace agentrun::deps
