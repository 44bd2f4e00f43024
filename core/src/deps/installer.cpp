#include "agentrun/deps/installer.h"

#include "agentrun/engine/client.h"
#include "agentrun/errorcodes.h"
#include "agentrun/jsonfield.h"
#include "agentrun/sandbox/containerspec.h"
#include "agentrun/sandbox/egressproxy.h"
#include "deps/cachevolumes.h"
#include "deps/indexroute.h"
#include "deps/installerscript.h"
#include "deps/oneshot.h"
#include "deps/wheelhousecopy.h"

#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>

namespace agentrun::deps {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t KeptPipLines = 200;

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string joined(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ",") + item;
    }
    return out;
}

/// The marker proves the volume holds exactly this set for this image; its "installed" list is returned.
std::optional<std::vector<std::string>> markerMatches(const std::string& text, const nlohmann::json& expected)
{
    const auto marker = nlohmann::json::parse(text, nullptr, false);
    if (!marker.is_object() || marker.value("requirements", nlohmann::json()) != expected["requirements"] ||
        json::textField(marker, "image") != expected["image"] ||
        json::textField(marker, "source") != expected["source"]) {
        return std::nullopt;
    }
    std::vector<std::string> installed;
    for (const auto& item : json::arrayField(marker, "installed")) {
        if (item.is_string()) {
            installed.push_back(item.get<std::string>());
        }
    }
    return installed;
}

/// The egress proxy's lease for an index install: that index's host only (and AGENTRUN_INDEX_HOSTS).
Result<sandbox::EgressProxies::Lease> indexLease(const IndexAccess& access, const InstallSource& source)
{
    if (access.proxies == nullptr) {
        return fail(errc::NetworkProxy, "An install from an index goes through the egress proxy, and this "
                                        "installer was given none: use a wheelhouse, or install through "
                                        "the run pipeline (agentrun run --allow … --index-url URL).");
    }
    auto entries = indexAllowList(source.indexUrl, access.extraHosts);
    if (!entries) {
        return std::unexpected(entries.error());
    }
    return access.proxies->acquire(*entries);
}

} // namespace

