#include "resthttp.h"

#include "agentrun/errorcodes.h"
#include "agentrun/run/resultjson.h"

#include <arpa/inet.h>

#include <cmath>
#include <set>

namespace agentrun::cli {

void sendJson(httplib::Response& res, int status, const nlohmann::json& body)
{
    res.status = status;
    res.set_content(run::dumpJson(body), "application/json");
}

void sendError(httplib::Response& res, int status, std::string_view code, std::string_view message)
{
    sendJson(res, status, {{"error", {{"code", code}, {"message", message}}}});
}

void sendBusy(httplib::Response& res, int maxConcurrent)
{
    res.set_header("Retry-After", "1");
    sendError(res, 429, errc::ServerBusy,
              "Too many runs at once: this server runs at most " + std::to_string(maxConcurrent) +
                  " together (--max-concurrent). Retry in a moment.");
}

bool nestedDeeperThan(std::string_view text, int limit)
{
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    for (const char c : text) {
        if (inString) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                inString = false;
            }
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) {
                return true;
            }
        } else if (c == ']' || c == '}') {
            --depth; // below zero only in text the parser rejects anyway
        }
    }
    return false;
}

std::optional<nlohmann::json> parseJsonBody(const httplib::Request& req, httplib::Response& res,
                                            bool fastApiDetail)
{
    // The content type was checked before the body was read (RestServer's middleware). nlohmann parses
    // without recursion, but copying, comparing and dumping a value recurse once per level: a body of a
    // few hundred thousand brackets overflowed a worker's stack. Such a body never becomes a value.
    const auto reject = [&](const std::string& code, const std::string& message, std::size_t byte) {
        nlohmann::json reply = {{"error", {{"code", code}, {"message", message}}}};
        if (fastApiDetail) {
            reply["detail"] = {
                {{"type", "json_invalid"}, {"loc", {"body", byte}}, {"msg", "JSON decode error"}}};
        }
        sendJson(res, 400, reply);
    };
    if (nestedDeeperThan(req.body, MaxJsonDepth)) {
        reject(errc::RequestJsonDepth,
               "The request body nests arrays and objects more than " + std::to_string(MaxJsonDepth) +
                   " levels deep: this server accepts at most " + std::to_string(MaxJsonDepth) + ".",
               0);
        return std::nullopt;
    }
    nlohmann::json body;
    try {
        body = nlohmann::json::parse(req.body);
    } catch (const nlohmann::json::parse_error& error) {
        reject(errc::RequestJson,
               "The request body is not valid JSON (at byte " + std::to_string(error.byte) + ").",
               error.byte);
        return std::nullopt;
    }
    return body;
}

bool tokenMatches(std::string_view presented, std::string_view expected)
{
    // Every byte of the longer string is looked at whatever the contents, so the time taken says nothing
    // about how much of the token was right.
    const std::size_t length = std::max(presented.size(), expected.size());
    unsigned char difference = presented.size() == expected.size() ? 0 : 1;
    for (std::size_t i = 0; i < length; ++i) {
        const auto a = static_cast<unsigned char>(i < presented.size() ? presented[i] : 0);
        const auto b = static_cast<unsigned char>(i < expected.size() ? expected[i] : 0);
        difference = static_cast<unsigned char>(difference | (a ^ b));
    }
    volatile unsigned char result = difference;
    return result == 0;
}

bool isLoopbackHost(std::string_view host)
{
    if (host == "localhost") {
        return true;
    }
    const std::string text(host);
    in_addr v4{};
    if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
        return (ntohl(v4.s_addr) >> 24) == 127;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
        return IN6_IS_ADDR_LOOPBACK(&v6);
    }
    return false;
}

} // namespace agentrun::cli
