// The MCP protocol layer in-process, without a process or an engine: framing, hostile input, both eras of
// the lifecycle, dispatch, progress and cancellation. A fake tool box stands in for the sandbox.
#include "faketools.h"
#include "server.h"
#include "stdiotransport.h"

#include <QtTest>

#include <atomic>
#include <chrono>
#include <thread>
#include <unistd.h>

using namespace agentrun;
using nlohmann::json;

namespace {

/// A server whose output lines are collected.
struct Harness
{
    explicit Harness(int maxCalls = 4)
        : server(
              tools,
              [maxCalls] {
                  mcp::ServerOptions options;
                  options.version = "test";
                  options.maxConcurrentCalls = maxCalls;
                  return options;
              }(),
              [this](const std::string& line) {
                  std::lock_guard lock(mutex);
                  // Calls answer from their own threads: a broken line is noted here, checked on the test's.
                  brokenLines += line.find('\n') != std::string::npos ? 1 : 0;
                  lines.push_back(json::parse(line));
              })
    {}

    /// Sends `message` and returns the response with `id` (fails the test when none came).
    json request(const json& message)
    {
        server.handleLine(message.dump());
        return responseTo(message.value("id", json()));
    }

    json responseTo(const json& id, int waitMs = 20000)
    {
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(waitMs);
        while (std::chrono::steady_clock::now() < end) {
            {
                std::lock_guard lock(mutex);
                for (const auto& line : lines) {
                    if (line.contains("id") && line["id"] == id &&
                        (line.contains("result") || line.contains("error"))) {
                        return line;
                    }
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return json();
    }

    json last()
    {
        std::lock_guard lock(mutex);
        return lines.empty() ? json() : lines.back();
    }

    std::size_t count()
    {
        std::lock_guard lock(mutex);
        return lines.size();
    }

    void initialize(const std::string& revision = "2025-11-25")
    {
        const json reply = request({{"jsonrpc", "2.0"},
                                    {"id", 0},
                                    {"method", "initialize"},
                                    {"params",
                                     {{"protocolVersion", revision},
                                      {"capabilities", json::object()},
                                      {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}});
        QCOMPARE(reply["result"]["protocolVersion"].get<std::string>(), revision);
        server.handleLine(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    }

    ~Harness()
    {
        server.shutdown();
        if (brokenLines != 0) {
            qFatal("a message line held a newline");
        }
    }

    mcp::test::FakeTools tools;
    std::mutex mutex;
    int brokenLines = 0;
    std::vector<json> lines;
    mcp::Server server;
};

json modernMeta()
{
    return {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
            {"io.modelcontextprotocol/clientCapabilities", json::object()}};
}

/// `depth` nested arrays, "[[…]]" (built here: moc mis-reads a bracket character literal in a class).
std::string nested(std::size_t depth)
{
    return std::string(depth, '\x5b') + std::string(depth, '\x5d');
}

int errorCode(const json& reply)
{
    return reply.contains("error") ? reply["error"]["code"].get<int>() : 0;
}

} // namespace

class TestMcpProtocol : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void malformedJsonIsAParseErrorAndTheServerGoesOn()
    {
        Harness h;
        for (const std::string bad :
             {"{", "{\"jsonrpc\":\"2.0\",\"id\":1,", "not json", "\xff\xfe", "{\"a\":1}}"}) {
            h.server.handleLine(bad);
            const json reply = h.last();
            QCOMPARE(errorCode(reply), mcp::ParseError);
            QVERIFY(reply["id"].is_null());
        }
        const json pong = h.request({{"jsonrpc", "2.0"}, {"id", "p"}, {"method", "ping"}});
        QVERIFY(pong["result"].is_object());
    }

    void invalidRequestsNameTheProblem()
    {
        Harness h;
        h.initialize();
        const json wrongVersion = h.request({{"jsonrpc", "1.0"}, {"id", 5}, {"method", "ping"}});
        QCOMPARE(errorCode(wrongVersion), mcp::InvalidRequest);
        QCOMPARE(wrongVersion["id"], 5); // the id is kept when it could be read
        h.server.handleLine(R"({"id":6,"method":"ping"})");
        QCOMPARE(errorCode(h.last()), mcp::InvalidRequest);
        h.server.handleLine(R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})");
        QCOMPARE(errorCode(h.last()), mcp::InvalidRequest);
        QVERIFY(h.last()["id"].is_null());
        h.server.handleLine(R"({"jsonrpc":"2.0","id":7,"method":42})");
        QCOMPARE(errorCode(h.last()), mcp::InvalidRequest);
        h.server.handleLine(R"({"jsonrpc":"2.0","id":8,"method":"tools/list","params":[1,2]})");
        QCOMPARE(errorCode(h.last()), mcp::InvalidParams);
        h.server.handleLine(R"("just a string")");
        QCOMPARE(errorCode(h.last()), mcp::InvalidRequest);
    }

    void batchesAreRefused()
    {
        Harness h;
        h.initialize();
        const std::size_t before = h.count();
        h.server.handleLine(
            R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}])");
        QCOMPARE(h.count(), before + 1); // one error, no answer to the requests inside
        QCOMPARE(errorCode(h.last()), mcp::InvalidRequest);
        QVERIFY(h.last()["error"]["message"].get<std::string>().find("batch") != std::string::npos);
    }

    void unknownMethodIsMethodNotFound()
    {
        Harness h;
        h.initialize();
        const json reply = h.request({{"jsonrpc", "2.0"}, {"id", 9}, {"method", "resources/list"}});
        QCOMPARE(errorCode(reply), mcp::MethodNotFound);
        const json modern = h.request({{"jsonrpc", "2.0"},
                                       {"id", 10},
                                       {"method", "prompts/get"},
                                       {"params", {{"_meta", modernMeta()}}}});
        QCOMPARE(errorCode(modern), mcp::MethodNotFound);
    }

    void deepNestingIsRefusedWithoutCrashing()
    {
        Harness h;
        h.initialize();
        // A million brackets: as a value this would overflow the stack when copied or destroyed.
        const std::string deep = nested(1000000);
        h.server.handleLine(deep);
        QCOMPARE(errorCode(h.last()), mcp::InvalidRequest);
        QVERIFY(h.last()["error"]["message"].get<std::string>().find("64") != std::string::npos);
        // Nesting inside the arguments counts the same.
        // (Unbalanced braces are built from pieces: moc counts them inside raw strings.)
        std::string args = json({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "tools/call"}}).dump();
        args.pop_back();
        args += ",\"params\":{\"name\":\"echo\",\"arguments\":{\"x\":";
        args += nested(100) + "}}}";
        h.server.handleLine(args);
        QCOMPARE(errorCode(h.last()), mcp::InvalidRequest);
        // 60 levels are fine (brackets inside strings do not count).
        std::string fine = json({{"jsonrpc", "2.0"}, {"id", 4}, {"method", "tools/call"}}).dump();
        fine.pop_back();
        fine += ",\"params\":{\"name\":\"echo\",\"arguments\":{\"s\":\"" + std::string(500, '\x5b') +
                "\",\"x\":" + nested(55) + "}}}";
        h.server.handleLine(fine);
        QVERIFY(h.responseTo(4).contains("result"));
    }