Result<void> validateSource(const InstallSource& source)
{
    if (source.wheelhouse.empty() == source.indexUrl.empty()) {
        return fail(errc::DepsSource, "Say where packages come from: a wheelhouse directory or an index URL "
                                      "(exactly one of them).");
    }
    if (!source.wheelhouse.empty()) {
        std::error_code error;
        const std::filesystem::path path(source.wheelhouse);
        if (!path.is_absolute() || !std::filesystem::is_directory(path, error)) {
            return fail(errc::DepsSource, "The wheelhouse \"" + source.wheelhouse +
                                              "\" is not an existing directory given by its absolute path.");
        }
        if (std::filesystem::directory_iterator(path, error); error) {
            return fail(errc::DepsSource, "Cannot read the wheelhouse " + source.wheelhouse + ": " +
                                              error.message() +
                                              ". Give a folder you can list (ls must work).");
        }
        if (source.wheelhouse.find(',') != std::string::npos) {
            return fail(errc::DepsSource,
                        "The wheelhouse path \"" + source.wheelhouse + "\" contains a comma.");
        }
        return {};
    }
    const std::string& url = source.indexUrl;
    const bool http = url.starts_with("https://") || url.starts_with("http://");
    const bool clean =
        std::ranges::none_of(url, [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
    if (!http || !clean || url.size() > 2000) {
        return fail(errc::DepsSource,
                    "The index URL \"" + url.substr(0, 100) + "\" is not an http(s) URL without spaces.");
    }
    return {};
}

std::string sourceLabel(const InstallSource& source)
{
    if (!source.wheelhouse.empty()) {
        return "wheelhouse";
    }
    std::string rest = source.indexUrl.substr(source.indexUrl.find("://") + 3);
    rest = rest.substr(0, rest.find('/'));
    if (const auto at = rest.rfind('@'); at != std::string::npos) {
        rest = rest.substr(at + 1);
    }
    return "index " + rest;
}

class Installer::Impl
{
public:
    Impl(engine::Client& engineClient, std::string imageRef, IndexAccess indexAccess)
        : client(engineClient), image(std::move(imageRef)), access(std::move(indexAccess))
    {}

    /// One install per set at a time in the whole process, whichever Installer asks: two installers
    /// filling one volume would mix their files. (Across processes the engine refuses to remove a volume
    /// in use, which ends in deps.busy.) The mutexes live as long as the process; there are few sets.
    static std::mutex& setMutex(const std::string& volume)
    {
        static std::mutex mutex;
        static std::map<std::string, std::unique_ptr<std::mutex>> mutexes;
        std::lock_guard lock(mutex);
        auto& slot = mutexes[volume];
        if (!slot) {
            slot = std::make_unique<std::mutex>();
        }
        return *slot;
    }

    engine::Client& client;
    std::string image;
    IndexAccess access;
    std::mutex mapMutex;
    struct Verified
    {
        std::string createdAt;
        std::vector<std::string> installed;
    };
    std::map<std::string, Verified> complete; ///< volumes verified complete in this process
};

Installer::Installer(engine::Client& client, std::string image, IndexAccess access)
    : m_impl(std::make_unique<Impl>(client, std::move(image), std::move(access)))
{}

Installer::~Installer() = default;

Result<InstallResult> Installer::install(const std::vector<Requirement>& requirements,
                                         const InstallSource& source, std::chrono::seconds timeout,
                                         const std::function<void(std::string_view line)>& progress,
                                         const std::atomic<bool>& cancel, const std::string& image)
{
    const auto start = Clock::now();
    const auto say = [&](std::string_view line) {
        if (progress) {
            progress(line);
        }
    };
    if (requirements.empty()) {
        return InstallResult{{}, true, msSince(start), {}, {}};
    }
    // Requirement is a plain struct: whatever built it, pip only ever sees what parseRequirement accepts.
    for (const auto& requirement : requirements) {
        auto checked = parseRequirement(toString(requirement));
        if (!checked || checked->name != requirement.name) {
            return checked
                       ? fail(errc::DepsSpec, "The requirement name \"" + requirement.name +
                                                  "\" is not normalised: build it with parseRequirement().")
                       : std::unexpected(checked.error());
        }
    }
    if (auto valid = validateSource(source); !valid) {
        return std::unexpected(valid.error());
    }
    if (timeout.count() <= 0) {
        return fail(errc::DepsTimeout, "The install timeout must be at least 1 second.");
    }
    auto& client = m_impl->client;
    auto inspected = client.inspectImage(image.empty() ? m_impl->image : image);
    if (!inspected) {
        return std::unexpected(inspected.error());
    }
    const std::string imageId = json::textField(*inspected, "Id", m_impl->image);
    const std::vector<std::string> texts = sortedRequirementTexts(requirements);
    const std::string volume = cacheVolumeName(requirements, imageId, source);
    const nlohmann::json marker = {
        {"requirements", texts}, {"image", imageId}, {"source", sourceIdentity(source)}};

    std::lock_guard setLock(Impl::setMutex(volume));

    // 1. A complete volume for this set: reuse it.
    auto createdAt = volumeCreatedAt(client, volume);
    if (!createdAt) {
        return std::unexpected(createdAt.error());
    }
    if (*createdAt) {
        std::optional<std::vector<std::string>> installed;
        {
            std::lock_guard lock(m_impl->mapMutex);
            if (const auto it = m_impl->complete.find(volume);
                it != m_impl->complete.end() && it->second.createdAt == **createdAt) {
                installed = it->second.installed;
            }
        }
        if (!installed) {
            auto text = readMarker(client, imageId, volume);
            if (!text) {
                return std::unexpected(text.error());
            }
            if (*text) {
                installed = markerMatches(**text, marker);
            }
        }
        if (installed) {
            {
                std::lock_guard lock(m_impl->mapMutex);
                m_impl->complete[volume] = {**createdAt, *installed};
            }
            say("Using cached dependencies " + joined(texts) + " (volume " + volume + ")");
            return InstallResult{volume, true, msSince(start), *installed, {}};
        }
        say("Removing the unfinished dependency volume " + volume);
        if (auto removed = removeVolume(client, volume); !removed) {
            return std::unexpected(removed.error());
        }
    }

    // 2. Install into a fresh volume; any failure removes it again.
    const nlohmann::json labels = {{sandbox::ManagedLabel, "1"},
                                   {DepsLabel, "cache"},
                                   {std::string(DepsLabel) + ".requirements", joined(texts)},
                                   {std::string(DepsLabel) + ".image", imageId},
                                   {std::string(DepsLabel) + ".source", sourceLabel(source)}};
    if (auto created = createVolume(client, volume, labels); !created) {
        return std::unexpected(created.error());
    }
    // The wheelhouse goes in as a copy (see WheelhouseVolume): removed when this install is over.
    std::optional<WheelhouseVolume> wheels;
    if (!source.wheelhouse.empty()) {
        auto filled = WheelhouseVolume::fill(client, imageId, source.wheelhouse);
        if (!filled) {
            removeVolume(client, volume);
            return std::unexpected(filled.error());
        }
        wheels.emplace(std::move(*filled));
    }
    // An index is reached through the egress proxy, on a segment of the install's own: its host only.
    std::optional<sandbox::EgressProxies::Lease> lease;
    if (!source.indexUrl.empty()) {
        auto leased = indexLease(m_impl->access, source);
        if (!leased) {
            removeVolume(client, volume);
            return std::unexpected(leased.error());
        }
        lease = std::move(*leased);
    }
    struct Releaser
    {
        sandbox::EgressProxies* proxies;
        std::optional<sandbox::EgressProxies::Lease>& lease;
        ~Releaser()
        {
            if (lease) {
                proxies->release(*lease);
            }
        }
    } releaser{m_impl->access.proxies, lease};
    const IndexRoute route = lease ? IndexRoute{lease->network, lease->proxyUrl, lease->env} : IndexRoute{};
    say("Installing " + joined(texts) +
        (source.wheelhouse.empty()
             ? " from " + sourceLabel(source) + " (through the egress proxy: " + "that host only)"
             : " from the wheelhouse (offline)"));

    std::deque<std::string> lines;
    std::vector<std::string> installed;
    const auto onLine = [&](std::string_view line) {
        if (line.starts_with(InstalledPrefix)) {
            const auto done =
                nlohmann::json::parse(line.substr(std::string_view(InstalledPrefix).size()), nullptr, false);
            if (done.is_object() && done.contains("installed") && done["installed"].is_array()) {
                for (const auto& item : done["installed"]) {
                    if (item.is_string()) {
                        installed.push_back(item.get<std::string>());
                    }
                }
            }
            say(std::string("Installed ") + joined(installed));
            return;
        }
        lines.emplace_back(line);
        if (lines.size() > KeptPipLines) {
            lines.pop_front();
        }
        say(line);
    };
    std::string clientAddress; // the installer's on its segment: the proxy records requests by it
    auto outcome = runOneShot(client,
                              installerSpec(imageId, volume, requirements, source, marker.dump(),
                                            wheels ? wheels->name() : "", lease ? &route : nullptr),
                              std::chrono::duration_cast<std::chrono::milliseconds>(timeout), onLine, &cancel,
                              0, [&](const std::string& id) {
                                  if (lease) {
                                      if (auto state = client.inspectContainer(id)) {
                                          clientAddress = sandbox::addressOn(*state, lease->network);
                                      }
                                  }
                              });
    std::vector<model::Connection> connections;
    if (lease) {
        connections = m_impl->access.proxies->take(*lease, clientAddress);
        for (const auto& line : indexTrafficLines(connections)) {
            say(line);
        }
    }
    const auto discard = [&] { removeVolume(client, volume); };
    if (!outcome) {
        discard();
        return std::unexpected(outcome.error());
    }
    if (outcome->cancelled) {
        discard();
        return fail(errc::DepsCancelled, "The dependency install was cancelled.");
    }
    if (outcome->timedOut) {
        discard();
        return fail(errc::DepsInstallTimeout, "The dependency install timed out after " +
                                                  std::to_string(timeout.count()) + " s and was stopped (" +
                                                  joined(texts) + ").");
    }
    if (outcome->exitCode != 0) {
        discard();
        const std::string refused = refusedIndexHosts(connections);
        return fail(
            errc::DepsInstallFailed,
            installFailureMessage(std::vector<std::string>(lines.begin(), lines.end()), requirements) +
                (refused.empty() ? "" : " " + refused));
    }
    if (auto made = volumeCreatedAt(client, volume); made && *made) {
        std::lock_guard lock(m_impl->mapMutex);
        m_impl->complete[volume] = {**made, installed};
    }
    return InstallResult{volume, false, msSince(start), installed, std::move(connections)};
}

Result<std::vector<CacheEntry>> Installer::listCache()
{
    return listCacheVolumes(m_impl->client);
}

Result<void> Installer::removeCache(const std::string& volume)
{
    auto entries = listCacheVolumes(m_impl->client);
    if (!entries) {
        return std::unexpected(entries.error());
    }
    if (std::ranges::find(*entries, volume, &CacheEntry::volume) == entries->end()) {
        return fail(errc::DepsNotCache, "There is no dependency cache volume called " + volume + ".");
    }
    {
        std::lock_guard lock(m_impl->mapMutex);
        m_impl->complete.erase(volume);
    }
    return removeVolume(m_impl->client, volume);
}

Result<int> Installer::pruneCache()
{
    {
        std::lock_guard lock(m_impl->mapMutex);
        m_impl->complete.clear();
    }
    return pruneCacheVolumes(m_impl->client);
}

} // namespace agentrun::deps
