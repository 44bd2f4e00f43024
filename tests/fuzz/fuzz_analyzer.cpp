// The static analyzer on arbitrary source under every preset: never crashes, positions stay sane.
#include "agentrun/safety/analyzer.h"
#include "agentrun/safety/policy.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const auto standard = *agentrun::safety::Policy::preset("standard");
    static const auto compat = *agentrun::safety::Policy::preset("agentrun-compat");
    const std::string_view source(reinterpret_cast<const char*>(data), size);
    for (const auto* policy : {&standard, &compat}) {
        const auto report = agentrun::safety::analyze(source, *policy);
        for (const auto& finding : report.findings) {
            if (finding.line < 1 || finding.column < 1 || finding.endLine < finding.line ||
                finding.rule.empty()) {
                std::abort();
            }
        }
    }
    return 0;
}
