// MCP's Streamable HTTP transport in-process (mcp::HttpEndpoint), without a socket or an engine: both
// eras (sessions of the initialize handshake, stateless 2026-07-28 requests with their headers), streams,
// cancellation by notification, by a closed stream and by DELETE, the session cap, shutdown, and hostile
// bodies and headers. The real server under `agentrun serve` is driven by the official SDK client in
// tests/mcp/client/http.test.mjs.
#include "faketools.h"
#include "httpendpoint.h"

#include <QtTest>

#include <chrono>
#include <thread>

using namespace agentrun;
using nlohmann::json;

namespace {

constexpr const char* BothTypes = "application/json, text/event-stream";

mcp::ServerOptions serverOptions()
{
    mcp::ServerOptions options;
    options.version = "test";
    return options;
}

json initializeMessage(int id = 0)
{
    return {{"jsonrpc", "2.0"},
            {"id", id},
            {"method", "initialize"},
            {"params",
             {{"protocolVersion", "2025-11-25"},
              {"capabilities", json::object()},
              {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}};
}

json callMessage(const json& id, const std::string& tool, const json& meta = json::object())
{
    json params = {{"name", tool}, {"arguments", json::object()}};
    if (!meta.empty()) {
        params["_meta"] = meta;
    }
    return {{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", params}};
}

json modernMeta()
{
    return {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
            {"io.modelcontextprotocol/clientCapabilities", json::object()}};
}

mcp::HttpRequest post(const json& message, const std::optional<std::string>& session = std::nullopt)
{
    mcp::HttpRequest request;
    request.body = message.dump();
    request.accept = BothTypes;
    request.sessionId = session;
    if (session) {
        request.protocolVersion = "2025-11-25";
    }
    return request;
}

/// A 2026-07-28 request with the headers that mirror its body.
mcp::HttpRequest modernPost(const json& message)
{
    mcp::HttpRequest request;
    request.body = message.dump();
    request.accept = BothTypes;
    request.protocolVersion = "2026-07-28";
    request.method = message["method"].get<std::string>();
    if (message["params"].contains("name")) {
        request.name = message["params"]["name"].get<std::string>();
    }
    return request;
}

std::string headerOf(const mcp::HttpReply& reply, const std::string& name)
{
    for (const auto& [key, value] : reply.headers) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

json body(const mcp::HttpReply& reply)
{
    return json::parse(reply.body, nullptr, false);
}

int errorCode(const mcp::HttpReply& reply)
{
    const json message = body(reply);
    return message.is_object() && message.contains("error") ? message["error"]["code"].get<int>() : 0;
}

/// Waits (generously: a busy machine) until `predicate` holds.
template <typename Predicate> bool eventually(Predicate predicate, int seconds = 30)
{
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!predicate()) {
        if (std::chrono::steady_clock::now() > end) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

/// Every message of a stream until it is finished.
std::vector<json> drain(mcp::Exchange& exchange)
{
    std::vector<json> messages;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!exchange.finished() && std::chrono::steady_clock::now() < end) {
        if (auto line = exchange.next(std::chrono::milliseconds(100))) {
            messages.push_back(json::parse(*line));
        }
    }
    return messages;
}

} // namespace

class TestMcpHttp : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initializeOpensASessionThatLaterRequestsName()
    {
        mcp::test::FakeTools tools;
        mcp::HttpEndpoint endpoint(tools, serverOptions());
        const auto opened = endpoint.post(post(initializeMessage()));
        QCOMPARE(opened.status, 200);
        QCOMPARE(body(opened)["result"]["protocolVersion"].get<std::string>(), std::string("2025-11-25"));
        const std::string session = headerOf(opened, "Mcp-Session-Id");
        QCOMPARE(session.size(), std::size_t(32)); // 128 random bits
        QCOMPARE(endpoint.sessions(), std::size_t(1));

        const auto initialized =
            endpoint.post(post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, session));
        QCOMPARE(initialized.status, 202);
        QVERIFY(initialized.body.empty());
        const auto listed =
            endpoint.post(post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}}, session));
        QCOMPARE(listed.status, 200);
        QCOMPARE(body(listed)["result"]["tools"].size(), std::size_t(2));

        // A tool call answers as a stream: its one message is the response.
        const auto called = endpoint.post(post(callMessage(2, "echo"), session));
        std::vector<json> messages;
        if (called.stream) {
            QVERIFY(called.sse);
            messages = drain(*called.stream);
        } else {
            messages.push_back(body(called)); // answered before post() returned: also allowed
        }
        QCOMPARE(messages.size(), std::size_t(1));
        QCOMPARE(messages.back()["id"].get<int>(), 2);

        // Without the session, a request of that era has nothing to belong to.
        const auto orphan = endpoint.post(post({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "tools/list"}}));
        QCOMPARE(orphan.status, 400);
        QVERIFY(body(orphan)["error"]["message"].get<std::string>().find("initialize") != std::string::npos);
        // initialize inside a session is refused; an unknown session is 404 (the client starts again).
        QCOMPARE(endpoint.post(post(initializeMessage(4), session)).status, 400);
        const auto unknown = endpoint.post(post({{"jsonrpc", "2.0"}, {"id", 5}, {"method", "ping"}}, "0123"));
        QCOMPARE(unknown.status, 404);
        QCOMPARE(body(unknown)["id"].get<int>(), 5);
        // A session's header must name a handshake revision.
        auto wrongVersion = post({{"jsonrpc", "2.0"}, {"id", 6}, {"method", "ping"}}, session);
        wrongVersion.protocolVersion = "1999-01-01";
        QCOMPARE(endpoint.post(wrongVersion).status, 400);
    }

    void progressComesOnTheCallsStreamAndCancellationIsPerSession()
    {
        mcp::test::FakeTools toolsA;
        mcp::HttpEndpoint endpoint(toolsA, serverOptions());
        const std::string a = headerOf(endpoint.post(post(initializeMessage())), "Mcp-Session-Id");
        const std::string b = headerOf(endpoint.post(post(initializeMessage())), "Mcp-Session-Id");
        QVERIFY(!a.empty() && !b.empty() && a != b);

        const auto call = endpoint.post(post(callMessage(7, "wait", {{"progressToken", "tok"}}), a));
        QVERIFY(call.stream);
        QVERIFY(eventually([&] { return toolsA.started.load(); }));
        const auto first = call.stream->next(std::chrono::seconds(30));
        QVERIFY(first);
        const json progress = json::parse(*first);
        QCOMPARE(progress["method"].get<std::string>(), std::string("notifications/progress"));
        QCOMPARE(progress["params"]["progressToken"].get<std::string>(), std::string("tok"));

        // Another session naming the same request id cancels nothing of this one.
        const json cancel7 = {
            {"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 7}}}};
        QCOMPARE(endpoint.post(post(cancel7, b)).status, 202);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        QVERIFY(!toolsA.sawCancel.load());
        QVERIFY(!call.stream->finished());

        // Its own session's cancellation stops it, and its stream ends without an answer.
        QCOMPARE(endpoint.post(post(cancel7, a)).status, 202);
        QVERIFY(eventually([&] { return toolsA.sawCancel.load(); }));
        QVERIFY(drain(*call.stream).empty());
        QVERIFY(call.stream->finished());
    }

    void aClosedStreamCancelsItsCall()
    {
        mcp::test::FakeTools tools;
        mcp::HttpEndpoint endpoint(tools, serverOptions());
        const auto call = endpoint.post(modernPost(callMessage("w", "wait", modernMeta())));
        QCOMPARE(call.status, 200);
        QVERIFY(call.stream);
        QVERIFY(eventually([&] { return tools.started.load(); }));
        call.stream->abandon(); // what the HTTP handler does when the client's connection is gone
        QVERIFY(eventually([&] { return tools.sawCancel.load(); }));
        QVERIFY(call.stream->finished());
    }

    void modernRequestsMirrorTheirBodyInHeaders()
    {
        mcp::test::FakeTools tools;
        mcp::HttpEndpoint endpoint(tools, serverOptions());
        const json message = callMessage(1, "echo", modernMeta());

        auto good = endpoint.post(modernPost(message));
        QCOMPARE(good.status, 200);
        const auto answer = good.stream ? drain(*good.stream).back() : body(good);
        QCOMPARE(answer["result"]["resultType"].get<std::string>(), std::string("complete"));

        auto encoded = modernPost(message);
        encoded.name = "=?base64?ZWNobw==?="; // "echo"
        QCOMPARE(endpoint.post(encoded).status, 200);

        auto noVersion = modernPost(message);
        noVersion.protocolVersion.reset();
        QCOMPARE(endpoint.post(noVersion).status, 400);
        QCOMPARE(errorCode(endpoint.post(noVersion)), mcp::HeaderMismatch);

        auto otherMethod = modernPost(message);
        otherMethod.method = "tools/list";
        QCOMPARE(errorCode(endpoint.post(otherMethod)), mcp::HeaderMismatch);

        auto otherName = modernPost(message);
        otherName.name = "wait"; // a gateway routing on the header would see another tool than the body runs
        QCOMPARE(errorCode(endpoint.post(otherName)), mcp::HeaderMismatch);

        auto badBase64 = modernPost(message);
        badBase64.name = "=?base64?%%%?=";
        QCOMPARE(errorCode(endpoint.post(badBase64)), mcp::HeaderMismatch);

        auto otherVersion = modernPost(message);
        otherVersion.protocolVersion = "2025-11-25";
        QCOMPARE(errorCode(endpoint.post(otherVersion)), mcp::HeaderMismatch);

        // An unknown method is 404 with a JSON-RPC error (how a client tells a modern server), an
        // unsupported revision 400 with the supported ones.
        json unknown = {
            {"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/lost"}, {"params", {{"_meta", modernMeta()}}}};
        const auto lost = endpoint.post(modernPost(unknown));
        QCOMPARE(lost.status, 404);
        QCOMPARE(errorCode(lost), mcp::MethodNotFound);
        json future = {
            {"jsonrpc", "2.0"}, {"id", 3}, {"method", "tools/list"}, {"params", {{"_meta", modernMeta()}}}};
        future["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = "2099-01-01";
        auto futurePost = modernPost(future);
        futurePost.protocolVersion = "2099-01-01";
        const auto unsupported = endpoint.post(futurePost);
        QCOMPARE(unsupported.status, 400);
        QCOMPARE(errorCode(unsupported), mcp::UnsupportedProtocolVersion);
        QCOMPARE(endpoint.sessions(), std::size_t(0)); // stateless: nothing kept
    }

    void acceptDecidesTheFormOfTheAnswer()
    {
        mcp::test::FakeTools tools;
        mcp::HttpEndpoint endpoint(tools, serverOptions());
        auto html = modernPost(callMessage(1, "echo", modernMeta()));
        html.accept = "text/html";
        QCOMPARE(endpoint.post(html).status, 406);

        auto jsonOnly = modernPost(callMessage(2, "wait", modernMeta()));
        jsonOnly.accept = "application/json";
        const auto call = endpoint.post(jsonOnly);
        QVERIFY(call.stream);
        QVERIFY(!call.sse); // the handler waits for the response and sends it alone
        call.stream->abandon();
        QVERIFY(eventually([&] { return tools.sawCancel.load(); }));
    }

    void hostileBodiesAreRefusedWithJsonRpcErrors()
    {
        mcp::test::FakeTools tools;
        mcp::HttpEndpoint endpoint(tools, serverOptions());
        const auto raw = [&](std::string text) {
            mcp::HttpRequest request;
            request.body = std::move(text);
            request.accept = BothTypes;
            return endpoint.post(request);
        };
        QCOMPARE(raw("{not json").status, 400);
        QCOMPARE(errorCode(raw("{not json")), mcp::ParseError);
        QCOMPARE(raw("").status, 400);
        QCOMPARE(raw(std::string(100000, '[') + std::string(100000, ']')).status, 400);
        QCOMPARE(raw(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])").status, 400); // no batches
        QCOMPARE(raw(R"({"jsonrpc":"1.0","id":1,"method":"ping"})").status, 400);
        QCOMPARE(raw(R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})").status, 400);
        QCOMPARE(raw(R"({"jsonrpc":"2.0","id":1,"result":{}})").status, 202); // a response answers nothing
        QCOMPARE(raw(R"({"jsonrpc":"2.0","method":"notifications/whatever"})").status, 202);
        QCOMPARE(raw(R"({"jsonrpc":"2.0","id":1,"method":"ping"})").status, 200); // needs no revision

        // The same id twice in one session while the first call runs: refused, the first one unharmed.
        const std::string session = headerOf(endpoint.post(post(initializeMessage())), "Mcp-Session-Id");
        const auto first = endpoint.post(post(callMessage(9, "wait"), session));
        QVERIFY(first.stream);
        const auto again = endpoint.post(post(callMessage(9, "echo"), session));
        QCOMPARE(errorCode(again), mcp::InvalidRequest);
        QVERIFY(!first.stream->finished());
        first.stream->abandon();
    }

    void theSessionCapEndsTheLeastRecentlyUsedIdleSession()
    {
        mcp::test::FakeTools tools;
        mcp::HttpEndpointOptions options;
        options.maxSessions = 2;
        mcp::HttpEndpoint endpoint(tools, serverOptions(), options);
        const std::string first = headerOf(endpoint.post(post(initializeMessage())), "Mcp-Session-Id");
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        const std::string second = headerOf(endpoint.post(post(initializeMessage())), "Mcp-Session-Id");
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        QCOMPARE(endpoint.post(post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, first)).status, 200);
        const std::string third = headerOf(endpoint.post(post(initializeMessage())), "Mcp-Session-Id");
        QVERIFY(!third.empty());
        QCOMPARE(endpoint.sessions(), std::size_t(2));
        // `second` was used least recently: it made room.
        QCOMPARE(endpoint.post(post({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "ping"}}, second)).status,
                 404);
        QCOMPARE(endpoint.post(post({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "ping"}}, first)).status, 200);

        // With a call running in each, no session is ended for a newcomer: 503, and both calls go on.
        const auto callA = endpoint.post(post(callMessage(4, "wait"), first));
        const auto callB = endpoint.post(post(callMessage(5, "wait"), third));
        QVERIFY(callA.stream && callB.stream);
        const auto refused = endpoint.post(post(initializeMessage()));
        QCOMPARE(refused.status, 503);
        QVERIFY(headerOf(refused, "Mcp-Session-Id").empty());
        QVERIFY(!callA.stream->finished() && !callB.stream->finished());
        callA.stream->abandon();
        callB.stream->abandon();
    }

    void idleSessionsEnd()
    {
        mcp::test::FakeTools tools;
        mcp::HttpEndpointOptions options;
        options.sessionIdle = std::chrono::seconds(0); // every idle session is past its time at once
        mcp::HttpEndpoint endpoint(tools, serverOptions(), options);
        const std::string session = headerOf(endpoint.post(post(initializeMessage())), "Mcp-Session-Id");
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        QCOMPARE(endpoint.post(post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, session)).status,
                 404);
        QCOMPARE(endpoint.sessions(), std::size_t(0));
    }

    void deleteEndsTheSessionAndItsCalls()
    {
        mcp::test::FakeTools tools;
        mcp::HttpEndpoint endpoint(tools, serverOptions());
        const std::string session = headerOf(endpoint.post(post(initializeMessage())), "Mcp-Session-Id");
        const auto call = endpoint.post(post(callMessage(1, "wait"), session));
        QVERIFY(call.stream);
        QVERIFY(eventually([&] { return tools.started.load(); }));
        QCOMPARE(endpoint.remove(session).status, 204);
        QVERIFY(tools.sawCancel.load()); // remove() waits for the call to end
        QVERIFY(drain(*call.stream).empty());
        QCOMPARE(endpoint.remove(session).status, 404);
        QCOMPARE(endpoint.post(post({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "ping"}}, session)).status,
                 404);
    }

    void shutdownClosesEveryStreamAndRefusesNewRequests()
    {
        mcp::test::FakeTools tools;
        mcp::HttpEndpoint endpoint(tools, serverOptions());
        const auto call = endpoint.post(modernPost(callMessage("s", "wait", modernMeta())));
        QVERIFY(call.stream);
        QVERIFY(eventually([&] { return tools.started.load(); }));
        endpoint.shutdown();
        QVERIFY(tools.sawCancel.load());
        QVERIFY(call.stream->finished());
        QCOMPARE(endpoint.post(post(initializeMessage())).status, 503);
        QCOMPARE(endpoint.post(modernPost(callMessage(2, "echo", modernMeta()))).status, 503);
    }

    void aSharedSlotBudgetMakesCallsBusyToolErrors()
    {
        mcp::test::FakeTools tools;
        mcp::ServerOptions options = serverOptions();
        std::atomic<int> free{1};
        options.callSlot = [&free]() -> std::shared_ptr<void> {
            if (free.fetch_sub(1) <= 0) {
                free.fetch_add(1);
                return nullptr;
            }
            return std::shared_ptr<void>(new int(0), [&free](void* slot) {
                delete static_cast<int*>(slot);
                free.fetch_add(1);
            });
        };
        mcp::HttpEndpoint endpoint(tools, options);
        const auto running = endpoint.post(modernPost(callMessage(1, "wait", modernMeta())));
        QVERIFY(running.stream);
        QVERIFY(eventually([&] { return tools.started.load(); }));
        const auto busy = endpoint.post(modernPost(callMessage(2, "echo", modernMeta())));
        QCOMPARE(busy.status, 200);
        const json answer = body(busy);
        QCOMPARE(answer["result"]["isError"].get<bool>(), true);
        QVERIFY(answer.dump().find("busy") != std::string::npos);
        running.stream->abandon();
        QVERIFY(eventually([&] { return free.load() == 1; })); // the slot came back when the call ended
    }

    void headerValuesDecode()
    {
        QCOMPARE(*mcp::decodeHeaderValue("run_python"), std::string("run_python"));
        QCOMPARE(*mcp::decodeHeaderValue("=?base64?SGVsbG8sIOS4lueVjA==?="), std::string("Hello, 世界"));
        QVERIFY(!mcp::decodeHeaderValue("=?base64?not base64!?="));
        QCOMPARE(*mcp::decodeHeaderValue("=?base64"), std::string("=?base64"));
    }
};

QTEST_GUILESS_MAIN(TestMcpHttp)
#include "tst_http.moc"
