#include "agentrun/engine/client.h"
#include "agentrun/engine/jsonlines.h"
#include "agentrun/engine/urlencode.h"
#include "agentrun/errorcodes.h"

#include "engine/connecterror.h"
#include "engine/curlhandle.h"
#include "engine/jsonfield.h"
#include "engine/transport.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

namespace agentrun::engine {

namespace {

struct GlobalInit
{
    GlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

std::string engineMessage(std::string_view body)
{
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_object() && json.contains("message") && json["message"].is_string()) {
        return json["message"].get<std::string>();
    }
    return std::string(body.substr(0, 300));
}

bool versionAtLeast(std::string_view have, std::string_view want)
{
    const auto parts = [](std::string_view v) {
        int major = 0;
        int minor = 0;
        std::sscanf(std::string(v).c_str(), "%d.%d", &major, &minor);
        return std::pair{major, minor};
    };
    return parts(have) >= parts(want);
}

} // namespace

class Client::HandlePool
{
public:
    CurlHandle take()
    {
        std::lock_guard lock(m_mutex);
        if (m_free.empty()) {
            return CurlHandle();
        }
        CurlHandle handle = std::move(m_free.back());
        m_free.pop_back();
        return handle;
    }
    void give(CurlHandle handle)
    {
        std::lock_guard lock(m_mutex);
        if (m_free.size() < 8) {
            m_free.push_back(std::move(handle));
        }
    }

private:
    std::mutex m_mutex;
    std::vector<CurlHandle> m_free;
};

namespace {
// The object an engine error names ("No such image: NAME", "No such container: ID"): callers' own
// subjects say what they were doing ("exec in container …", "image …"), which read badly after "The
// container". A full 64-hex id is shortened as everywhere else.
std::string namedInMessage(const std::string& message, std::string_view prefix, const std::string& fallback)
{
    const auto at = message.find(prefix);
    if (at == std::string::npos) {
        return fallback;
    }
    std::string name = message.substr(at + prefix.size());
    name = name.substr(0, name.find_first_of(" \t\r\n"));
    if (name.empty()) {
        return fallback;
    }
    if (name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos) {
        name.resize(12);
    }
    return name;
}

// "Conflict. The container name "/x" is already in use by container "abc…". You have to …"
std::string nameConflict(const std::string& message)
{
    const auto nameStart = message.find("name \"/");
    const auto nameEnd = nameStart == std::string::npos ? nameStart : message.find('"', nameStart + 7);
    const auto idStart = message.find("by container \"");
    const auto idEnd = idStart == std::string::npos ? idStart : message.find('"', idStart + 14);
    if (nameEnd == std::string::npos || idEnd == std::string::npos) {
        return {};
    }
    const std::string name = message.substr(nameStart + 7, nameEnd - nameStart - 7);
    const std::string id = message.substr(idStart + 14, std::min<std::size_t>(12, idEnd - idStart - 14));
    return "The container name " + name + " is already taken by container " + id +
           ": remove that container or choose another name.";
}
} // namespace

Error httpError(long status, std::string_view body, std::string_view what)
{
    std::string message = engineMessage(body);
    while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) {
        message.pop_back(); // plain-text answers end with a newline
    }
    if (message.empty()) {
        message = "no message";
    }
    const std::string subject(what);
    if (status == 404 && message.find("No such image") != std::string::npos) {
        return {errc::ImageMissing, "The image " + namedInMessage(message, "No such image: ", subject) +
                                        " is not in the engine: build it with `agentrun image build` (or "
                                        "./packaging/quickstart.sh in a source checkout)."};
    }
    if (status == 404 && message.find("No such container") != std::string::npos) {
        return {errc::ContainerGone, "The container " +
                                         namedInMessage(message, "No such container: ", subject) +
                                         " no longer exists: it was removed from outside while in use."};
    }
    if (status == 409 && message.find("Conflict") != std::string::npos) {
        const std::string conflict = nameConflict(message);
        return {errc::ContainerConflict,
                conflict.empty() ? "The Docker engine refused " + subject + ": " + message : conflict};
    }
    if (status == 409) {
        return {errc::ContainerState, "The Docker engine refused " + subject + ": " + message};
    }
    return {errc::EngineError,
            "The Docker engine answered HTTP " + std::to_string(status) + " for " + subject + ": " + message};
}