    void hugeLineIsDroppedAsItArrivesAndTheNextLineIsServed()
    {
        Harness h;
        h.initialize();
        int in[2];
        int stop[2];
        QCOMPARE(::pipe(in), 0);
        QCOMPARE(::pipe(stop), 0);
        std::thread reader([&] { mcp::serveLines(h.server, in[0], stop[0], 64 * 1024); });
        // 4 MiB of a string value in one line, then a ping: the line is refused, the ping answered.
        const std::string huge = json({{"jsonrpc", "2.0"},
                                       {"id", 1},
                                       {"method", "ping"},
                                       {"params", {{"x", std::string(4u << 20, 'a')}}}})
                                     .dump() +
                                 "\n";
        const std::string ping = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\r\n";
        std::thread writer([&] {
            for (std::string_view rest : {std::string_view(huge), std::string_view(ping)}) {
                while (!rest.empty()) {
                    const ssize_t n = ::write(in[1], rest.data(), rest.size());
                    QVERIFY(n > 0);
                    rest.remove_prefix(static_cast<std::size_t>(n));
                }
            }
            ::close(in[1]);
        });
        writer.join();
        reader.join(); // end of input ends serveLines
        QVERIFY(h.responseTo(2, 1000).contains("result"));
        QVERIFY(h.responseTo(1, 1).is_null()); // the huge request was never parsed
        bool refused = false;
        for (const auto& line : h.lines) {
            refused |= errorCode(line) == mcp::InvalidRequest &&
                       line["error"]["message"].get<std::string>().find("65536 bytes") != std::string::npos;
        }
        QVERIFY(refused);
        ::close(in[0]);
        ::close(stop[0]);
        ::close(stop[1]);
    }

