// The sandbox tools without an engine: what a call is refused for before any container starts (arguments,
// ceilings, whitelist), the static check, and what the tool descriptions tell a model.
#include "runarguments.h"
#include "sandboxtools.h"

#include <QtTest>

using namespace agentrun;
using nlohmann::json;

namespace {

mcp::SandboxConfig config(std::vector<std::string> allow = {})
{
    mcp::SandboxConfig config;
    config.defaults.allow = std::move(allow);
    config.rules.ceilings.memoryBytes = 512ll << 20;
    config.rules.ceilings.timeoutSeconds = 60;
    config.rules.allow = config.defaults.allow;
    return config;
}

json call(mcp::SandboxTools& tools, const std::string& name, const json& arguments)
{
    run::CancelToken cancel;
    mcp::ToolContext context{cancel, [](const std::string&) {}};
    return tools.call(name, arguments, context);
}

} // namespace

class TestMcpTools : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aLimitAboveTheCeilingIsAToolErrorNamingIt()
    {
        run::Executor executor; // never reached: every call here is refused first
        mcp::SandboxTools tools(config(), executor);
        const json result = call(tools, "run_python", {{"code", "print(1)"}, {"limits", {{"memory", "2g"}}}});
        QCOMPARE(result["isError"], true);
        QCOMPARE(result["structuredContent"]["error_code"], "limits.memory");
        // The shape of every run result, as outputSchema declares it (a client checks it even with isError).
        QCOMPARE(result["structuredContent"]["status"], "invalid_request");
        QCOMPARE(result["structuredContent"]["exit_code"], -1);
        const std::string text = result["content"][0]["text"];
        QVERIFY2(text.find("512 MiB") != std::string::npos, text.c_str());
        const json slow = call(tools, "run_python", {{"code", "print(1)"}, {"limits", {{"timeout", 61}}}});
        QCOMPARE(slow["structuredContent"]["error_code"], "limits.timeout");
        const json network =
            call(tools, "run_python", {{"code", "print(1)"}, {"limits", {{"network", "bridge"}}}});
        QCOMPARE(network["isError"], true);
        QCOMPARE(network["structuredContent"]["error_code"], "limits.network");
    }

    void badArgumentsAreToolErrors()
    {
        run::Executor executor;
        mcp::SandboxTools tools(config(), executor);
        for (const json& arguments :
             {json::object(), json({{"code", 1}}), json({{"code", "1"}, {"stdin", 2}}),
              json({{"code", "1"}, {"limits", {{"memory", "lots"}}}}),
              json({{"code", "1"}, {"limits", {{"swap", 1}}}}),
              json({{"code", "1"}, {"dependencies", "numpy"}}), json({{"code", "1"}, {"sudo", true}})}) {
            const json result = call(tools, "run_python", arguments);
            QVERIFY2(result.value("isError", false), arguments.dump().c_str());
            QVERIFY(!result["content"][0]["text"].get<std::string>().empty());
        }
    }

    void packagesOutsideTheWhitelistAreRefused()
    {
        run::Executor executor;
        mcp::SandboxTools tools(config({"numpy"}), executor);
        const json result =
            call(tools, "run_python", {{"code", "import pandas"}, {"dependencies", {"pandas"}}});
        QCOMPARE(result["isError"], true);
        QCOMPARE(result["structuredContent"]["error_code"], "dependencies");
    }

    void theRequestTakesTheServerDefaultsThenTheCall()
    {
        model::RunSpec defaults;
        defaults.limits.timeoutSeconds = 7;
        defaults.allow = {"numpy==1.26.*", "requests"};
        auto request = mcp::runRequestFrom(
            {{"code", "x"}, {"stdin", "in"}, {"limits", {{"memory", "128m"}}}, {"dependencies", {"numpy"}}},
            defaults);
        QVERIFY(request.has_value());
        QCOMPARE(request->code, "x");
        QCOMPARE(request->stdinData, "in");
        QCOMPARE(request->limits.timeoutSeconds, 7.0);
        QCOMPARE(request->limits.memoryBytes, 128ll << 20);
        QCOMPARE(request->limits.memorySwapBytes, 128ll << 20); // swap follows memory, as in REST
        QCOMPARE(request->allow, std::vector<std::string>{"numpy==1.26.*"}); // the server's pin
    }

    void checkPythonGivesTheVerdictWithPositions()
    {
        run::Executor executor;
        mcp::SandboxTools tools(config(), executor);
        const json blocked = call(tools, "check_python", {{"code", "import os\nos.system('ls')\n"}});
        QCOMPARE(blocked["structuredContent"]["allowed"], false);
        const json finding = blocked["structuredContent"]["findings"][0];
        QCOMPARE(finding["line"], 2);
        QVERIFY(finding["column"].get<int>() >= 1);
        const std::string text = blocked["content"][0]["text"];
        QVERIFY2(text.find("line 2, column") != std::string::npos &&
                     text.find("blocked") != std::string::npos,
                 text.c_str());
        const json allowed = call(tools, "check_python", {{"code", "print(1)"}});
        QCOMPARE(allowed["structuredContent"]["allowed"], true);
        QCOMPARE(call(tools, "check_python", {{"source", "x"}})["isError"], true);
    }

    void descriptionsTellAModelWhatTheSandboxOffers()
    {
        run::Executor executor;
        mcp::SandboxTools none(config(), executor);
        const json listed = none.list();
        QCOMPARE(listed.size(), 6u);
        QCOMPARE(listed[0]["name"], "run_python");
        QCOMPARE(listed[1]["name"], "check_python");
        QCOMPARE(listed[2]["name"], "session_start");
        QCOMPARE(listed[5]["name"], "session_list");
        QVERIFY(listed[0]["inputSchema"]["properties"].contains("session_id"));
        const std::string plain = listed[0]["description"];
        QVERIFY2(plain.find("no network") != std::string::npos, plain.c_str());
        QVERIFY2(plain.find("Only the standard library") != std::string::npos, plain.c_str());
        QVERIFY2(plain.find("print") != std::string::npos || plain.find("Print") != std::string::npos,
                 plain.c_str());
        QVERIFY2(plain.find("60 s") != std::string::npos, plain.c_str()); // the ceiling
        mcp::SandboxTools numpy(config({"numpy", "pandas"}), executor);
        const std::string withPackages = numpy.list()[0]["description"];
        QVERIFY2(withPackages.find("numpy, pandas") != std::string::npos, withPackages.c_str());
        QCOMPARE(listed[0]["inputSchema"]["required"], json::array({"code"}));
    }

    void sessionToolsRefuseBadArgumentsWithoutAnEngine()
    {
        run::Executor executor; // never reached: each call is refused first
        mcp::SandboxTools tools(config(), executor);
        QCOMPARE(call(tools, "session_close", json::object())["isError"], true);
        QCOMPARE(call(tools, "session_restart", {{"session_id", 5}})["isError"], true);
        QCOMPARE(call(tools, "session_list", {{"x", 1}})["isError"], true);
        QCOMPARE(call(tools, "session_start", {{"code", "print(1)"}})["isError"], true);
        const json above = call(tools, "session_start", {{"limits", {{"memory", "2g"}}}});
        QCOMPARE(above["isError"], true);
        QVERIFY(above["content"][0]["text"].get<std::string>().find("512 MiB") != std::string::npos);
        const json unknown = call(tools, "run_python", {{"code", "print(1)"}, {"session_id", "abcdef"}});
        QCOMPARE(unknown["isError"], true);
        QCOMPARE(unknown["structuredContent"]["error_code"], "session.not_found");
        QCOMPARE(call(tools, "session_list", json::object())["structuredContent"]["sessions"].size(), 0u);
    }

    void blockedResultsListEveryFindingForTheModel()
    {
        model::RunResult result;
        result.status = model::Status::Blocked;
        result.findings.push_back(
            {"process-exec", safety::Severity::Block, 3, 5, 3, 20, "starts a process", "use Python"});
        const std::string text = mcp::resultText(result);
        QVERIFY2(text.find("line 3, column 5: block process-exec: starts a process") != std::string::npos,
                 text.c_str());
        QVERIFY2(text.find("hint: use Python") != std::string::npos, text.c_str());
        model::RunResult failed;
        failed.status = model::Status::Exception;
        failed.exitCode = 1;
        failed.output = "Traceback ...";
        failed.message = "The program raised an exception.";
        QVERIFY(mcp::resultText(failed).find("[exception, exit code 1]") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestMcpTools)
#include "tst_tools.moc"