Client::Client(Endpoint endpoint) : m_endpoint(std::move(endpoint)), m_handles(std::make_unique<HandlePool>())
{
    static GlobalInit init;
}

Client::~Client() = default;

std::string Client::apiPrefix()
{
    std::lock_guard lock(m_versionMutex);
    return "/v" + (m_apiVersion.empty() ? std::string(MinimumApiVersion) : m_apiVersion);
}

Result<Client::Response> Client::perform(std::string_view method, const std::string& url,
                                         std::string_view body, std::chrono::milliseconds timeout,
                                         std::string_view contentType,
                                         const std::function<bool(std::string_view)>* sink,
                                         const std::atomic<bool>* stop)
{
    CurlHandle handle = m_handles->take();
    if (!handle) {
        return fail(errc::EngineInternal, "Could not create a libcurl handle (out of memory?).");
    }
    CURL* curl = handle.get();
    curl_easy_reset(curl);

    struct Context
    {
        std::string body;
        const std::function<bool(std::string_view)>* sink;
        const std::atomic<bool>* stop;
        CURL* curl;
        bool stoppedBySink = false;
    } context{{}, sink, stop, curl};

    const std::string methodText(method);
    CurlHeaders headers;
    const std::string contentTypeHeader = "Content-Type: " + std::string(contentType);
    headers.append(contentTypeHeader.c_str());
    headers.append("Expect:");

    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    char errorBuffer[CURL_ERROR_SIZE];
    applyEndpoint(curl, m_endpoint, errorBuffer);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, methodText.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    if (timeout.count() > 0) {
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    }
    if (method == "POST" || method == "PUT") {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    } else if (method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    }
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &context);
    curl_easy_setopt(
        curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t count, void* user) -> size_t {
            auto* ctx = static_cast<Context*>(user);
            const std::string_view chunk(data, size * count);
            long status = 0;
            curl_easy_getinfo(ctx->curl, CURLINFO_RESPONSE_CODE, &status);
            if (ctx->sink && status >= 300) {
                // An error answer is one JSON message, not the stream the sink expects: keep it (bounded)
                // for httpError().
                ctx->body.append(chunk.substr(
                    0, std::min<std::size_t>(chunk.size(),
                                             65536 - std::min<std::size_t>(ctx->body.size(), 65536))));
            } else if (ctx->sink) {
                if (!(*ctx->sink)(chunk)) {
                    ctx->stoppedBySink = true;
                    return 0;
                }
            } else {
                ctx->body.append(chunk);
            }
            return size * count;
        });
    if (stop) {
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &context);
        curl_easy_setopt(
            curl, CURLOPT_XFERINFOFUNCTION,
            +[](void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
                return static_cast<Context*>(user)->stop->load() ? 1 : 0;
            });
    }

    const CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    long osErrno = 0;
    curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &osErrno);
    // The handle goes back without the buffer on this stack: a later request sets its own.
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    m_handles->give(std::move(handle));

    if (code != CURLE_OK) {
        if (context.stoppedBySink || (stop && stop->load() && code == CURLE_ABORTED_BY_CALLBACK)) {
            return Response{status, std::move(context.body)};
        }
        Error error = connectError(m_endpoint, code, static_cast<int>(osErrno), timeout, errorBuffer);
        if (m_endpoint.tls() && status == 0 && error.code == errc::EngineConnectionLost) {
            if (auto refused = probeClientCertificate(m_endpoint, std::chrono::seconds(2))) {
                return std::unexpected(*refused);
            }
        }
        return std::unexpected(error);
    }
    if (auto refused = plainHttpToTlsPort(m_endpoint, status, context.body)) {
        return std::unexpected(*refused);
    }
    return Response{status, std::move(context.body)};
}

