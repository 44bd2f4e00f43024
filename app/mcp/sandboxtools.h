#pragma once

#include "server.h"

#include "agentrun/run/admission.h"
#include "agentrun/run/runner.h"

#include <string>

namespace agentrun::mcp {

/// What the tools run with: the server's defaults and its rules, as `serve` has them.
struct SandboxConfig
{
    model::RunSpec defaults;   ///< limits, policy and whitelist of a call that does not say
    run::AdmissionRules rules; ///< ceilings, network, whitelist, policies: the one gate of every run
};

/// run_python (a run in the sandbox, through the one run pipeline) and check_python (the static verdict).
class SandboxTools : public ToolBox
{
public:
    SandboxTools(SandboxConfig config, run::Runner& executor);

    nlohmann::json list() const override;
    bool has(std::string_view name) const override;
    nlohmann::json call(const std::string& name, const nlohmann::json& arguments,
                        ToolContext& context) override;

    /// Called with each finished run (not with calls refused before one started): the history.
    std::function<void(const model::RunSpec&, const model::RunResult&)> onFinished;

private:
    nlohmann::json runPython(const nlohmann::json& arguments, ToolContext& context);
    nlohmann::json checkPython(const nlohmann::json& arguments) const;
    std::string sandboxSentence() const;

    const SandboxConfig m_config;
    run::Runner& m_executor;
};

/// The text a model reads for a run: its output, and what went wrong when it did (findings with their
/// positions and hints for blocked code).
std::string resultText(const model::RunResult& result);

} // namespace agentrun::mcp