    void handshakeNegotiatesTheRevision()
    {
        Harness before;
        // Without initialize, and without the 2026-07-28 _meta, there is no revision to serve.
        QCOMPARE(errorCode(before.request({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}})),
                 mcp::InvalidParams);
        QVERIFY(before.request({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "ping"}}).contains("result"));

        Harness older;
        older.initialize("2025-06-18"); // a revision the server speaks is echoed
        Harness unknown;
        const json reply = unknown.request(
            {{"jsonrpc", "2.0"},
             {"id", 1},
             {"method", "initialize"},
             {"params", {{"protocolVersion", "1999-01-01"}, {"capabilities", json::object()}}}});
        QCOMPARE(reply["result"]["protocolVersion"], "2025-11-25"); // else the newest handshake revision
        QVERIFY(reply["result"]["capabilities"].contains("tools"));
        QCOMPARE(reply["result"]["serverInfo"]["name"], "agentrun");
        QVERIFY(!reply["result"].contains("resultType"));
        const json again = unknown.request({{"jsonrpc", "2.0"},
                                            {"id", 2},
                                            {"method", "initialize"},
                                            {"params", {{"protocolVersion", "2025-11-25"}}}});
        QCOMPARE(errorCode(again), mcp::InvalidRequest);
        const json missing = Harness().request(
            {{"jsonrpc", "2.0"}, {"id", 3}, {"method", "initialize"}, {"params", json::object()}});
        QCOMPARE(errorCode(missing), mcp::InvalidParams);