Result<Client::Response> Client::request(std::string_view method, std::string_view path,
                                         std::string_view body, std::chrono::milliseconds timeout,
                                         std::string_view contentType)
{
    return perform(method, m_endpoint.baseUrl() + apiPrefix() + std::string(path), body, timeout, contentType,
                   nullptr, nullptr);
}

Result<void> Client::ping()
{
    auto response = perform("GET", m_endpoint.baseUrl() + "/_ping", {}, std::chrono::seconds(5),
                            "application/json", nullptr, nullptr);
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, "ping"));
    }
    return {};
}

Result<EngineInfo> Client::info()
{
    auto version = perform("GET", m_endpoint.baseUrl() + "/version", {}, std::chrono::seconds(10),
                           "application/json", nullptr, nullptr);
    if (!version) {
        return std::unexpected(version.error());
    }
    if (version->status != 200) {
        return std::unexpected(httpError(version->status, version->body, "/version"));
    }
    const auto json = nlohmann::json::parse(version->body, nullptr, false);
    if (!json.is_object()) {
        return fail(errc::EngineProtocol, "The Docker engine sent an unreadable /version answer.");
    }
    EngineInfo result;
    result.version = textField(json, "Version");
    const std::string serverApi = textField(json, "ApiVersion");
    result.os = textField(json, "Os");
    if (serverApi.empty()) {
        return fail(errc::EngineProtocol, "The Docker engine sent an unreadable /version answer.");
    }
    if (!versionAtLeast(serverApi, MinimumApiVersion)) {
        return fail(errc::EngineTooOld, "The Docker engine speaks API " + serverApi + " but AgentRun needs " +
                                            MinimumApiVersion + " or newer (Docker 20.10+): upgrade Docker.");
    }
    // Use the newest version both sides know: ours is 1.43.
    result.apiVersion = versionAtLeast(serverApi, "1.43") ? std::string("1.43") : serverApi;
    {
        std::lock_guard lock(m_versionMutex);
        m_apiVersion = result.apiVersion;
    }
    auto infoResponse = request("GET", "/info", {}, std::chrono::seconds(10));
    if (infoResponse && infoResponse->status == 200) {
        const auto infoJson = nlohmann::json::parse(infoResponse->body, nullptr, false);
        if (infoJson.is_object()) {
            result.cgroupVersion = textField(infoJson, "CgroupVersion");
            if (infoJson.contains("Runtimes") && infoJson["Runtimes"].is_object()) {
                for (const auto& [name, value] : infoJson["Runtimes"].items()) {
                    result.runtimes.push_back(name);
                }
            }
        }
    }
    return result;
}

Result<std::string> Client::createContainer(const nlohmann::json& spec, std::string_view name)
{
    std::string path = "/containers/create";
    if (!name.empty()) {
        path += "?name=" + urlEncode(name);
    }
    auto response = request("POST", path, spec.dump());
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 201) {
        return std::unexpected(
            httpError(response->status, response->body, "image " + textField(spec, "Image")));
    }
    const auto json = nlohmann::json::parse(response->body, nullptr, false);
    const std::string id = textField(json, "Id");
    if (id.empty()) {
        return fail(errc::EngineProtocol, "The Docker engine did not return a container id.");
    }
    return id;
}

namespace {
Result<void> expectStatus(const Result<Client::Response>& response, std::initializer_list<long> ok,
                          std::string_view what)
{
    if (!response) {
        return std::unexpected(response.error());
    }
    for (const long status : ok) {
        if (response->status == status) {
            return {};
        }
    }
    return std::unexpected(httpError(response->status, response->body, what));
}
} // namespace

Result<void> Client::startContainer(std::string_view id)
{
    return expectStatus(request("POST", "/containers/" + std::string(id) + "/start"), {204, 304},
                        "container " + std::string(id.substr(0, 12)));
}

Result<void> Client::killContainer(std::string_view id, std::string_view signal)
{
    return expectStatus(
        request("POST", "/containers/" + std::string(id) + "/kill?signal=" + urlEncode(signal)), {204, 409},
        "container " + std::string(id.substr(0, 12)));
}

