#include "args.h"
#include "commands.h"
#include "limitflags.h"
#include "restrules.h"
#include "rundefaults.h"

#include "sandboxtools.h"

#include <iostream>
#include <memory>

namespace agentrun::cli {

namespace {

constexpr const char* ToolSchemaDescription =
    R"(Prints the run tool's definition for function calling, as a JSON object an LLM API takes in its
list of tools: --format openai gives {"type": "function", "function": {"name", "description",
"parameters"}} (Chat Completions), --format anthropic gives {"name", "description", "input_schema"}
(Messages). It is the run_python tool of `agentrun mcp`, from the same declaration: the parameters are
code, stdin, limits and dependencies, as the REST /v2 body has them, and the description tells the model
what the sandbox offers. Give the options the server that runs the calls is started with (--allow, run
defaults, ceilings), so that the description says what that server allows. Nothing is started: the
container engine is not needed.)";

struct ToolSchemaOptions
{
    std::string format;
    RunDefaultFlags defaults;
};

int printToolSchema(const ToolSchemaOptions& options)
{
    if (options.format != "openai" && options.format != "anthropic") {
        return usageError("--format must be openai or anthropic, not \"" + options.format + "\"");
    }
    mcp::SandboxConfig config;
    run::Ceilings ceilings = run::Ceilings::forHost();
    if (!applyRunDefaultFlags(options.defaults, config.defaults, ceilings)) {
        return 2;
    }
    config.rules = serverRules(config.defaults, ceilings);

    // The tool list of the MCP server is the one declaration of the tool; its executor is never asked to
    // run anything here (no pool: nothing touches the engine).
    run::ExecutorConfig executorConfig;
    executorConfig.poolSize = 0;
    run::Executor executor(executorConfig);
    const mcp::SandboxTools tools(std::move(config), executor);
    const nlohmann::json list = tools.list();
    const nlohmann::json* run = nullptr;
    for (const auto& tool : list) {
        if (tool.value("name", "") == "run_python") {
            run = &tool;
        }
    }
    if (!run) {
        std::cerr << "agentrun: the MCP tool list has no run_python tool\n";
        return 3;
    }
    nlohmann::json schema;
    if (options.format == "openai") {
        schema = {{"type", "function"},
                  {"function",
                   {{"name", (*run)["name"]},
                    {"description", (*run)["description"]},
                    {"parameters", (*run)["inputSchema"]}}}};
    } else {
        schema = {{"name", (*run)["name"]},
                  {"description", (*run)["description"]},
                  {"input_schema", (*run)["inputSchema"]}};
    }
    std::cout << schema.dump(2) << "\n";
    return 0;
}

} // namespace

void addToolSchemaCommand(CLI::App& app, CommandStatus& status)
{
    auto options = std::make_shared<ToolSchemaOptions>();
    CLI::App& command = addCommand(
        app, "tool-schema", "print the run tool's JSON schema for function calling (OpenAI, Anthropic)",
        ToolSchemaDescription);
    addValue(command, "--format", options->format, "openai | anthropic: the shape of the tool definition",
             "F")
        ->required();
    addRunDefaultFlags(command, options->defaults,
                       "whitelist a distribution (repeatable): the packages the description names", false);
    command.callback([options, &status] { status.value = printToolSchema(*options); });
}

} // namespace agentrun::cli
