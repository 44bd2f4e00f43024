#pragma once

// A stand-in for the sandbox tools, for the protocol and transport tests (no engine).
#include "server.h"

#include <atomic>
#include <chrono>
#include <thread>

namespace agentrun::mcp::test {

using nlohmann::json;

/// "echo" answers its arguments; "wait" reports progress, then waits until cancelled (or 60 s).
class FakeTools : public ToolBox
{
public:
    json list() const override
    {
        return json::array({{{"name", "echo"}, {"inputSchema", {{"type", "object"}}}},
                            {{"name", "wait"}, {"inputSchema", {{"type", "object"}}}}});
    }
    bool has(std::string_view name) const override { return name == "echo" || name == "wait"; }
    json call(const std::string& name, const json& arguments, ToolContext& context) override
    {
        if (name == "echo") {
            return {{"content", json::array({{{"type", "text"}, {"text", arguments.dump()}}})}};
        }
        context.progress("waiting");
        started = true;
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (!context.cancel.cancelled() && std::chrono::steady_clock::now() < end) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        sawCancel = context.cancel.cancelled();
        return {{"content", json::array({{{"type", "text"}, {"text", "done"}}})}};
    }
    std::atomic<bool> started{false};
    std::atomic<bool> sawCancel{false};
};

} // namespace agentrun::mcp::test