Result<void> Client::removeContainer(std::string_view id, bool force)
{
    return expectStatus(
        request("DELETE", "/containers/" + std::string(id) + "?v=1&force=" + (force ? "1" : "0")), {204, 404},
        "container " + std::string(id.substr(0, 12)));
}

Result<nlohmann::json> Client::inspectContainer(std::string_view id)
{
    auto response = request("GET", "/containers/" + std::string(id) + "/json");
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(
            httpError(response->status, response->body, "container " + std::string(id.substr(0, 12))));
    }
    auto json = nlohmann::json::parse(response->body, nullptr, false);
    if (json.is_discarded()) {
        return fail(errc::EngineProtocol, "The Docker engine sent an unreadable container description.");
    }
    return json;
}

Result<int> Client::waitContainer(std::string_view id, std::chrono::milliseconds timeout)
{
    auto response =
        request("POST", "/containers/" + std::string(id) + "/wait?condition=not-running", {}, timeout);
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(
            httpError(response->status, response->body, "container " + std::string(id.substr(0, 12))));
    }
    const auto json = nlohmann::json::parse(response->body, nullptr, false);
    if (!json.is_object() || !json.contains("StatusCode") || !json["StatusCode"].is_number_integer()) {
        return fail(errc::EngineProtocol, "The Docker engine sent an unreadable wait answer.");
    }
    return json["StatusCode"].get<int>();
}

Result<std::vector<std::string>> Client::listContainers(std::string_view labelFilter, bool all)
{
    const nlohmann::json filters = {{"label", {std::string(labelFilter)}}};
    auto response = request("GET", std::string("/containers/json?all=") + (all ? "1" : "0") +
                                       "&filters=" + urlEncode(filters.dump()));
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, "container list"));
    }
    std::vector<std::string> ids;
    const auto json = nlohmann::json::parse(response->body, nullptr, false);
    // An unreadable list must not read as "no containers": removeByLabel() would report a clean slate.
    if (!json.is_array()) {
        return fail(errc::EngineProtocol, "The Docker engine sent an unreadable container list.");
    }
    for (const auto& item : json) {
        const std::string id = textField(item, "Id");
        if (id.empty()) {
            return fail(errc::EngineProtocol, "The Docker engine sent an unreadable container list.");
        }
        ids.push_back(id);
    }
    return ids;
}

Result<int> Client::removeByLabel(std::string_view labelFilter)
{
    auto ids = listContainers(labelFilter);
    if (!ids) {
        return std::unexpected(ids.error());
    }
    int removed = 0;
    for (const auto& id : *ids) {
        if (removeContainer(id)) {
            ++removed;
        }
    }
    return removed;
}

Result<nlohmann::json> Client::inspectImage(std::string_view ref)
{
    auto response = request("GET", "/images/" + std::string(ref) + "/json");
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, std::string(ref)));
    }
    auto json = nlohmann::json::parse(response->body, nullptr, false);
    if (!json.is_object()) {
        return fail(errc::EngineProtocol,
                    "The Docker engine sent an unreadable answer for image " + std::string(ref) + ".");
    }
    return json;
}

Result<void> Client::streamStats(std::string_view id,
                                 const std::function<bool(const nlohmann::json&)>& sample,
                                 const std::atomic<bool>& stop)
{
    JsonLinesParser lines([&](const nlohmann::json& json) { return !json.is_object() || sample(json); });
    const std::function<bool(std::string_view)> sink = [&](std::string_view chunk) {
        return lines.feed(chunk) && !stop.load();
    };
    auto response = perform(
        "GET", m_endpoint.baseUrl() + apiPrefix() + "/containers/" + std::string(id) + "/stats?stream=1", {},
        std::chrono::milliseconds(0), "application/json", &sink, &stop);
    if (!response) {
        return std::unexpected(response.error());
    }
    if (response->status != 200) {
        return std::unexpected(httpError(response->status, response->body, "stats of " + std::string(id)));
    }
    return {};
}

} // namespace agentrun::engine