        const json tools = unknown.request({{"jsonrpc", "2.0"}, {"id", 4}, {"method", "tools/list"}});
        QCOMPARE(tools["result"]["tools"].size(), 2u);
    }

    void statelessRevisionRequiresItsMeta()
    {
        Harness h; // no initialize: 2026-07-28 has none
        const json listed = h.request(
            {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}, {"params", {{"_meta", modernMeta()}}}});
        QCOMPARE(listed["result"]["resultType"], "complete");
        QCOMPARE(listed["result"]["tools"].size(), 2u);
        QVERIFY(listed["result"].contains("ttlMs"));
        QCOMPARE(listed["result"]["cacheScope"], "public");
        QCOMPARE(listed["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "agentrun");

        json old = modernMeta();
        old["io.modelcontextprotocol/protocolVersion"] = "2031-01-01";
        const json unsupported = h.request(
            {{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}, {"params", {{"_meta", old}}}});
        QCOMPARE(errorCode(unsupported), mcp::UnsupportedProtocolVersion);
        QCOMPARE(unsupported["error"]["data"]["requested"], "2031-01-01");
        QCOMPARE(unsupported["error"]["data"]["supported"][0], "2026-07-28");

        json noCapabilities = modernMeta();
        noCapabilities.erase("io.modelcontextprotocol/clientCapabilities");
        QCOMPARE(errorCode(h.request({{"jsonrpc", "2.0"},
                                      {"id", 3},
                                      {"method", "tools/list"},
                                      {"params", {{"_meta", noCapabilities}}}})),
                 mcp::InvalidParams);

        const json discovered = h.request({{"jsonrpc", "2.0"},
                                           {"id", 4},
                                           {"method", "server/discover"},
                                           {"params", {{"_meta", modernMeta()}}}});
        QCOMPARE(discovered["result"]["supportedVersions"],
                 json::array({"2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}));
        QVERIFY(discovered["result"]["capabilities"].contains("tools"));
        QCOMPARE(discovered["result"]["resultType"], "complete");
    }

    void toolCallsAndTheirProtocolErrors()
    {
        Harness h;
        h.initialize();
        const json echoed = h.request({{"jsonrpc", "2.0"},
                                       {"id", "e"},
                                       {"method", "tools/call"},
                                       {"params", {{"name", "echo"}, {"arguments", {{"a", 1}}}}}});
        QCOMPARE(echoed["result"]["content"][0]["text"], R"({"a":1})");
        QCOMPARE(
            errorCode(h.request(
                {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/call"}, {"params", {{"name", "rm_rf"}}}})),
            mcp::InvalidParams);
        QCOMPARE(errorCode(h.request(
                     {{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/call"}, {"params", json::object()}})),
                 mcp::InvalidParams);
        QCOMPARE(errorCode(h.request({{"jsonrpc", "2.0"},
                                      {"id", 3},
                                      {"method", "tools/call"},
                                      {"params", {{"name", "echo"}, {"arguments", "code"}}}})),
                 mcp::InvalidParams);
    }

    void progressThenCancellationStopsTheCallAndNoResponseIsSent()
    {
        Harness h;
        h.initialize();
        json meta = {{"progressToken", "tok"}};
        h.server.handleLine(json({{"jsonrpc", "2.0"},
                                  {"id", 42},
                                  {"method", "tools/call"},
                                  {"params", {{"name", "wait"}, {"_meta", meta}}}})
                                .dump());
        QTRY_VERIFY_WITH_TIMEOUT(h.tools.started.load(), 20000);
        bool progressed = false;
        {
            std::lock_guard lock(h.mutex);
            for (const auto& line : h.lines) {
                progressed |= line.value("method", "") == "notifications/progress" &&
                              line["params"]["progressToken"] == "tok" && line["params"]["progress"] == 1;
            }
        }
        QVERIFY(progressed);
        QCOMPARE(h.server.inFlight(), 1);
        // A second call with an id in use is refused.
        QCOMPARE(
            errorCode(h.request(
                {{"jsonrpc", "2.0"}, {"id", 42}, {"method", "tools/call"}, {"params", {{"name", "echo"}}}})),
            mcp::InvalidRequest);
        h.server.handleLine(
            R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":42,"reason":"user"}})");
        QTRY_COMPARE_WITH_TIMEOUT(h.server.inFlight(), 0, 20000);
        QVERIFY(h.tools.sawCancel.load());
        std::lock_guard lock(h.mutex);
        for (const auto& line : h.lines) {
            QVERIFY2(!(line.contains("result") && line["id"] == 42), "a cancelled request was answered");
        }
    }

    void callsBeyondTheLimitAreToolErrorsAndShutdownCancels()
    {
        Harness h(1);
        h.initialize();
        h.server.handleLine(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"wait"}})");
        QTRY_VERIFY_WITH_TIMEOUT(h.tools.started.load(), 20000);
        const json busy = h.request(
            {{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/call"}, {"params", {{"name", "echo"}}}});
        QCOMPARE(busy["result"]["isError"], true);
        QVERIFY(busy["result"]["content"][0]["text"].get<std::string>().find("at most 1") !=
                std::string::npos);
        h.server.shutdown(); // returns only once the running call ended
        QVERIFY(h.tools.sawCancel.load());
        QCOMPARE(h.server.inFlight(), 0);
    }

    void notificationsAndResponsesGetNoAnswer()
    {
        Harness h;
        h.initialize();
        const std::size_t before = h.count();
        h.server.handleLine(R"({"jsonrpc":"2.0","method":"notifications/whatever"})");
        h.server.handleLine(
            R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"nobody"}})");
        h.server.handleLine(R"({"jsonrpc":"2.0","id":77,"result":{}})");
        h.server.handleLine("");
        QCOMPARE(h.count(), before);
    }
};

QTEST_GUILESS_MAIN(TestMcpProtocol)
#include "tst_protocol.moc"
